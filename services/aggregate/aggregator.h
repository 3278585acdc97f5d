// Aggregator: pure rollup logic over a Store (no ZeroMQ).
//
// Each document's extraction is kept whole as its contribution; applying a
// document again (re-run, re-extraction with another taxonomy) first removes
// its previous contribution, so totals never double count. Rollups are kept
// per (region level, region, year, metric, unit) with exact statistics: the
// per-rollup histogram of distinct values makes median and p90 exact and
// removable. Region document counts (the coverage denominator) are kept per
// (level, region, year).
//
// Rollups and region counts live in memory (RollupTable): they are derived
// data, a function of the stored contributions. Memory is bounded: when the
// table passes its budget (set_rollup_memory_budget, 32 MB by default) the
// service calls BoundMemory(), which writes the least recently touched
// rollups that changed (as a checkpoint would) and evicts them down to three
// quarters of the budget; they are read back from the store when a document
// touches them again, and readers merge
// the stored rollups with those in memory. Histograms stay whole and exact. A group commit
// writes only the group's contributions (plus places, batch tally and stream
// sequence), never a rollup. Checkpoint() writes the rollups and region
// counts that changed since the last checkpoint and marks the stored ones
// current (meta "rollups_checkpoint" = the stream sequence they reflect); the
// first group after a checkpoint clears that mark in its own batch. Loading
// (service start, a reader, after a failed write) takes the stored rollups
// when they are current and otherwise derives them from the contributions,
// so a SIGKILL anywhere loses nothing that was committed, and a reader never
// sees rollups that disagree with the contributions.
//
// Store layout (also in common/storage/README.md):
//   contributions  doc_id                          -> aggregate.v1.DocContribution
//   rollups        stream::EncodeRollupKey(key)    -> aggregate.v1.Rollup (checkpoint; coverage not stored)
//   regions        stream::EncodeRegionKey(rc)     -> aggregate.v1.RegionCount (checkpoint)
//   places         doc_id                          -> "" (segment left its place ambiguous)
//   meta           "stream_sequence"               -> last stream sequence (decimal)
//                  "batch_tally"                   -> resolved documents by province/city prefix
//                  "rollup_layout"                 -> rules/layout the rollups were derived with ("2")
//                  "rollups_checkpoint"            -> stream sequence the stored rollups reflect (absent: stale)
//   withdrawn      doc_id                          -> through_attempt (decimal): a quarantined document, withdrawn
//
// One Aggregator must be the only writer of its store.
//
// Group commit (ApplyGroup): the documents of a group are applied to the
// in-memory rollups, region counts, batch tally and places, and their
// contributions are written in one atomic batch at the end; the stream
// events are each document's metrics and then the last state of each touched
// rollup and region count. Apply() is a group of one.
//
// Withdrawal (Withdraw): ingest quarantined a document, and a quarantined
// document never counts. Its contribution is removed exactly as a re-delivery
// removes the previous one (rollups, region counts, batch tally, places; the
// places the batch decided are decided again), and a tombstone records the
// highest attempt withdrawn: a result of that attempt or an earlier one that
// arrives later (the extraction was still running) is refused by ApplyGroup;
// a later attempt (the document replayed) is applied and lifts the tombstone.
//
// Thread-safety: not thread-safe (one aggregate loop, or one reader, owns it).
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
#include "common/stream/encoded_event.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/extract/v1/extract.pb.h"
#include "services/aggregate/place_tally.h"
#include "services/aggregate/rollup_table.h"

namespace reportflow::aggregate {

// One document of a group: its id and extraction (owned by the caller for
// the duration of ApplyGroup()).
struct GroupDocument {
  std::string doc_id;
  const extract::v1::ExtractionResult* result = nullptr;
  // The attempt that produced `result` (Envelope.attempt); 0 when unknown
  // (a re-extraction by the CLI), which a withdrawn document refuses.
  uint32_t attempt = 0;
};

// One document to withdraw (see Withdraw()).
struct WithdrawDocument {
  std::string doc_id;
  uint32_t through_attempt = 0;  // results of this attempt or earlier are refused from now on
};

// What one Apply() changed: rollups (new state; count == 0 means removed) and region counts.
struct AggregateChange {
  bool unchanged = false;  // same contribution as before: nothing written
  size_t rollups_changed = 0;
  size_t regions_changed = 0;
  // The stream events of this change, with consecutive sequence numbers
  // (persisted with the change): the document's metrics, then the new state
  // of every changed rollup and region count. Empty when unchanged. Encoded
  // as they are built: a group's events (about a hundred per document) are
  // held as bytes until published.
  std::vector<stream::EncodedEvent> events;
  // Sequence numbers this change used (== events.size() when events are built).
  uint64_t sequences_used = 0;
  // ApplyGroup(): documents of the group refused because they were withdrawn
  // (nothing of theirs was applied). Withdraw(): documents whose contribution
  // was removed (the others had none).
  std::set<std::string> refused, removed;
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
  explicit Aggregator(storage::Store* store);
  ~Aggregator();
  static const std::vector<std::string>& ColumnFamilies();

  // Replaces the contribution of `doc_id` with `result` and updates rollups.
  // The same as ApplyGroup() of one document.
  Result<AggregateChange> Apply(const std::string& doc_id, const extract::v1::ExtractionResult& result);

  // Loads the rollups and region counts into memory (writers call it before
  // the first Apply(); readers load lazily): from the stored checkpoint when it
  // is current, else derived from the stored contributions and checkpointed.
  // When the rollups were derived under other rules or another key layout (a
  // store from an earlier version), places and batch tally are derived again
  // too. Returns the number of contributions derived from (0: the checkpoint
  // was current).
  Result<size_t> RebuildRollupsIfStale();

  // Writes every rollup and region count changed since the last checkpoint
  // (in batches of about checkpoint_batch_bytes, between the removal of the
  // checkpoint mark and its return, so a checkpoint cut short is never
  // trusted) and marks the stored ones current, so readers and the next
  // start use them as they are. The service calls it when idle and at
  // shutdown. A no-op when nothing changed.
  Status Checkpoint();
  void set_checkpoint_batch_bytes(size_t bytes) { checkpoint_batch_bytes_ = bytes; }
  // Whether Checkpoint() has anything to write.
  bool NeedsCheckpoint() const;
  // The rollups in memory passed their budget (see BoundMemory()).
  bool OverMemoryBudget() const;
  // Between groups, when OverMemoryBudget(): evicts the least recently
  // touched rollups down to three quarters of the budget, writing those
  // changed since the last checkpoint first (a table derived at start is
  // checkpointed whole first). Returns how many were evicted. On error
  // nothing is evicted.
  Result<size_t> BoundMemory();
  // Bytes of rollups kept in memory before checkpoints evict (0: no bound).
  void set_rollup_memory_budget(size_t bytes) { rollup_budget_bytes_ = bytes; }
  // Rollups in memory and their estimated bytes (0 before loading).
  size_t RollupCount() const;
  size_t MemoryBytes() const;

  // Group commit: applies every document of `docs` in order (a doc_id that
  // appears twice is replaced by its later result) and commits all their
  // contributions, the final state of every touched rollup and region count
  // and the stream sequence in ONE atomic store batch. Events are coalesced:
  // each document's metrics, then the last state of each touched rollup and
  // region count (once per group, not once per document). On error nothing
  // of the group is committed and the caches hold no state of it.
  Result<AggregateChange> ApplyGroup(const std::vector<GroupDocument>& docs, const GroupOptions& options = {});

  // Takes each document out of everything the store counts (its
  // contribution, the rollups, region counts, batch tally and places) and
  // records its tombstone, in ONE batch, as a group: the stream carries the
  // new state of every touched rollup and region count. Idempotent: a
  // document without contribution only gets (or raises) its tombstone.
  Result<AggregateChange> Withdraw(const std::vector<WithdrawDocument>& docs, const GroupOptions& options = {});
  // Whether `doc_id` is withdrawn for results of `attempt` (see Withdraw()).
  Result<bool> Refuses(const std::string& doc_id, uint32_t attempt);

  // How many documents have a contribution (the place tally's count: from
  // the store's heads on first use, then kept as groups change documents):
  // announced to ingest, which compares it with the documents its ledger has
  // as complete here.
  Result<uint64_t> DocumentCount();

  Status GetContribution(const std::string& doc_id, aggregate::v1::DocContribution* out) const;
  // The contribution's head (id, source, metadata) only: NotFound when it has none.
  Status GetContributionHead(const std::string& doc_id, aggregate::v1::DocContributionHead* out) const;
  Status ForEachContribution(const std::function<void(const aggregate::v1::DocContribution&)>& fn) const;
  // Every contribution's head (id, source, metadata), without parsing its metrics.
  Status ForEachContributionHead(const std::function<void(const aggregate::v1::DocContributionHead&)>& fn) const;
  // How the stored documents were placed (place_tally.h), listing the first
  // `max_listed` undecided ones: counted from the heads on first use, then
  // kept as groups commit.
  Result<aggregate::v1::PlacesSummary> PlacesSummary(size_t max_listed) const;
  // Every rollup, with region_documents and coverage filled in.
  Status ForEachRollup(const std::function<void(const aggregate::v1::Rollup&)>& fn) const;
  Status ForEachRegion(const std::function<void(const aggregate::v1::RegionCount&)>& fn) const;
  // The sequence number of the last stream event (0 before the first).
  Result<uint64_t> LastSequence() const;

 private:
  // Loads table_ (see RebuildRollupsIfStale()); const for lazy readers.
  Status EnsureLoaded() const;
  // Reads a checkpointed rollup by its store key (the table's backing).
  RollupTable::RollupLoader StoredRollupLoader() const;
  // Whether the stored rollups reflect every stored contribution.
  Result<bool> CheckpointCurrent() const;
  // Adds every stored contribution to a fresh table_; returns how many.
  Result<size_t> DeriveFromContributions() const;

  // Sets c's metadata to the place the batch decides for it (segment's own
  // metadata kept in segment_metadata), or back to segment's when it decides
  // nothing.
  void PlaceByBatch(aggregate::v1::DocContribution* c) const;
  // Re-applies every document segment left ambiguous whose batch decision
  // changed under the current tally.
  Status RedecidePlaces();
  Status LoadPlaces();
  // Fills place_counts_ from the stored heads unless it is current.
  Status LoadPlaceCounts() const;

  // Moves the open group's rollups and region counts from `prev_or_null` to
  // `next` (serialized: `next_bytes`), records the contribution, its stream
  // events, tally and places. Nothing is written until CommitGroup().
  Status Replace(const aggregate::v1::DocContribution* prev_or_null, const aggregate::v1::DocContribution& next,
                 std::string next_bytes);
  // The document's contribution as the open group leaves it (else as
  // stored): NotFound when it has none; `bytes` is its serialized form.
  Status GetForUpdate(const std::string& doc_id, aggregate::v1::DocContribution* out, std::string* bytes,
                      bool* parsed) const;
  // A group transaction: everything Replace() changes between BeginGroup()
  // and CommitGroup() is written in one batch; AbortGroup() forgets it and
  // the in-memory state (reloaded from the store, which holds the committed
  // state, on next use).
  void BeginGroup(bool build_events);
  // Loads what a group needs (places, rollups, tombstones), then BeginGroup().
  Status BeginChange(const GroupOptions& options);
  Result<AggregateChange> CommitGroup(const std::function<void()>& after_commit);
  void AbortGroup();
  Status ApplyInGroup(const GroupDocument& doc);
  // Removes the contribution of `doc_id` (if any) in the open group; *removed tells.
  Status RemoveInGroup(const std::string& doc_id, bool* removed);
  Status LoadWithdrawn();
  // Whether the heads family holds a head for every contribution (meta/heads).
  Result<bool> HeadsComplete() const;
  // Fills the heads family from the contributions when a store has none yet.
  Status EnsureHeads();

  // A contribution of the open group, serialized as it will be written (a
  // document seen twice in one group parses it back: rare, so not kept parsed).
  struct Pending {
    std::string bytes;
    std::string head;  // its DocContributionHead, serialized (the heads family)
  };
  // The state of one open group (see BeginGroup()).
  struct Group {
    bool build_events = true;
    bool changed = false;     // some document's contribution was replaced
    uint64_t first_seq = 0;   // LastSequence() when the group began
    uint64_t seq = 0;         // the last sequence number the group used
    std::map<std::string, Pending> contributions;
    std::set<std::string> removed;  // contributions deleted (Withdraw)
    // Tombstones to write (through_attempt) or lift (nullopt), by doc_id.
    std::map<std::string, std::optional<uint32_t>> withdrawn;
    storage::WriteBatch places;  // places family puts/deletes, in order
    std::vector<stream::EncodedEvent> events;  // metric events, in order
    // Reused to build each event: a document's metadata is set once for all
    // its metric events, and the strings keep their capacity between events.
    aggregate::v1::StreamEvent scratch;
  };
  std::optional<Group> group_;

  storage::Store* store_;
  // Every rollup and region count (nullptr until loaded); readers load it
  // lazily from const methods.
  mutable std::unique_ptr<RollupTable> table_;
  // The stored rollups reflect every stored contribution (the checkpoint
  // mark is set): the next group commit clears the mark.
  mutable bool checkpoint_current_ = false;
  // The stored rollups and regions are not the checkpoint of table_ (derived
  // or rebuilt): the next checkpoint replaces them all.
  mutable bool rewrite_all_ = false;
  mutable size_t derived_ = 0;  // contributions the last load derived from
  size_t checkpoint_batch_bytes_ = 4u << 20;
  size_t rollup_budget_bytes_ = 32u << 20;
  // Batch evidence for places: the provinces and cities of the documents
  // segment placed (persisted in meta), and the documents it left ambiguous
  // (the places column family), whose place the batch may decide.
  geo::BatchTally tally_;
  std::set<std::string> pending_;
  bool places_loaded_ = false;
  // How the stored documents were placed, kept as groups change them (reset
  // when a group is abandoned: counted again from the store).
  mutable std::optional<PlaceTally> place_counts_;
  bool heads_complete_ = false;
  // Tombstones of withdrawn documents (few: quarantined ones), doc_id -> through_attempt.
  std::map<std::string, uint32_t> withdrawn_;
  bool withdrawn_loaded_ = false;
  mutable uint64_t sequence_ = 0;  // cache of LastSequence()
  mutable bool sequence_loaded_ = false;
};

}  // namespace reportflow::aggregate
