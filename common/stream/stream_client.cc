#include "common/stream/stream_client.h"

#include <zmq.hpp>

#include <chrono>
#include <deque>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "common/stream/topics.h"

namespace reportflow::stream {
namespace {
namespace apb = ::reportflow::aggregate::v1;
using messaging::Frames;
constexpr int kDrainBurst = 1024;
}  // namespace

struct StreamClient::Impl {
  StreamClientOptions options;
  zmq::context_t context;
  zmq::socket_t sub, dealer;
  StreamState state;
  bool synced = false;  // the state's sequence is meaningful (snapshot taken or first event seen)
  uint64_t gaps = 0, snapshots = 0, last_heartbeat = 0, next_request = 1, malformed = 0;
  std::deque<std::pair<std::string, apb::StreamEvent>> pending;  // received, not yet applied
  std::deque<StreamUpdate> ready;                                 // applied, not yet returned

  explicit Impl(const StreamClientOptions& o) : options(o), state(o.prefixes) {}

  int64_t Now() const { return Clock::Real().MonotonicMillis(); }

  // Polls `items` until `deadline`; false on timeout.
  Result<bool> Poll(zmq::pollitem_t* items, size_t n, int64_t deadline) {
    const int64_t left = deadline - Now();
    if (left <= 0) return false;
    try {
      return zmq::poll(items, n, std::chrono::milliseconds(left)) > 0;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) return true;
      return Status::Cancelled(std::string("poll: ") + e.what());
    }
  }

  // Receives one stream message if one is ready; false if none.
  Result<bool> RecvEvent(std::string* topic, apb::StreamEvent* event) {
    while (true) {
      ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(sub));
      if (frames.empty()) return false;
      if (messaging::ParseTopicMessage(frames, event, topic).ok()) return true;
      ++malformed;
    }
  }

  // Queues an applied event for Next() if it is one the caller asked for:
  // `topic` and `e` are taken, not copied.
  void Emit(std::string* topic, apb::StreamEvent* e) {
    if (e->event_case() == apb::StreamEvent::kHeartbeat) return;
    if (!MatchesAny(*topic, options.prefixes)) return;
    StreamUpdate u;
    u.kind = StreamUpdate::Kind::kEvent;
    u.topic = std::move(*topic);
    u.event.Swap(e);
    ready.push_back(std::move(u));
  }

  // One snapshot round trip, then the events buffered meanwhile. False if
  // the buffered events do not continue the snapshot's sequence (a gap).
  Result<bool> SnapshotOnce() {
    if (options.snapshot_endpoint.empty()) return Status::InvalidArgument("no snapshot endpoint");
    const uint64_t id = next_request++;
    const int64_t deadline = Now() + options.snapshot_timeout_ms;
    apb::SnapshotRequest request;
    request.set_request_id(id);
    bool sent = false, started = false, done = false;
    while (!done) {
      zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0},
                                 {dealer.handle(), 0, static_cast<short>(sent ? ZMQ_POLLIN : ZMQ_POLLOUT), 0}};
      ASSIGN_OR_RETURN(bool any, Poll(items, 2, deadline));
      if (!any) return Status::Unavailable("no snapshot from " + options.snapshot_endpoint + " within " +
                                           std::to_string(options.snapshot_timeout_ms) + " ms");
      if (items[0].revents & ZMQ_POLLIN) {
        std::string topic;
        apb::StreamEvent e;
        for (int i = 0; i < kDrainBurst; ++i) {
          ASSIGN_OR_RETURN(bool got, RecvEvent(&topic, &e));
          if (!got) break;
          pending.emplace_back(topic, e);
        }
      }
      if (!sent && (items[1].revents & ZMQ_POLLOUT)) {
        Frames frames;
        messaging::AppendMessage(kSnapshotRequestHeader, request, &frames);
        sent = messaging::SendFrames(dealer, frames, /*dont_wait=*/true).ok();
        continue;
      }
      if (sent && (items[1].revents & ZMQ_POLLIN)) {
        while (!done) {
          ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(dealer));
          if (frames.empty()) break;
          apb::SnapshotChunk chunk;
          if (!messaging::ParseMessage(frames, 0, kSnapshotHeader, &chunk).ok()) {
            ++malformed;
            continue;
          }
          if (chunk.request_id() != id) continue;  // a reply to an earlier, abandoned request
          if (!started) {
            state.Reset(chunk.sequence());
            started = true;
          }
          state.AddSnapshot(chunk);
          done = chunk.last();
        }
      }
    }
    synced = true;
    ++snapshots;
    while (!pending.empty()) {
      auto [topic, e] = std::move(pending.front());
      pending.pop_front();
      switch (state.Apply(e)) {
        case StreamState::Outcome::kApplied: Emit(&topic, &e); break;
        case StreamState::Outcome::kNotice: Emit(&topic, &e); break;
        case StreamState::Outcome::kGap:
          pending.emplace_front(std::move(topic), std::move(e));
          return false;
        default: break;
      }
    }
    return true;
  }

  Status Snapshot() {
    for (int attempt = 0;; ++attempt) {
      ASSIGN_OR_RETURN(bool consistent, SnapshotOnce());
      if (consistent) return Status::OK();
      ++gaps;
      if (attempt + 1 >= options.max_snapshot_attempts) {
        return Status::Unavailable("stream gap after " + std::to_string(attempt + 1) + " snapshots");
      }
    }
  }

  Result<StreamUpdate> Next(int timeout_ms) {
    const int64_t deadline = Now() + timeout_ms;
    while (true) {
      if (!ready.empty()) {
        StreamUpdate u = std::move(ready.front());
        ready.pop_front();
        return u;
      }
      std::string topic;
      apb::StreamEvent e;
      ASSIGN_OR_RETURN(bool got, RecvEvent(&topic, &e));
      if (!got) {
        zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}};
        ASSIGN_OR_RETURN(bool any, Poll(items, 1, deadline));
        if (!any) return StreamUpdate{};
        continue;
      }
      if (!synced) {  // no snapshot: the first event sets the baseline
        state.Reset(e.sequence() - (e.event_case() == apb::StreamEvent::kHeartbeat ? 0 : 1));
        synced = true;
      }
      const bool heartbeat = e.event_case() == apb::StreamEvent::kHeartbeat;
      if (heartbeat) last_heartbeat = std::max(last_heartbeat, e.sequence());
      if (heartbeat && e.heartbeat().closing()) {
        // The publisher is stopping: its snapshot endpoint is going away, so a
        // missed tail is counted now and repaired when it is back (the next
        // event it publishes shows the gap).
        if (e.sequence() > state.sequence()) ++gaps;
        StreamUpdate u;
        u.kind = StreamUpdate::Kind::kClosed;
        u.event = e;
        return u;
      }
      switch (state.Apply(e)) {
        case StreamState::Outcome::kApplied: Emit(&topic, &e); break;
        case StreamState::Outcome::kNotice: Emit(&topic, &e); break;
        case StreamState::Outcome::kStale: break;
        case StreamState::Outcome::kHeartbeat: {
          StreamUpdate u;
          u.kind = StreamUpdate::Kind::kHeartbeat;
          u.event = e;
          return u;
        }
        case StreamState::Outcome::kGap: {
          ++gaps;
          if (options.snapshot_endpoint.empty()) {
            return Status::Unavailable("stream gap: expected sequence " + std::to_string(state.sequence() + 1) +
                                    ", got " + std::to_string(e.sequence()));
          }
          pending.emplace_back(topic, e);
          RETURN_IF_ERROR(Snapshot());
          StreamUpdate u;
          u.kind = StreamUpdate::Kind::kRepaired;
          ready.push_front(std::move(u));
          break;
        }
      }
    }
  }
};

Result<std::unique_ptr<StreamClient>> StreamClient::Connect(const StreamClientOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  messaging::SocketFactory factory(&impl->context, options.limits, options.security);
  config::v1::Limits sub_limits = options.limits;
  if (sub_limits.stream_hwm() > 0) sub_limits.set_recv_hwm(sub_limits.stream_hwm());
  messaging::SocketFactory sub_factory(&impl->context, sub_limits, options.security);
  ASSIGN_OR_RETURN(impl->sub, sub_factory.Connect(zmq::socket_type::sub, options.publish_endpoint));
  try {
    impl->sub.set(zmq::sockopt::subscribe, "");
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("subscribe: ") + e.what());
  }
  if (!options.snapshot_endpoint.empty()) {
    ASSIGN_OR_RETURN(impl->dealer, factory.Connect(zmq::socket_type::dealer, options.snapshot_endpoint));
  }
  return std::unique_ptr<StreamClient>(new StreamClient(std::move(impl)));
}

StreamClient::StreamClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamClient::~StreamClient() = default;
Status StreamClient::Snapshot() { return impl_->Snapshot(); }
Result<StreamUpdate> StreamClient::Next(int timeout_ms) { return impl_->Next(timeout_ms); }
const StreamState& StreamClient::state() const { return impl_->state; }
uint64_t StreamClient::gaps() const { return impl_->gaps; }
uint64_t StreamClient::snapshots() const { return impl_->snapshots; }
uint64_t StreamClient::last_heartbeat() const { return impl_->last_heartbeat; }

}  // namespace reportflow::stream
