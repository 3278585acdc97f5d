// HandshakeRetry: connects a socket's endpoint again after its handshake failed.
//
// libzmq 4.3 ends a connecting session for good when its handshake fails: the
// peer's authentication refused our CURVE key (not on its allow-list yet), or
// the peer speaks another mechanism (plaintext where CURVE was expected). It
// never tries that endpoint again, so a worker started before its key was
// allowed stayed disconnected, and not ready, until it was restarted.
// HandshakeRetry watches the socket through a ZeroMQ socket monitor (handshake
// events only) and, after a failure, disconnects and connects the endpoint
// again once a backoff has passed (1 s, doubling up to 30 s; a handshake that
// succeeds resets it).
//
// Thread-safety: use it from the socket's thread only (it owns the monitor's
// socket). Destroy it before the socket.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <zmq.hpp>

#include "common/base/result.h"

namespace reportflow::messaging {

class HandshakeRetry {
 public:
  // Told of each failed handshake: the endpoint, why, and when it is tried again.
  using FailureLog = std::function<void(const std::string& endpoint, const std::string& reason, int64_t retry_in_ms)>;

  static constexpr int64_t kFirstBackoffMillis = 1000;
  static constexpr int64_t kMaxBackoffMillis = 30000;

  // Starts monitoring `socket`, connected (or about to be) to `endpoint`.
  static Result<std::unique_ptr<HandshakeRetry>> Watch(zmq::context_t* context, zmq::socket_t* socket,
                                                       std::string endpoint, FailureLog on_failure);
  ~HandshakeRetry();
  HandshakeRetry(const HandshakeRetry&) = delete;
  HandshakeRetry& operator=(const HandshakeRetry&) = delete;

  // Takes the monitor's waiting events (non-blocking) and, when a handshake
  // failed and its backoff has passed by `now_ms` (a monotonic clock),
  // connects the endpoint again. Call it regularly, e.g. once a second.
  Status Service(int64_t now_ms);

  // Readable when the monitor has events waiting (for tests and poll sets).
  zmq::socket_t& events() { return events_; }
  // Times the endpoint was connected again.
  uint64_t retries() const { return retries_; }

 private:
  HandshakeRetry(zmq::socket_t* socket, std::string endpoint, FailureLog on_failure)
      : socket_(socket), endpoint_(std::move(endpoint)), on_failure_(std::move(on_failure)) {}

  zmq::socket_t* socket_;
  std::string endpoint_;
  FailureLog on_failure_;
  zmq::socket_t events_;
  bool pending_ = false;   // a failure not yet followed by a new connection
  int64_t due_ms_ = -1;    // when to connect again (set at the first Service after the failure)
  int64_t backoff_ms_ = kFirstBackoffMillis;
  uint64_t retries_ = 0;
};

// The HandshakeRetry of every tcp:// endpoint a service connects (ipc:// and
// inproc:// have no handshake to fail): a service watches each socket it
// connects and services them all from its loop, about once a second. Declare
// it after the sockets it watches, so it is destroyed first.
class HandshakeRetries {
 public:
  HandshakeRetries(zmq::context_t* context, HandshakeRetry::FailureLog on_failure)
      : context_(context), on_failure_(std::move(on_failure)) {}
  // Watches `socket`, connected to `endpoint`, when the endpoint is tcp://.
  Status Watch(zmq::socket_t* socket, const std::string& endpoint);
  // HandshakeRetry::Service of each.
  Status Service(int64_t now_ms);
  size_t watched() const { return retries_.size(); }
  HandshakeRetry& at(size_t i) { return *retries_[i]; }

 private:
  zmq::context_t* context_;
  HandshakeRetry::FailureLog on_failure_;
  std::vector<std::unique_ptr<HandshakeRetry>> retries_;
};

}  // namespace reportflow::messaging
