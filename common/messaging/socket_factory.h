// SocketFactory: the one place sockets are created, bound and connected.
//
// Every socket gets a bounded ZMQ_LINGER, send/receive high-water marks and
// ZMQ_MAXMSGSIZE from config.v1.Limits; connecting sockets set ZMQ_IMMEDIATE
// so messages are never queued for a peer that is not there. ipc:// endpoint
// directories are created on bind. zmq::error_t never leaves this file.
//
// Thread-safety: the factory is immutable and may be shared; each socket it
// returns must be used by one thread only (libzmq rule).
#pragma once

#include <zmq.hpp>

#include <string>

#include "common/base/result.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::messaging {

class SocketFactory {
 public:
  SocketFactory(zmq::context_t* context, const config::v1::Limits& limits)
      : context_(context), limits_(limits) {}

  // Creates a socket of `type` and binds it to `endpoint`.
  Result<zmq::socket_t> Bind(zmq::socket_type type, const std::string& endpoint) const;
  // Creates a socket of `type` and connects it to `endpoint`.
  Result<zmq::socket_t> Connect(zmq::socket_type type, const std::string& endpoint) const;

  zmq::context_t* context() const { return context_; }
  const config::v1::Limits& limits() const { return limits_; }

 private:
  Result<zmq::socket_t> Make(zmq::socket_type type) const;
  zmq::context_t* context_;
  config::v1::Limits limits_;
};

// The endpoint a socket is actually bound to (resolves tcp://127.0.0.1:* to a port).
Result<std::string> LastEndpoint(zmq::socket_t& socket);

}  // namespace reportflow::messaging
