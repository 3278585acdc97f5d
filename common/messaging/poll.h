// Poll: waiting on ZeroMQ sockets and file descriptors, the one place outside
// the codec and the socket factory where zmq::poll runs and zmq::error_t is
// caught. A signal interrupting the wait (EINTR) is "nothing ready"; a
// terminated context (ETERM) is Cancelled: the shutdown path, not an error.
//
// Thread-safety: one Poll per thread, like its sockets.
#pragma once

#include <cstdint>
#include <vector>
#include <zmq.hpp>

#include "common/base/status.h"

namespace reportflow::messaging {

class Poll {
 public:
  static constexpr short kIn = ZMQ_POLLIN;
  static constexpr short kOut = ZMQ_POLLOUT;

  // Watches `socket` (or the file descriptor `fd`) for `events`; returns its index.
  size_t Add(zmq::socket_t& socket, short events);
  size_t AddFd(int fd, short events);
  // Changes what entry `i` waits for (0: not watched this time).
  void Watch(size_t i, short events) { items_[i].events = events; }
  // Waits until an entry is ready or `timeout_ms` passes (-1: no limit).
  Status Wait(int64_t timeout_ms);
  bool Ready(size_t i, short event) const { return (items_[i].revents & event) != 0; }
  size_t size() const { return items_.size(); }

 private:
  std::vector<zmq::pollitem_t> items_;
};

}  // namespace reportflow::messaging
