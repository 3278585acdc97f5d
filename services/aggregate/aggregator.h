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
//   rollups        stream::EncodeRollupKey(key)    -> aggregate.v1.Rollup (coverage not stored)
//   regions        stream::EncodeRegionKey(rc)     -> aggregate.v1.RegionCount
//   places         doc_id                          -> "" (segment left its place ambiguous)
//   meta           "stream_sequence"               -> last stream sequence (decimal)
//                  "batch_tally"                   -> resolved documents by province/city prefix
//                  "rollup_layout"                 -> rules/layout the rollups were derived with ("2")
//
// The rollups and region counts read for nearly every document (province,
// city, county) are kept in a memory-bounded write-through cache (HotCache),
// so one Aggregator must be the only writer of its store.
//
// Group commit (ApplyGroup): the documents of a group are applied to
// in-memory rollups, region counts, batch tally and places, and everything
// is written in one atomic batch at the end; the stream events are each
// document's metrics and then the last state of each touched rollup and
// region count. Apply() is a group of one.
//
// Thread-safety: not thread-safe (one aggregate loop owns it).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/geo/batch_resolver.h"
#include "common/storage/store.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/extract/v1/extract.pb.h"
#include "services/aggregate/hot_cache.h"

namespace reportflow::aggregate {

// One document of a group: its id and extraction (owned by the caller for
// the duration of ApplyGroup()).
struct GroupDocument {
  std::string doc_id;
  const extract::v1::ExtractionResult* result = nullptr;
};

// What one Apply() changed: rollups (new state; count == 0 means removed) and region counts.
struct AggregateChange {
  bool unchanged = false;  // same contribution as before: nothing written
  size_t rollups_changed = 0;
  size_t regions_changed = 0;
  // The stream events of this change, with consecutive sequence numbers
  // (persisted with the change): the document's metrics, then the new state
  // of every changed rollup and region count. Empty when unchanged.
  std::vector<aggregate::v1::StreamEvent> events;
  // Sequence numbers this change used (== events.size() when events are built).
  uint64_t sequences_used = 0;
};

// Options of ApplyGroup().
struct GroupOptions {
  // Build the stream events (false while nobody subscribes: the sequence
  // numbers still advance, the events are just not materialised).
  bool build_events = true;
  // Called after the group's batch is committed and before ApplyGroup()
  // returns (fault injection: a crash between commit and acknowledgement).
  std::function<void()> after_commit;
};

class Aggregator {
 public:
  explicit Aggregator(storage::Store* store) : store_(store) {}
  static const std::vector<std::string>& ColumnFamilies();

  // Replaces the contribution of `doc_id` with `result` and updates rollups.
  // The same as ApplyGroup() of one document.
  Result<AggregateChange> Apply(const std::string& doc_id, const extract::v1::ExtractionResult& result);

  // Rollups and region counts are derived from the stored contributions. If
  // they were derived under other rules or another key layout (a store from an
  // earlier version), drops and derives them again; returns the number of
  // contributions re-added (0 when current). Call before the first Apply().
  Result<size_t> RebuildRollupsIfStale();

  // Group commit: applies every document of `docs` in order (a doc_id that
  // appears twice is replaced by its later result) and commits all their
  // contributions, the final state of every touched rollup and region count
  // and the stream sequence in ONE atomic store batch. Events are coalesced:
  // each document's metrics, then the last state of each touched rollup and
  // region count (once per group, not once per document). On error nothing
  // of the group is committed and the caches hold no state of it.
  Result<AggregateChange> ApplyGroup(const std::vector<GroupDocument>& docs, const GroupOptions& options = {});

  Status GetContribution(const std::string& doc_id, aggregate::v1::DocContribution* out) const;
  Status ForEachContribution(const std::function<void(const aggregate::v1::DocContribution&)>& fn) const;
  // Every contribution's head (id, source, metadata), without parsing its metrics.
  Status ForEachContributionHead(const std::function<void(const aggregate::v1::DocContributionHead&)>& fn) const;
  // Every rollup, with region_documents and coverage filled in.
  Status ForEachRollup(const std::function<void(const aggregate::v1::Rollup&)>& fn) const;
  Status ForEachRegion(const std::function<void(const aggregate::v1::RegionCount&)>& fn) const;
  // The sequence number of the last stream event (0 before the first).
  Result<uint64_t> LastSequence() const;

 private:
  // Sets c's metadata to the place the batch decides for it (segment's own
  // metadata kept in segment_metadata), or back to segment's when it decides
  // nothing.
  void PlaceByBatch(aggregate::v1::DocContribution* c) const;
  // Re-applies every document segment left ambiguous whose batch decision
  // changed under the current tally.
  Result<AggregateChange> RedecidePlaces();
  Status LoadPlaces();

  // Updates the open group's rollups and region counts from `prev_or_null`
  // to `next`; with `rollups_only`, records neither the contribution nor
  // stream events. Nothing is written until CommitGroup().
  Status Replace(const aggregate::v1::DocContribution* prev_or_null, const aggregate::v1::DocContribution& next,
                 bool rollups_only);
  // The document's contribution as the open group leaves it (else as stored).
  Status GetForUpdate(const std::string& doc_id, aggregate::v1::DocContribution* out) const;
  // A group transaction: everything Replace() changes between BeginGroup()
  // and CommitGroup() is written in one batch; AbortGroup() forgets it (and
  // the in-memory state that may have moved with it, reloaded on next use).
  void BeginGroup(bool build_events);
  Result<AggregateChange> CommitGroup(const std::function<void()>& after_commit);
  void AbortGroup();
  Result<AggregateChange> ApplyInGroup(const std::string& doc_id, const extract::v1::ExtractionResult& result);

  // The state of one open group (see BeginGroup()).
  struct Group {
    bool build_events = true;
    bool changed = false;     // some document's contribution was replaced
    uint64_t first_seq = 0;   // LastSequence() when the group began
    uint64_t seq = 0;         // the last sequence number the group used
    std::map<std::string, aggregate::v1::DocContribution> contributions;
    std::map<std::string, aggregate::v1::Rollup> touched;
    std::map<std::string, aggregate::v1::RegionCount> regions;
    storage::WriteBatch places;  // places family puts/deletes, in order
    std::vector<aggregate::v1::StreamEvent> events;  // metric events, in order
  };
  std::optional<Group> group_;

  // Budgets of the write-through caches (estimated bytes).
  static constexpr size_t kRollupCacheBytes = 24u << 20;
  static constexpr size_t kRegionCacheBytes = 1u << 20;

  storage::Store* store_;
  HotCache<aggregate::v1::Rollup> rollup_cache_{
      kRollupCacheBytes, [](const aggregate::v1::Rollup& r) {
        return static_cast<size_t>(64 + 16 * r.hist_values_size() + 32 * r.units_size());
      }};
  HotCache<aggregate::v1::RegionCount> region_cache_{
      kRegionCacheBytes, [](const aggregate::v1::RegionCount& rc) { return rc.region().size() + 32; }};
  // Batch evidence for places: the provinces and cities of the documents
  // segment placed (persisted in meta), and the documents it left ambiguous
  // (the places column family), whose place the batch may decide.
  geo::BatchTally tally_;
  std::set<std::string> pending_;
  bool places_loaded_ = false;
  mutable uint64_t sequence_ = 0;  // cache of LastSequence()
  mutable bool sequence_loaded_ = false;
};

// A copy of `rollup` without its histogram: the form published on the stream
// and in snapshots (the statistics derived from it are set).
aggregate::v1::Rollup WithoutHistogram(const aggregate::v1::Rollup& rollup);

// Fills sum (counts and money only), mean, median, p90, min, max, unit and
// approx_share from the histogram and counters.
void FinishRollup(aggregate::v1::Rollup* rollup);

}  // namespace reportflow::aggregate
