#include "common/messaging/poll.h"

#include <cerrno>
#include <chrono>
#include <string>

namespace reportflow::messaging {

size_t Poll::Add(zmq::socket_t& socket, short events) {
  items_.push_back({socket.handle(), 0, events, 0});
  return items_.size() - 1;
}

size_t Poll::AddFd(int fd, short events) {
  items_.push_back({nullptr, fd, events, 0});
  return items_.size() - 1;
}

Status Poll::Wait(int64_t timeout_ms) {
  for (auto& item : items_) item.revents = 0;
  try {
    zmq::poll(items_.data(), items_.size(), std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return Status::OK();  // nothing ready; the caller looks again
    if (e.num() == ETERM) return Status::Cancelled("context terminated");
    return Status::Internal(std::string("poll: ") + e.what());
  }
  return Status::OK();
}

}  // namespace reportflow::messaging
