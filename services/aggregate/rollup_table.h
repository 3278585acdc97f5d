// RollupTable: every rollup and region document count of an aggregate store,
// held in memory in a compact form; protobuf messages are built only at the
// edges (stream events, snapshots, checkpoints, readers).
//
// A rollup is identified by two small integers: its region (level, source
// level, code or name, year: one entry per region, found by the region's
// encoded key once per document and level) and its series (metric id and
// canonical unit). Its values are a ValueHistogram: the distinct document
// values in ascending order with their multiplicities, in blocks of bounded
// size, so adding or removing a value and finding a quantile cost
// O(log n + block) and not O(n) as a flat array would for the province-level
// rollups that grow with the corpus.
//
// The table records which entries a group touched (for the coalesced stream
// events: the last state of each, once per group) and which changed since the
// last checkpoint (written to the store by Aggregator::Checkpoint()).
//
// Bounded memory (SetBacking()): once the store holds the truth for every
// rollup the table does not (the table was loaded lazily from a current
// checkpoint, or a checkpoint wrote everything it had changed), the least
// recently touched rollups can be evicted (Evict(): those changed since the
// last checkpoint are written first, in their stored form) and are read back
// through the loader when a document touches them again. A rollup that became
// empty stays in memory (as an empty entry) until a checkpoint or an eviction
// deletes its stored form, so a miss never reads a stale state. Histograms
// stay whole and exact; only where they live changes.
//
// Statistics equal what FinishRollup() computes from a stored rollup, bit for
// bit: the same compensated sum over the values in ascending order.
//
// Thread-safety: not thread-safe (one aggregate loop, or one reader, owns it).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <absl/container/inlined_vector.h>
#include <absl/container/node_hash_map.h>

#include "common/base/result.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::aggregate {

// The multiset of a rollup's document values: distinct values ascending, each
// with its multiplicity.
class ValueHistogram {
 public:
  // Adds `delta` (negative: removes) occurrences of `value`; an entry whose
  // count reaches 0 or less is removed; removing an absent value does nothing.
  // Returns the change in distinct values (+1, 0 or -1).
  int Add(double value, int64_t delta);
  bool empty() const { return blocks_.empty(); }
  // The sum of the counts (of the blocks' totals: kept once, in the blocks).
  uint64_t total() const;
  size_t distinct() const;
  // The value at quantile q (nearest rank, q in (0,1]); 0 when empty.
  double Quantile(double q) const;
  double min() const { return blocks_.front().entries.front().value; }
  double max() const { return blocks_.back().entries.back().value; }
  // Visits (value, count) in ascending value order: fn(double value, uint64_t count).
  template <typename Fn>
  void Visit(Fn&& fn) const {
    for (const Block& b : blocks_) {
      for (const Entry& e : b.entries) fn(e.value, uint64_t{e.count});
    }
  }

 private:
  // 12 bytes, not 16: a count of one value within one rollup is at most the
  // rollup's document values (one per document and level: millions, not
  // billions). The histograms of the county, city and province rollups were
  // 41 MB of aggregate's heap at 100,000 reports with 16-byte entries.
#pragma pack(push, 4)
  struct Entry {
    double value;
    uint32_t count;
  };
#pragma pack(pop)
  static_assert(sizeof(Entry) == 12);
  struct Block {
    absl::InlinedVector<Entry, 1> entries;  // ascending, never empty
    uint64_t total = 0;                     // sum of the counts
    // entries.back().value, kept beside them: the search for a value's block
    // reads the blocks' array alone, not each probed block's entries (a
    // cache miss each, ~10 of them in a province's histogram at 100k).
    double max = 0;
  };
  static constexpr size_t kBlockEntries = 128;  // a full block splits in two
  // Most rollups hold one value: its block and entry live inline, so such a
  // histogram allocates nothing (a jemalloc heap profile at 100k reports had
  // two small allocations per rollup, 45 MB, when both were vectors).
  // The histogram holds nothing else: with a block's largest value beside
  // it, a separate sum of the counts would take a rollup's hash node past
  // 128 bytes (the allocator's next size is 160: +4 MB at 100k reports).
  absl::InlinedVector<Block, 1> blocks_;
};

class RollupTable {
 public:
  // The identity of a rollup: region index << 32 | series index.
  using RollupId = uint64_t;

  // Reads a stored rollup by its encoded store key: NotFound when absent.
  using RollupLoader = std::function<Status(const std::string& key, aggregate::v1::Rollup* out)>;
  // Visits the stored rollups in key order (key, serialized aggregate.v1.Rollup)
  // until `fn` returns false.
  using StoredRollupScan =
      std::function<Status(const std::function<bool(std::string_view key, std::string_view value)>& fn)>;

  // From now on the store holds the current state of every rollup that is not
  // in memory (see the file comment): misses read through `loader`, clean
  // rollups may be evicted, and readers merge the stored rollups with those
  // in memory. The caller guarantees that: call it after loading the region
  // counts only (no rollup) from a current checkpoint, or after a checkpoint
  // that wrote every dirty entry (and, for a derived table, replaced all).
  void SetBacking(RollupLoader loader);
  bool backed() const { return static_cast<bool>(loader_); }

  // Adds (sign +1) or removes (sign -1) one document's contribution: its
  // values under every region level, and its region document counts. An
  // error is the loader's (a store read): the table may then hold part of
  // the change and must be discarded.
  Status Contribute(const aggregate::v1::DocContribution& c, int sign);

  // Loads a stored (checkpointed) rollup or region count.
  void LoadRollup(const aggregate::v1::Rollup& stored);
  void LoadRegion(const aggregate::v1::RegionCount& stored);

  // ---- Groups: which rollups and regions a group touched.
  // Starts a new group (forgets what the previous one touched).
  void BeginGroup();
  size_t touched_rollups() const { return touched_rollups_.size(); }
  size_t touched_regions() const { return touched_regions_.size(); }
  // The last state of every rollup the group touched, in key order, without
  // histogram (count 0 and documents 0: removed); then the same for regions.
  // Each is built for the visit alone (in a message cleared between visits):
  // `fn` may take it (Swap) instead of copying it, leaving anything in its place.
  void ForEachTouched(const std::function<void(aggregate::v1::Rollup&)>& rollup_fn,
                      const std::function<void(aggregate::v1::RegionCount&)>& region_fn) const;
  // Forgets the touched rollups that are now empty (after the group's commit);
  // a backed table keeps them until ClearDirty() (their stored form is deleted
  // by the next checkpoint).
  void DropEmptyTouched();

  // ---- Checkpoints: what changed since the last one.
  bool dirty() const { return !dirty_rollups_.empty() || !dirty_regions_.empty(); }
  // Marks every entry changed (the next checkpoint writes everything).
  void MarkAllDirty();
  // Every rollup and region changed since the last checkpoint, by encoded
  // store key: `fn(key, state or nullptr when removed)` with the full stored
  // form (histogram and statistics). In pieces, so that a checkpoint can
  // build and write disjoint ranges of rollups on several threads at once
  // (the visits only read the table): the dirty rollups in key order, a range
  // of them, the regions.
  std::vector<RollupId> DirtyRollups() const { return SortedRollups(dirty_rollups_); }
  // (As messages: the reference the serialized form below is tested and
  // benchmarked against; the service writes only the serialized form.)
  void ForEachDirtyRollup(std::span<const RollupId> ids,
                          const std::function<void(const std::string&, const aggregate::v1::Rollup*)>& fn) const;
  // The same visit with each rollup's stored form already serialized (the
  // wire format of aggregate.v1.Rollup, written directly from the table: the
  // message ToProto would build, without building it; nullptr: removed). A
  // checkpoint and an eviction write every dirty rollup this way: building
  // and serializing messages was most of a checkpoint's cost.
  void ForEachDirtyRollupSerialized(
      std::span<const RollupId> ids,
      const std::function<void(const std::string& key, const std::string_view* bytes)>& fn) const;
  void ForEachDirtyRegion(const std::function<void(const std::string&, const aggregate::v1::RegionCount*)>& fn) const;
  // After a checkpoint wrote the dirty entries: every entry is clean; empty
  // rollups are forgotten.
  void ClearDirty();

  // Between groups: evicts rollups, least recently touched first, until
  // bytes() <= target_bytes. Those changed since the last checkpoint are
  // first handed to `put` in their stored form, serialized as a checkpoint
  // writes it (key, bytes; nullptr: removed), then `flush` must have made
  // every put durable; on an error of either, nothing is evicted (the table
  // is unchanged). Only a backed table evicts. Returns how many rollups were
  // evicted.
  Result<size_t> Evict(size_t target_bytes,
                       const std::function<Status(const std::string& key, const std::string_view* bytes)>& put,
                       const std::function<Status()>& flush);

  // ---- Reading: every rollup (with histogram, statistics, region_documents
  // and coverage), in encoded key order; every region count, likewise. A
  // backed table merges `stored` (the rollups not in memory) with its own.
  Status ForEachRollup(const std::function<void(const aggregate::v1::Rollup&)>& fn,
                       const StoredRollupScan& stored) const;
  void ForEachRegion(const std::function<void(const aggregate::v1::RegionCount&)>& fn) const;

  // Rollups in memory (a backed table may hold only some).
  size_t rollup_count() const { return rollups_.size(); }
  size_t region_count() const { return regions_.size(); }
  // Estimated heap bytes of the whole table, kept as entries come and go (O(1)).
  size_t bytes() const;

 private:
  struct Region {
    std::string key;  // stream::EncodeRegionKey
    common::v1::RegionLevel level;
    common::v1::RegionLevel source_level;
    std::string name, code;
    int32_t year;
    uint32_t documents = 0;
    uint32_t epoch = 0;  // the last group that touched it
    bool dirty = false;
    // Some rollup of the region may be in the store (loaded from a checkpoint,
    // or written by one): a backed table asks its loader for a missing rollup
    // only then, so a region's first documents never cost a store read.
    bool stored = false;
  };
  struct Series {
    std::string metric_id, unit;
  };
  struct Rollup {
    uint32_t documents = 0;
    uint32_t epoch = 0;  // the last group that touched it
    int32_t metric_kind = 0;
    int32_t statistic = 0;
    bool dirty = false;
    uint64_t count = 0, mentions = 0, approx_count = 0;
    absl::InlinedVector<std::pair<uint32_t, uint64_t>, 1> units;  // unit as written (interned) -> mentions
    ValueHistogram values;
  };

  uint32_t RegionIndex(std::string_view key, common::v1::RegionLevel level, common::v1::RegionLevel source_level,
                       const std::string& name, const std::string& code, int32_t year);
  uint32_t SeriesIndex(std::string_view metric_id, std::string_view unit);
  uint32_t UnitIndex(std::string_view unit);
  // The rollup `id`: in memory, else read through the loader (backed), else new.
  Result<Rollup*> RollupFor(RollupId id);
  // Adds `delta` occurrences of `value` to `r`, keeping distinct_values_.
  void AddValue(Rollup& r, double value, int64_t delta);
  void Erase(absl::node_hash_map<RollupId, Rollup>::iterator it);
  // Estimated heap bytes of `r` (see bytes()).
  static size_t BytesOf(const Rollup& r);
  static constexpr size_t kBytesPerValue = 24;  // a 12-byte ValueHistogram entry and its vector's slack
  // `stored` as the table would produce it (packed histogram, statistics),
  // with region_documents and coverage: a rollup read from the store.
  void FinishStored(aggregate::v1::Rollup* stored) const;
  void SetCoverage(aggregate::v1::Rollup* out) const;
  void TouchRegion(uint32_t index);
  void TouchRollup(RollupId id, Rollup& r);
  // The region's name as rollups group it (simplified characters), memoised.
  const std::string& GroupingName(const std::string& name);
  std::string RollupKeyOf(RollupId id) const;
  // `r` as a message: key, counters and statistics; the histogram with `histogram`.
  void ToProto(RollupId id, const Rollup* r, bool histogram, aggregate::v1::Rollup* out) const;
  void ToProto(const Region& region, aggregate::v1::RegionCount* out) const;
  // Visits `ids` in order: fn(id, store key, the rollup or nullptr when it is
  // gone or empty, i.e. removed).
  template <typename Fn>
  void VisitDirty(std::span<const RollupId> ids, Fn&& fn) const;
  // `r`'s stored form (ToProto with its histogram) serialized into `buffer`
  // (grown as needed, reused from call to call): the bytes written.
  std::string_view SerializeStored(RollupId id, const Rollup& r, std::vector<uint8_t>* buffer) const;
  // `ids` without repeats, in the order of their store keys.
  std::vector<RollupId> SortedRollups(std::vector<RollupId> ids) const;

  std::vector<Region> regions_;  // never shrinks: indices stay valid (documents 0 = absent)
  std::unordered_map<std::string, uint32_t> region_index_;
  std::vector<Series> series_;
  std::unordered_map<std::string, uint32_t> series_index_;  // metric_id '\0' unit
  std::vector<std::string> units_;                          // units as written
  std::unordered_map<std::string, uint32_t> unit_index_;
  // A Swiss table of nodes rather than a flat one: a flat table would hold a
  // whole Rollup (~120 bytes) in each of its empty slots too.
  absl::node_hash_map<RollupId, Rollup> rollups_;
  std::unordered_map<std::string, std::string> grouping_names_;
  std::string scratch_;  // reused for lookups
  RollupLoader loader_;  // set: backed (see SetBacking())
  size_t distinct_values_ = 0;  // over the histograms in memory (for bytes())

  uint32_t epoch_ = 0;
  std::vector<RollupId> touched_rollups_;
  std::vector<uint32_t> touched_regions_;
  std::vector<std::pair<RollupId, Rollup*>> lookups_;  // Contribute's rollups, the vector reused from call to call
  std::vector<RollupId> dirty_rollups_;  // may hold ids since removed
  std::vector<uint32_t> dirty_regions_;
};

// A copy of `rollup` without its histogram: the form published on the stream
// and in snapshots (the statistics derived from it are set).
aggregate::v1::Rollup WithoutHistogram(const aggregate::v1::Rollup& rollup);

// Fills sum (counts and money only), mean, median, p90, min, max, unit and
// approx_share from the histogram and counters of a stored rollup.
void FinishRollup(aggregate::v1::Rollup* rollup);

}  // namespace reportflow::aggregate
