#include "cli/control_client.h"

#include "common/base/macros.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"

namespace reportflow::cli {
namespace {

// zmq::poll that reports a signal (EINTR) as Cancelled instead of throwing,
// so the caller's loop sees its stop flag; `run` never aborts on a signal.
Status PollOnce(zmq::pollitem_t* item, std::chrono::milliseconds timeout) {
  try {
    zmq::poll(item, 1, timeout);
    return Status::OK();
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return Status::Cancelled("interrupted by a signal");
    return Status::Unavailable(std::string("poll failed: ") + e.what());
  }
}

}  // namespace

ControlClient::ControlClient(std::string endpoint, config::v1::Limits limits, config::v1::Security security)
    : endpoint_(std::move(endpoint)), limits_(std::move(limits)), security_(std::move(security)) {
  limits_.set_linger_ms(0);
}

ControlClient::~ControlClient() { socket_.reset(); }

Result<pipeline::v1::ControlResponse> ControlClient::Call(const pipeline::v1::ControlRequest& request,
                                                          std::chrono::milliseconds timeout) {
  if (!socket_) {
    messaging::SocketFactory factory(&context_, limits_, security_);
    // REQ without ZMQ_IMMEDIATE semantics would also work; Connect sets it, so a
    // request waits (bounded by `timeout`) until ingest is listening.
    ASSIGN_OR_RETURN(zmq::socket_t s, factory.Connect(zmq::socket_type::req, endpoint_));
    socket_ = std::make_unique<zmq::socket_t>(std::move(s));
  }
  messaging::Frames frames;
  messaging::AppendMessage(messaging::kControlHeader, request, &frames);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining = [&] {
    return std::max<std::chrono::milliseconds>(std::chrono::milliseconds(0),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  };
  // Wait until the request can be sent (ingest may still be starting).
  while (true) {
    Status s = messaging::SendFrames(*socket_, frames, /*dont_wait=*/true);
    if (s.ok()) break;
    if (s.code() != StatusCode::kUnavailable) return s;
    zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLOUT, 0};
    if (Status p = PollOnce(&item, std::min<std::chrono::milliseconds>(remaining(), std::chrono::milliseconds(100)));
        !p.ok()) {
      socket_.reset();
      return p;
    }
    if (remaining().count() == 0) {
      socket_.reset();
      return Status::DeadlineExceeded("ingest control endpoint " + endpoint_ + " not reachable");
    }
  }
  zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
  if (Status p = PollOnce(&item, remaining()); !p.ok()) {
    socket_.reset();  // the request may be out: a REQ socket in that state is unusable
    return p;
  }
  if (!(item.revents & ZMQ_POLLIN)) {
    socket_.reset();  // lazy pirate: a REQ socket with an unanswered request is unusable
    return Status::DeadlineExceeded("no reply from ingest within " + std::to_string(timeout.count()) + " ms");
  }
  ASSIGN_OR_RETURN(messaging::Frames reply, messaging::RecvFrames(*socket_));
  pipeline::v1::ControlResponse response;
  Status s = messaging::ParseMessage(reply, 0, messaging::kControlHeader, &response);
  if (!s.ok()) {
    socket_.reset();
    return s;
  }
  if (!response.error().empty()) return Status::InvalidArgument(response.error());
  return response;
}

}  // namespace reportflow::cli
