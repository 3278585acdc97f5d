// SocketFactory: the one place sockets are created, bound and connected.
//
// Every socket gets a bounded ZMQ_LINGER, send/receive high-water marks and
// ZMQ_MAXMSGSIZE from config.v1.Limits; connecting sockets set ZMQ_IMMEDIATE
// so messages are never queued for a peer that is not there. ipc:// endpoint
// directories are created on bind. zmq::error_t never leaves this file.
//
// Security (config.v1.Security) applies to tcp:// endpoints: with mode
// "curve", bound sockets are CURVE servers (ZMQ_CURVE_SERVER, ZAP domain
// "reportflow") whose connecting peers the context's ZapHandler
// (zap_handler.h, passed in by the owner of the context) checks against the
// allow-list, and connecting sockets are CURVE clients; with mode "plaintext"
// tcp:// is unencrypted; with no mode, a tcp:// endpoint is refused. Keys are
// read on the first tcp:// socket. Binding a CURVE socket without a ZapHandler
// is an error (libzmq would let any client that knows the server key in).
//
// Thread-safety: one thread uses a factory; each socket it returns must be
// used by one thread only (libzmq rule).
#pragma once

#include <zmq.hpp>

#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/messaging/curve_keys.h"
#include "common/messaging/zap_handler.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::messaging {

class SocketFactory {
 public:
  SocketFactory(zmq::context_t* context, const config::v1::Limits& limits,
                const config::v1::Security& security = {}, ZapHandler* zap = nullptr)
      : context_(context), limits_(limits), security_(security), zap_(zap) {}

  // Creates a socket of `type` and binds it to `endpoint`.
  Result<zmq::socket_t> Bind(zmq::socket_type type, const std::string& endpoint) const;
  // Creates a socket of `type` and connects it to `endpoint`.
  Result<zmq::socket_t> Connect(zmq::socket_type type, const std::string& endpoint) const;

  zmq::context_t* context() const { return context_; }
  const config::v1::Limits& limits() const { return limits_; }

 private:
  Result<zmq::socket_t> Make(zmq::socket_type type) const;
  // Applies the security of `endpoint` to `socket` (server: it is bound).
  Status Secure(zmq::socket_t& socket, const std::string& endpoint, bool server) const;
  zmq::context_t* context_;
  config::v1::Limits limits_;
  config::v1::Security security_;
  ZapHandler* zap_;  // not owned; the context's handler (CURVE servers need it)
  mutable std::optional<CurveKeys> keys_;  // loaded on the first tcp:// socket
};

// The endpoint a socket is actually bound to (resolves tcp://127.0.0.1:* to a port).
Result<std::string> LastEndpoint(zmq::socket_t& socket);

}  // namespace reportflow::messaging
