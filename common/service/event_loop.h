// EventLoop: the one loop every reportflow service runs (Envoy's RunHelper
// role). It owns the Waker (signals and Shutdown() are events), polls the
// sockets registered with a handler each, and ends each pass with the
// service's group commit.
//
// A pass: wait until a socket is ready, a timer is due or the waker fires
// (without waiting while Busy() says there is work that needs no input);
// call the handler of every ready socket (each takes what is ready, bounded);
// run the pass-end hook (commit the group, send what the group produced);
// run due timers.
//
// Stopping: Run() returns once Stop() was called; Drain() then keeps serving
// the sockets marked `drain` until the service says it is done (`done`), or
// nothing has arrived for kQuietMillis, or the deadline passes.
//
// Thread-safety: Run()/Drain() and registration on one thread; Stop() from
// any thread or a signal handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>
#include <zmq.hpp>

#include "common/base/result.h"
#include "common/messaging/poll.h"
#include "common/service/service.h"

namespace reportflow::service {

class EventLoop {
 public:
  // Stopping: with no `done` condition (or while it is false), draining ends
  // when nothing arrived for this long.
  static constexpr int64_t kQuietMillis = 50;

  using Handler = std::function<Status()>;
  static Result<std::unique_ptr<EventLoop>> Create();

  // Calls `handler` when `socket` is readable. With `drain`, also while draining.
  void OnReadable(zmq::socket_t& socket, Handler handler, bool drain = true);
  // Calls `handler` when `socket` is writable, while `want()` (output waits).
  void OnWritable(zmq::socket_t& socket, std::function<bool()> want, Handler handler);
  // Runs at the end of every pass (the group commit), and of every drain pass.
  void OnPassEnd(Handler handler) { pass_end_ = std::move(handler); }
  // Runs `handler` every `period_ms` (not while draining).
  void Every(int64_t period_ms, Handler handler);
  // While `busy()`, passes do not wait for input (e.g. files to scan).
  void SetBusy(std::function<bool()> busy) { busy_ = std::move(busy); }
  // Runs once per pass before waiting (liveness beat).
  void OnBeat(std::function<void()> beat) { beat_ = std::move(beat); }

  // Serves until Stop() (OK, or the error given to Fail()), or a handler
  // fails (its status; Cancelled counts as a stop).
  Status Run();
  // Serves the drain sockets until `done()`, quiet, or `deadline_ms`
  // (monotonic): OK, or the error of a handler, or of Fail() (during the
  // drain or before it).
  Status Drain(int64_t deadline_ms, const std::function<bool()>& done = nullptr);

  // Asks Run() to return. Idempotent, async-signal-safe.
  void Stop();
  // Stops with an error that Run() or Drain() then returns (the first one
  // wins), e.g. a full disk found where the error cannot be returned. Loop
  // thread only.
  void Fail(Status error);
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  Waker& waker() { return *waker_; }

 private:
  struct Watch {
    zmq::socket_t* socket;
    short events;
    Handler handler;
    std::function<bool()> want;  // writable watches only
    bool drain;
  };
  struct Timer {
    int64_t period_ms;
    int64_t next_ms;
    Handler handler;
  };
  explicit EventLoop(std::unique_ptr<Waker> waker) : waker_(std::move(waker)) {}
  // One pass; `any` is set if some socket handler ran.
  Status Pass(bool draining, int64_t timeout_ms, bool* any);

  std::unique_ptr<Waker> waker_;
  std::atomic<bool> stopping_{false};
  Status failure_;
  std::vector<Watch> watches_;
  std::vector<Timer> timers_;
  Handler pass_end_;
  std::function<bool()> busy_;
  std::function<void()> beat_;
};

}  // namespace reportflow::service
