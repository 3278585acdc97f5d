#include "common/service/event_loop.h"

#include <algorithm>
#include <limits>

#include "common/base/clock.h"
#include "common/base/macros.h"

namespace reportflow::service {

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  ASSIGN_OR_RETURN(auto waker, Waker::Create());
  return std::unique_ptr<EventLoop>(new EventLoop(std::move(waker)));
}

void EventLoop::OnReadable(zmq::socket_t& socket, Handler handler, bool drain) {
  watches_.push_back({&socket, messaging::Poll::kIn, std::move(handler), nullptr, drain});
}

void EventLoop::OnWritable(zmq::socket_t& socket, std::function<bool()> want, Handler handler) {
  watches_.push_back({&socket, messaging::Poll::kOut, std::move(handler), std::move(want), true});
}

void EventLoop::Every(int64_t period_ms, Handler handler) {
  timers_.push_back({period_ms, Clock::Real().MonotonicMillis() + period_ms, std::move(handler)});
}

void EventLoop::Stop() {
  stopping_.store(true, std::memory_order_relaxed);
  waker_->Wake();
}

void EventLoop::Fail(Status error) {
  if (failure_.ok()) failure_ = std::move(error);
  Stop();
}

Status EventLoop::Pass(bool draining, int64_t timeout_ms, bool* any) {
  if (beat_) beat_();
  messaging::Poll poll;
  const size_t wake = poll.AddFd(waker_->fd(), messaging::Poll::kIn);
  for (const Watch& w : watches_) {
    const bool on = (!draining || w.drain) && (!w.want || w.want());
    poll.Add(*w.socket, on ? w.events : 0);
  }
  RETURN_IF_ERROR(poll.Wait(timeout_ms));
  if (poll.Ready(wake, messaging::Poll::kIn)) waker_->Drain();
  for (size_t i = 0; i < watches_.size(); ++i) {
    if (!poll.Ready(i + 1, watches_[i].events)) continue;
    RETURN_IF_ERROR(watches_[i].handler());
    if (watches_[i].events == messaging::Poll::kIn) *any = true;
  }
  if (pass_end_) RETURN_IF_ERROR(pass_end_());
  return Status::OK();
}

Status EventLoop::Run() {
  while (!stopping()) {
    int64_t timeout = -1;
    const int64_t now = Clock::Real().MonotonicMillis();
    for (const Timer& t : timers_) timeout = timeout < 0 ? t.next_ms - now : std::min(timeout, t.next_ms - now);
    if (busy_ && busy_()) timeout = 0;
    bool any = false;
    Status s = Pass(/*draining=*/false, std::max<int64_t>(timeout, timers_.empty() ? -1 : 0), &any);
    // Cancelled (the context is ending) is a stop; a failure already raised still wins.
    if (s.code() == StatusCode::kCancelled) return failure_;
    RETURN_IF_ERROR(s);
    const int64_t after = Clock::Real().MonotonicMillis();
    for (Timer& t : timers_) {
      if (after < t.next_ms || stopping()) continue;
      t.next_ms = after + t.period_ms;
      s = t.handler();
      if (s.code() == StatusCode::kCancelled) return failure_;
      RETURN_IF_ERROR(s);
    }
  }
  return failure_;
}

Status EventLoop::Drain(int64_t deadline_ms, const std::function<bool()>& done) {
  int64_t last = Clock::Real().MonotonicMillis();
  // A failure (Fail) ends the drain too: what follows it (a checkpoint, a
  // flush) must not run on a store that just failed a write.
  while (failure_.ok() && !(done && done())) {
    const int64_t now = Clock::Real().MonotonicMillis();
    if (now >= deadline_ms || now - last >= kQuietMillis) break;
    bool any = false;
    Status s = Pass(/*draining=*/true, std::min(kQuietMillis - (now - last), deadline_ms - now), &any);
    if (s.code() == StatusCode::kCancelled) break;
    RETURN_IF_ERROR(s);
    if (any) last = Clock::Real().MonotonicMillis();
  }
  return failure_;
}

}  // namespace reportflow::service
