// StreamState: a consumer's copy of the aggregator's state, kept from a
// snapshot plus stream events (pure logic, no ZeroMQ).
//
// Clone pattern bookkeeping: Reset() starts a snapshot as of sequence N,
// AddSnapshot() adds its chunks, and Apply() takes stream events in order:
// events with sequence <= the current one are stale (already in the state),
// the next sequence is applied, and a later one (or a heartbeat announcing a
// later sequence) is a gap: the state stays as it was and the caller fetches a
// new snapshot. Rollups are kept only when their topic matches the prefixes;
// region counts are always kept (they are the coverage denominator).
//
// Thread-safety: not thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::stream {

class StreamState {
 public:
  enum class Outcome { kApplied, kStale, kGap, kHeartbeat, kNotice };  // kNotice: a finding (no state)

  // `prefixes` filters rollups by topic (empty = all).
  explicit StreamState(std::vector<std::string> prefixes = {}) : prefixes_(std::move(prefixes)) {}

  // Clears the state; a snapshot as of `sequence` follows.
  void Reset(uint64_t sequence);
  void AddSnapshot(const aggregate::v1::SnapshotChunk& chunk);
  Outcome Apply(const aggregate::v1::StreamEvent& event);

  uint64_t sequence() const { return sequence_; }
  size_t rollup_count() const { return rollups_.size(); }
  // Every kept rollup with region_documents and coverage filled in exactly as
  // Aggregator::ForEachRollup does, in (level, region, year, metric) order.
  void ForEachRollup(const std::function<void(const aggregate::v1::Rollup&)>& fn) const;
  void ForEachRegion(const std::function<void(const aggregate::v1::RegionCount&)>& fn) const;
  // Sets region_documents and coverage of `rollup` from the kept region counts.
  void FillCoverage(aggregate::v1::Rollup* rollup) const;

 private:
  void PutRollup(const aggregate::v1::Rollup& rollup);
  void PutRegion(const aggregate::v1::RegionCount& region);

  std::vector<std::string> prefixes_;
  uint64_t sequence_ = 0;
  std::map<std::string, aggregate::v1::Rollup> rollups_;
  std::map<std::string, aggregate::v1::RegionCount> regions_;
};

}  // namespace reportflow::stream
