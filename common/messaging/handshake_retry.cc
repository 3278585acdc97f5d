#include "common/messaging/handshake_retry.h"

#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/base/macros.h"
#include "common/messaging/curve_keys.h"

namespace reportflow::messaging {
namespace {

constexpr int kEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;

std::string Reason(uint16_t event, uint32_t value) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%x", value);
  switch (event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      return "the peer refused our key (authentication status " + std::to_string(value) +
             "; is it in the peer's allowed_clients_dir?)";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
        return "the peer uses another security mechanism (plaintext against CURVE, or the reverse)";
      }
      if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC) return "a cryptographic error (a wrong server public key?)";
      return std::string("a protocol error (") + hex + ")";
    default:
      return "the handshake failed";
  }
}

}  // namespace

Result<std::unique_ptr<HandshakeRetry>> HandshakeRetry::Watch(zmq::context_t* context, zmq::socket_t* socket,
                                                              std::string endpoint, FailureLog on_failure) {
  std::unique_ptr<HandshakeRetry> retry(new HandshakeRetry(socket, std::move(endpoint), std::move(on_failure)));
  const std::string monitor = "inproc://reportflow.handshake." + std::to_string(reinterpret_cast<uintptr_t>(retry.get()));
  if (zmq_socket_monitor(socket->handle(), monitor.c_str(), kEvents) != 0) {
    return Status::Internal("cannot monitor the socket of " + retry->endpoint_ + ": " + zmq_strerror(zmq_errno()));
  }
  try {
    retry->events_ = zmq::socket_t(*context, zmq::socket_type::pair);
    retry->events_.set(zmq::sockopt::linger, 0);
    retry->events_.connect(monitor);
  } catch (const zmq::error_t& e) {
    zmq_socket_monitor(socket->handle(), nullptr, 0);
    return Status::Internal("cannot read the monitor of " + retry->endpoint_ + ": " + e.what());
  }
  return retry;
}

HandshakeRetry::~HandshakeRetry() { zmq_socket_monitor(socket_->handle(), nullptr, 0); }

Status HandshakeRetry::Service(int64_t now_ms) {
  for (;;) {
    zmq::message_t head, address;
    zmq::recv_result_t got;
    try {
      got = events_.recv(head, zmq::recv_flags::dontwait);
      if (got && head.more()) (void)events_.recv(address);  // the endpoint, as the second frame
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return Status::Internal(std::string("reading the socket monitor: ") + e.what());
    }
    if (!got) break;
    if (head.size() < 6) continue;
    uint16_t event;
    uint32_t value;
    std::memcpy(&event, head.data(), sizeof(event));
    std::memcpy(&value, static_cast<const char*>(head.data()) + sizeof(event), sizeof(value));
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      pending_ = false;
      backoff_ms_ = kFirstBackoffMillis;
      continue;
    }
    if (pending_) continue;  // one retry per failure
    pending_ = true;
    due_ms_ = now_ms + backoff_ms_;
    if (on_failure_) on_failure_(endpoint_, Reason(event, value), backoff_ms_);
  }
  if (!pending_ || now_ms < due_ms_) return Status::OK();
  try {
    try {
      socket_->disconnect(endpoint_);
    } catch (const zmq::error_t& e) {
      if (e.num() != ENOENT) throw;  // the ended session may already have left the socket
    }
    socket_->connect(endpoint_);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot connect " + endpoint_ + " again: " + e.what());
  }
  pending_ = false;
  backoff_ms_ = std::min(2 * backoff_ms_, kMaxBackoffMillis);
  ++retries_;
  return Status::OK();
}

Status HandshakeRetries::Watch(zmq::socket_t* socket, const std::string& endpoint) {
  if (!IsTcpEndpoint(endpoint)) return Status::OK();
  ASSIGN_OR_RETURN(auto retry, HandshakeRetry::Watch(context_, socket, endpoint, on_failure_));
  retries_.push_back(std::move(retry));
  return Status::OK();
}

Status HandshakeRetries::Service(int64_t now_ms) {
  for (auto& r : retries_) RETURN_IF_ERROR(r->Service(now_ms));
  return Status::OK();
}

}  // namespace reportflow::messaging
