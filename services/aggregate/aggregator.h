// Aggregator: pure rollup logic over a Store (no ZeroMQ).
//
// Each document's extraction is kept whole as its contribution; applying a
// document again (re-run, re-extraction with another taxonomy) first removes
// its previous contribution, so totals never double count. Rollups are kept
// per (region level, region, year, metric) with exact statistics: the
// per-rollup histogram of distinct values makes median and p90 exact and
// removable. Region document counts (the coverage denominator) are kept per
// (level, region, year).
//
// Store layout (also in common/storage/README.md):
//   contributions  doc_id                          -> aggregate.v1.DocContribution
//   rollups        EncodeRollupKey(key)            -> aggregate.v1.Rollup (coverage not stored)
//   regions        EncodeRegionKey(level,region,y) -> aggregate.v1.RegionCount
//   meta           "stream_sequence"               -> last stream sequence (decimal)
//
// Thread-safety: not thread-safe (one aggregate loop owns it).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/storage/store.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::aggregate {

// What one Apply() changed: rollups (new state; count == 0 means removed) and region counts.
struct AggregateChange {
  bool unchanged = false;  // same contribution as before: nothing written
  std::vector<aggregate::v1::Rollup> rollups;
  std::vector<aggregate::v1::RegionCount> regions;
  // The stream events of this change, with consecutive sequence numbers
  // (persisted with the change): the document's metrics, then every rollup
  // and region count in `rollups` and `regions`. Empty when unchanged.
  std::vector<aggregate::v1::StreamEvent> events;
};

std::string EncodeRollupKey(const aggregate::v1::RollupKey& key);
std::string EncodeRegionKey(common::v1::RegionLevel level, const std::string& region, int32_t year);
// "township", "county", "city", "province" or "unknown".
std::string RegionLevelName(common::v1::RegionLevel level);

class Aggregator {
 public:
  explicit Aggregator(storage::Store* store) : store_(store) {}
  static const std::vector<std::string>& ColumnFamilies();

  // Replaces the contribution of `doc_id` with `result` and updates rollups.
  Result<AggregateChange> Apply(const std::string& doc_id, const extract::v1::ExtractionResult& result);

  Status GetContribution(const std::string& doc_id, aggregate::v1::DocContribution* out) const;
  Status ForEachContribution(const std::function<void(const aggregate::v1::DocContribution&)>& fn) const;
  // Every rollup, with region_documents and coverage filled in.
  Status ForEachRollup(const std::function<void(const aggregate::v1::Rollup&)>& fn) const;
  Status ForEachRegion(const std::function<void(const aggregate::v1::RegionCount&)>& fn) const;
  // The sequence number of the last stream event (0 before the first).
  Result<uint64_t> LastSequence() const;

 private:
  storage::Store* store_;
  mutable uint64_t sequence_ = 0;  // cache of LastSequence()
  mutable bool sequence_loaded_ = false;
};

// Fills mean, median, p90, min, max and unit from the histogram and counters.
void FinishRollup(aggregate::v1::Rollup* rollup);

}  // namespace reportflow::aggregate
