// ZapHandler: the ZAP (ZeroMQ RFC 27) authentication handler of a context.
// CURVE server sockets ask it about every connecting peer; it allows only the
// client public keys in the allow-list, denies everything else (status 400),
// logs each denial with the key and the peer address, and reports it through
// `on_denied` (the service counts it in reportflow_auth_denied_total).
//
// One handler per context (it binds inproc://zeromq.zap.01), on its own
// thread; EnsureZapHandler starts it on first use. The thread ends by itself
// when the context terminates, so it never holds a context open.
#pragma once

#include <zmq.hpp>

#include <functional>
#include <set>
#include <string>

#include "common/base/result.h"

namespace reportflow::messaging {

// Called on the handler's thread for every denied connection.
using DenialCallback = std::function<void()>;

// Starts the handler of `context` unless it runs already. A running handler's
// allow-list grows by `allowed` (all factories of a process share the keys).
Status EnsureZapHandler(zmq::context_t* context, const std::set<std::string>& allowed, DenialCallback on_denied);

}  // namespace reportflow::messaging
