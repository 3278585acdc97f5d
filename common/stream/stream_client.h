// StreamClient: a consumer of the aggregate stream that converges to exactly
// the aggregator's state (ZeroMQ guide, Clone pattern).
//
//   auto client = StreamClient::Connect(options);   // SUB connects and subscribes first
//   client->Snapshot();                             // state as of N, then buffered updates > N
//   while (...) client->Next(timeout_ms);           // applies updates, repairs gaps
//   client->state().ForEachRollup(...);             // the converged rollups
//
// The SUB socket subscribes to every topic and filters by prefix in the
// client: sequence numbers are global, so only a subscriber that sees every
// event can tell a lost message from a filtered one. A gap (a sequence that
// skips, or a heartbeat announcing a sequence not yet seen) is counted and,
// when a snapshot endpoint is set, repaired by a new snapshot.
//
// Thread-safety: one thread uses a client (it owns ZeroMQ sockets).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/stream/stream_state.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::stream {

struct StreamClientOptions {
  std::string publish_endpoint;   // endpoints.aggregate_publish
  std::string snapshot_endpoint;  // endpoints.aggregate_snapshot; empty = gaps cannot be repaired
  std::vector<std::string> prefixes;  // topic prefixes; empty = everything
  config::v1::Limits limits;      // socket limits; stream_hwm (else recv_hwm) bounds the subscriber's queue
  config::v1::Security security;  // CURVE keys for tcp:// endpoints (config.security)
  int snapshot_timeout_ms = 10000;
  int max_snapshot_attempts = 5;
};

struct StreamUpdate {
  // kClosed: the publisher announced it is stopping (event holds its final
  // sequence); complete() tells whether every event up to it was applied.
  enum class Kind { kTimeout, kEvent, kHeartbeat, kRepaired, kClosed };
  Kind kind = Kind::kTimeout;
  std::string topic;                   // kEvent
  aggregate::v1::StreamEvent event;    // kEvent, kHeartbeat
};

class StreamClient {
 public:
  static Result<std::unique_ptr<StreamClient>> Connect(const StreamClientOptions& options);
  ~StreamClient();

  // Fetches the full state as of some sequence N and applies the events
  // received meanwhile with sequence > N. Unavailable if no snapshot arrives
  // within snapshot_timeout_ms (retried max_snapshot_attempts times on gaps).
  Status Snapshot();
  // Waits up to `timeout_ms` for the next event matching the prefixes (other
  // events are applied silently). On a gap: repairs it through Snapshot() and
  // returns kRepaired, or returns Unavailable without a snapshot endpoint.
  Result<StreamUpdate> Next(int timeout_ms);

  const StreamState& state() const;
  uint64_t gaps() const;       // gaps detected
  uint64_t snapshots() const;  // snapshots applied
  // Sequence announced by the last heartbeat (0 = none yet).
  uint64_t last_heartbeat() const;
  // True if every event up to the last announced sequence has been applied.
  bool complete() const { return last_heartbeat() <= state().sequence(); }

 private:
  struct Impl;
  explicit StreamClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reportflow::stream
