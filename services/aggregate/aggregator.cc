#include "services/aggregate/aggregator.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include "common/base/macros.h"
#include "common/geo/batch_resolver.h"
#include "common/results/section_path.h"
#include "services/aggregate/audit_keeper.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;
namespace epb = ::reportflow::extract::v1;

constexpr char kContributions[] = "contributions";
// doc_id -> DocContributionHead: where each contributing document was placed,
// a few hundred bytes, so readers and a start need not read every whole
// contribution (stored in blob files, about 6 KB each). Complete only when
// meta/heads says so (stores written before it have none; the first group
// fills it).
constexpr char kHeads[] = "heads";
constexpr char kHeadsKey[] = "heads";
constexpr char kRollups[] = "rollups";
constexpr char kRegions[] = "regions";
constexpr char kMeta[] = "meta";
constexpr char kSequenceKey[] = "stream_sequence";
// The rules and key layout the stored rollups were derived with. Version 2:
// one value per document and metric (document_values.h), keys by region code,
// source level and canonical unit.
constexpr char kRollupLayoutKey[] = "rollup_layout";
constexpr char kRollupLayout[] = "2";
constexpr char kPlaces[] = "places";  // doc_id -> "" for documents segment left ambiguous
constexpr char kBatchTallyKey[] = "batch_tally";
// The stream sequence the stored rollups and region counts reflect (written
// by Checkpoint(), cleared by the next group commit).
constexpr char kCheckpointKey[] = "rollups_checkpoint";
// A checkpoint of at least this many rollups is built on two threads.
constexpr size_t kParallelCheckpointRollups = 8192;
// Tombstones of withdrawn (quarantined) documents: doc_id -> through_attempt.
constexpr char kWithdrawn[] = "withdrawn";

// The metadata segment found (before any batch decision).
const cpb::DocumentMetadata& SegmentMetadata(const apb::DocContribution& c) {
  return c.has_segment_metadata() ? c.segment_metadata() : c.metadata();
}

bool Ambiguous(const cpb::DocumentMetadata& m) { return m.place().status() == cpb::PLACE_STATUS_AMBIGUOUS; }

// A repeated field that holds another's elements for a while without copying
// them (protobuf's UnsafeArenaAddAllocated) and gives them back
// (UnsafeArenaExtractSubrange) when it goes out of scope, before the message
// that owns the field. Whoever reads the borrowing message only reads them.
template <typename T>
class Borrowed {
 public:
  Borrowed(const google::protobuf::RepeatedPtrField<T>& from, google::protobuf::RepeatedPtrField<T>* to) : to_(to) {
    to_->Reserve(from.size());
    for (const T& e : from) to_->UnsafeArenaAddAllocated(const_cast<T*>(&e));
  }
  ~Borrowed() { to_->UnsafeArenaExtractSubrange(0, to_->size(), nullptr); }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;

 private:
  google::protobuf::RepeatedPtrField<T>* to_;
};

// "resolved;prefix=n;prefix=n..." (2-digit province and 4-digit city prefixes).
std::string EncodeTally(const geo::BatchTally& t) {
  std::string out = std::to_string(t.resolved);
  for (const auto* counts : {&t.provinces, &t.cities}) {
    for (const auto& [prefix, n] : *counts) {
      if (n != 0) out += ";" + prefix + "=" + std::to_string(n);
    }
  }
  return out;
}

Status DecodeTally(const std::string& text, geo::BatchTally* t) {
  *t = geo::BatchTally();
  size_t pos = 0;
  bool first = true;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find(';', pos), text.size());
    const std::string item = text.substr(pos, end - pos);
    char* stop = nullptr;
    if (first) {
      t->resolved = static_cast<int>(std::strtol(item.c_str(), &stop, 10));
      if (item.empty() || *stop != '\0') return Status::Corruption("bad batch tally: " + text);
      first = false;
    } else {
      const size_t eq = item.find('=');
      if (eq == std::string::npos) return Status::Corruption("bad batch tally: " + text);
      const std::string prefix = item.substr(0, eq);
      const int n = static_cast<int>(std::strtol(item.c_str() + eq + 1, &stop, 10));
      if (*stop != '\0') return Status::Corruption("bad batch tally: " + text);
      (prefix.size() == 2 ? t->provinces : t->cities)[prefix] = n;
    }
    pos = end + 1;
  }
  return Status::OK();
}

template <typename Msg>
Status ScanProtos(const storage::Store& store, const char* cf, const std::function<void(const Msg&)>& fn) {
  Status inner;
  Status s = store.Scan(cf, "", [&](std::string_view key, std::string_view value) {
    Msg msg;
    if (!msg.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = Status::Corruption(std::string("unparsable entry in ") + cf);
      return false;
    }
    fn(msg);
    return true;
  });
  return s.ok() ? inner : s;
}


Result<uint64_t> ParseSequence(const std::string& value, const char* what) {
  char* end = nullptr;
  const uint64_t n = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0') return Status::Corruption(std::string("bad ") + what + " in meta: " + value);
  return n;
}

// A long run of puts and deletes (a checkpoint, an eviction, filling the
// heads), written in batches of about `limit` bytes: one batch for all of a
// province's rollups held the serialised records, RocksDB's copy and the
// memtable at once (76 of 217 MB of heap at 100,000 reports). Add to batch(),
// then call Added(); the first failed write sticks and ends the run.
class ChunkedWriter {
 public:
  ChunkedWriter(storage::Store* store, size_t limit) : store_(store), limit_(limit) {}
  storage::WriteBatch& batch() { return batch_; }
  Status Added() {
    const storage::WriteBatch::Op& op = batch_.ops().back();
    bytes_ += op.key.size() + (op.value ? op.value->size() : 0);
    if (bytes_ >= limit_ && status_.ok()) Flush();
    return status_;
  }
  const Status& status() const { return status_; }
  // Writes what is left (a caller may first add a last op, such as a mark).
  Status Finish() {
    if (status_.ok() && !batch_.ops().empty()) Flush();
    return status_;
  }

 private:
  void Flush() {
    status_ = store_->Write(batch_);
    batch_ = storage::WriteBatch();
    bytes_ = 0;
  }
  storage::Store* store_;
  size_t limit_;
  storage::WriteBatch batch_;
  size_t bytes_ = 0;
  Status status_;
};

}  // namespace

Aggregator::Aggregator(storage::Store* store) : store_(store) {}
Aggregator::~Aggregator() = default;

const std::vector<std::string>& Aggregator::ColumnFamilies() {
  static const std::vector<std::string> cfs = [] {
    std::vector<std::string> v = {kContributions, kHeads, kRollups, kRegions, kMeta, kPlaces, kWithdrawn};
    for (const auto& cf : AuditKeeper::ColumnFamilies()) v.push_back(cf);  // the audit's, in the same store
    return v;
  }();
  return cfs;
}

// ---------------------------------------------------------------- loading

Result<bool> Aggregator::CheckpointCurrent() const {
  std::string layout, mark;
  Status got = store_->Get(kMeta, kRollupLayoutKey, &layout);
  if (got.code() == StatusCode::kNotFound) return false;
  RETURN_IF_ERROR(got);
  if (layout != kRollupLayout) return false;
  got = store_->Get(kMeta, kCheckpointKey, &mark);
  if (got.code() == StatusCode::kNotFound) return false;
  RETURN_IF_ERROR(got);
  ASSIGN_OR_RETURN(uint64_t checkpoint, ParseSequence(mark, "rollups checkpoint"));
  ASSIGN_OR_RETURN(uint64_t sequence, LastSequence());
  return checkpoint == sequence;
}

Result<size_t> Aggregator::DeriveFromContributions() const {
  table_ = std::make_unique<RollupTable>();
  size_t n = 0;
  Status inner;
  Status s = store_->Scan(kContributions, "", [&](std::string_view, std::string_view value) {
    apb::DocContribution c;
    if (!c.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = Status::Corruption("unparsable entry in contributions");
      return false;
    }
    inner = table_->Contribute(c, +1);
    ++n;
    return inner.ok();
  });
  if (s.ok()) s = inner;
  if (!s.ok()) {
    table_.reset();
    return s;
  }
  return n;
}

Status Aggregator::EnsureLoaded() const {
  if (table_) return Status::OK();
  auto current = CheckpointCurrent();
  if (!current.ok()) return current.status();
  if (*current) {
    // The checkpoint holds every rollup: they are read as documents touch
    // them (and merged by readers), never all loaded at once.
    table_ = std::make_unique<RollupTable>();
    Status s = ScanProtos<apb::RegionCount>(*store_, kRegions, [&](const apb::RegionCount& rc) { table_->LoadRegion(rc); });
    if (!s.ok()) {
      table_.reset();
      return s;
    }
    table_->SetBacking(StoredRollupLoader());
    checkpoint_current_ = true;
    rewrite_all_ = false;
    derived_ = 0;
    return Status::OK();
  }
  ASSIGN_OR_RETURN(derived_, DeriveFromContributions());
  table_->BeginGroup();  // what the derivation touched is no group's
  table_->MarkAllDirty();
  checkpoint_current_ = false;
  rewrite_all_ = true;
  return Status::OK();
}

Result<size_t> Aggregator::RebuildRollupsIfStale() {
  std::string layout;
  Status got = store_->Get(kMeta, kRollupLayoutKey, &layout);
  if (!got.ok() && got.code() != StatusCode::kNotFound) return got;
  if (got.ok() && layout == kRollupLayout) {
    table_.reset();
    RETURN_IF_ERROR(EnsureLoaded());
    const size_t derived = derived_;
    if (derived > 0 || rewrite_all_) RETURN_IF_ERROR(Checkpoint());
    return derived;
  }
  // Derived under other rules or another key layout: places and batch tally
  // are derived again too, then every stored rollup is replaced.
  ASSIGN_OR_RETURN(size_t derived, DeriveFromContributions());
  table_->BeginGroup();
  table_->MarkAllDirty();
  rewrite_all_ = true;
  checkpoint_current_ = false;
  storage::WriteBatch places;
  RETURN_IF_ERROR(store_->Scan(kPlaces, "", [&](std::string_view key, std::string_view) {
    places.Delete(kPlaces, key);
    return true;
  }));
  geo::BatchTally tally;
  pending_.clear();
  RETURN_IF_ERROR(ForEachContributionHead([&](const apb::DocContributionHead& h) {
    apb::DocContribution c;
    *c.mutable_metadata() = h.metadata();
    if (h.has_segment_metadata()) *c.mutable_segment_metadata() = h.segment_metadata();
    tally.Add(SegmentMetadata(c));
    if (Ambiguous(SegmentMetadata(c))) {
      places.Put(kPlaces, h.doc_id(), "");
      pending_.insert(h.doc_id());
    }
  }));
  places.Put(kMeta, kBatchTallyKey, EncodeTally(tally));
  places.Put(kMeta, kRollupLayoutKey, kRollupLayout);
  places.Delete(kMeta, kCheckpointKey);
  RETURN_IF_ERROR(store_->Write(places));
  tally_ = std::move(tally);
  places_loaded_ = true;
  // Places the batch decides under the tally as it now stands.
  BeginGroup(/*build_events=*/false);
  if (Status s = RedecidePlaces(); !s.ok()) {
    AbortGroup();
    return s;
  }
  RETURN_IF_ERROR(CommitGroup(nullptr).status());
  RETURN_IF_ERROR(Checkpoint());
  return derived;
}

// ---------------------------------------------------------------- checkpoints

bool Aggregator::NeedsCheckpoint() const { return table_ && (table_->dirty() || rewrite_all_ || !checkpoint_current_); }

size_t Aggregator::RollupCount() const { return table_ ? table_->rollup_count() : 0; }

bool Aggregator::OverMemoryBudget() const {
  return table_ && rollup_budget_bytes_ > 0 && table_->bytes() > rollup_budget_bytes_;
}

RollupTable::RollupLoader Aggregator::StoredRollupLoader() const {
  const storage::Store* store = store_;
  return [store](const std::string& key, apb::Rollup* out) { return store->GetProto(kRollups, key, out); };
}
size_t Aggregator::MemoryBytes() const { return table_ ? table_->bytes() : 0; }

Status Aggregator::Checkpoint() {
  if (!NeedsCheckpoint()) return Status::OK();
  // The mark goes first and comes back last: the rollups are ingested as
  // table files and the region counts written in batches of about
  // checkpoint_batch_bytes_ (4 MB; why batches: ChunkedWriter), and a crash
  // between two of these steps leaves no mark, so the next start (or reader)
  // derives the rollups from the contributions instead of trusting a
  // half-written checkpoint.
  storage::WriteBatch unmark;
  unmark.Delete(kMeta, kCheckpointKey);
  RETURN_IF_ERROR(store_->Write(unmark));
  ChunkedWriter writer(store_, checkpoint_batch_bytes_);
  storage::WriteBatch& batch = writer.batch();
  if (rewrite_all_) {
    // Whatever is stored was not written from this table: replace it all.
    for (const char* cf : {kRollups, kRegions}) {
      RETURN_IF_ERROR(store_->Scan(cf, "", [&](std::string_view key, std::string_view) {
        batch.Delete(cf, key);
        return writer.Added().ok();
      }));
      RETURN_IF_ERROR(writer.status());
    }
    // Written now, before either half: left in this thread's batch, the
    // removals would land after the other thread's half and delete it (the
    // mark still coming back last).
    RETURN_IF_ERROR(writer.Finish());
  }
  // The rollups go into table files ingested at once (Store::TableFile):
  // through the log and the memtables, the shutdown checkpoint at 20,000
  // reports (~30 MB) was written twice and waited behind memtable flushes.
  auto put_rollups = [this](std::span<const RollupTable::RollupId> ids, storage::TableFile* file) {
    Status status;
    table_->ForEachDirtyRollupSerialized(ids, [&](const std::string& key, const std::string_view* bytes) {
      if (!status.ok()) return;
      status = bytes ? file->Put(key, *bytes) : file->Delete(key);
    });
    return status;
  };
  // Building and serializing every rollup is most of a checkpoint's cost, so
  // a large one is cut in halves (each its own file: their key ranges do not
  // overlap) built and written on two threads; the table is only read
  // meanwhile, and the mark still goes last, after both halves are ingested.
  const std::vector<RollupTable::RollupId> dirty = table_->DirtyRollups();
  const std::span<const RollupTable::RollupId> all(dirty);
  const size_t split = dirty.size() >= kParallelCheckpointRollups ? dirty.size() / 2 : dirty.size();
  std::vector<std::unique_ptr<storage::TableFile>> files;
  for (size_t half = 0; half < (split < dirty.size() ? 2 : 1); ++half) {
    ASSIGN_OR_RETURN(std::unique_ptr<storage::TableFile> file, store_->NewTableFile(kRollups));
    files.push_back(std::move(file));
  }
  Status other_half;
  std::thread helper;
  if (split < dirty.size()) {
    helper = std::thread([&] { other_half = put_rollups(all.subspan(split), files[1].get()); });
  }
  Status first_half = put_rollups(all.first(split), files[0].get());
  table_->ForEachDirtyRegion([&](const std::string& key, const apb::RegionCount* rc) {
    if (!writer.status().ok()) return;
    if (rc) {
      batch.PutProto(kRegions, key, *rc);
    } else {
      batch.Delete(kRegions, key);
    }
    (void)writer.Added();
  });
  if (helper.joinable()) helper.join();
  RETURN_IF_ERROR(first_half);
  RETURN_IF_ERROR(other_half);
  RETURN_IF_ERROR(store_->IngestTableFiles(kRollups, std::move(files)));
  RETURN_IF_ERROR(writer.status());
  ASSIGN_OR_RETURN(uint64_t seq, LastSequence());
  batch.Put(kMeta, kRollupLayoutKey, kRollupLayout);
  batch.Put(kMeta, kCheckpointKey, std::to_string(seq));
  RETURN_IF_ERROR(writer.Finish());
  table_->ClearDirty();
  checkpoint_current_ = true;
  rewrite_all_ = false;
  // The store now holds every rollup as the table has it: the table may keep
  // only some in memory and read the others back when touched.
  if (!table_->backed()) table_->SetBacking(StoredRollupLoader());
  return Status::OK();
}

Result<size_t> Aggregator::BoundMemory() {
  if (!OverMemoryBudget()) return size_t{0};
  // A derived table is not backed yet: the store must first hold all of it.
  if (!table_->backed()) RETURN_IF_ERROR(Checkpoint());
  // The evicted rollups changed since the checkpoint are written as they
  // are, in batches of about checkpoint_batch_bytes_; the checkpoint mark is
  // already gone (a group changed them), so readers and the next start
  // still derive until the next whole checkpoint.
  ChunkedWriter writer(store_, checkpoint_batch_bytes_);
  auto put = [&](const std::string& key, const std::string_view* bytes) -> Status {
    if (bytes) {
      writer.batch().Put(kRollups, key, *bytes);
    } else {
      writer.batch().Delete(kRollups, key);
    }
    return writer.Added();
  };
  auto flush = [&]() -> Status { return writer.Finish(); };
  return table_->Evict(rollup_budget_bytes_ / 4 * 3, put, flush);
}

// ---------------------------------------------------------------- groups

Result<AggregateChange> Aggregator::Apply(const std::string& doc_id, const epb::ExtractionResult& result) {
  return ApplyGroup({GroupDocument{doc_id, &result}});
}

Result<AggregateChange> Aggregator::ApplyGroup(const std::vector<GroupDocument>& docs, const GroupOptions& options) {
  RETURN_IF_ERROR(BeginChange(options));
  std::set<std::string> refused;
  for (const GroupDocument& doc : docs) {
    // A late result of a withdrawn attempt never counts; a later attempt
    // (the document replayed) lifts the tombstone.
    if (auto it = withdrawn_.find(doc.doc_id); it != withdrawn_.end()) {
      auto pending = group_->withdrawn.find(doc.doc_id);
      const bool lifted = pending != group_->withdrawn.end() && !pending->second;
      if (!lifted && doc.attempt <= it->second) {
        refused.insert(doc.doc_id);
        continue;
      }
      group_->withdrawn[doc.doc_id] = std::nullopt;
      group_->changed = true;
    }
    refused.erase(doc.doc_id);
    Status applied = ApplyInGroup(doc);
    if (!applied.ok()) {
      AbortGroup();
      return applied;
    }
  }
  ASSIGN_OR_RETURN(AggregateChange change, CommitGroup(options.after_commit));
  change.refused = std::move(refused);
  return change;
}

Result<AggregateChange> Aggregator::Withdraw(const std::vector<WithdrawDocument>& docs, const GroupOptions& options) {
  RETURN_IF_ERROR(BeginChange(options));
  std::set<std::string> removed;
  for (const WithdrawDocument& doc : docs) {
    bool was = false;
    Status s = RemoveInGroup(doc.doc_id, &was);
    if (!s.ok()) {
      AbortGroup();
      return s;
    }
    if (was) removed.insert(doc.doc_id);
    // The tombstone only ever rises: an older Withdraw arriving late lowers nothing.
    uint32_t through = doc.through_attempt;
    if (auto it = withdrawn_.find(doc.doc_id); it != withdrawn_.end()) through = std::max(through, it->second);
    if (auto it = group_->withdrawn.find(doc.doc_id); it != group_->withdrawn.end() && it->second) {
      through = std::max(through, *it->second);
    }
    auto known = withdrawn_.find(doc.doc_id);
    if (known == withdrawn_.end() || known->second != through) {
      group_->withdrawn[doc.doc_id] = through;
      group_->changed = true;
    }
  }
  ASSIGN_OR_RETURN(AggregateChange change, CommitGroup(options.after_commit));
  change.removed = std::move(removed);
  return change;
}

Status Aggregator::RemoveInGroup(const std::string& doc_id, bool* removed) {
  *removed = false;
  apb::DocContribution prev;
  std::string prev_bytes;
  bool parsed = false;
  Status got = GetForUpdate(doc_id, &prev, &prev_bytes, &parsed);
  if (got.code() == StatusCode::kNotFound) return Status::OK();
  RETURN_IF_ERROR(got);
  if (!parsed && !prev.ParseFromString(prev_bytes)) return Status::Corruption("unparsable contribution of " + doc_id);
  Group& g = *group_;
  const std::string signature = geo::DominanceSignature(tally_);
  // Exactly the removal half of Replace(): what the document added, subtracted.
  RETURN_IF_ERROR(table_->Contribute(prev, -1));
  tally_.Remove(SegmentMetadata(prev));
  if (place_counts_) place_counts_->Count(doc_id, prev.metadata(), -1);
  if (pending_.count(doc_id)) {
    g.places.Delete(kPlaces, doc_id);
    pending_.erase(doc_id);
  }
  g.contributions.erase(doc_id);
  g.removed.insert(doc_id);
  g.changed = true;
  *removed = true;
  // Without it the batch may point elsewhere: the places it decided may change.
  if (geo::DominanceSignature(tally_) != signature) RETURN_IF_ERROR(RedecidePlaces());
  return Status::OK();
}

Status Aggregator::LoadWithdrawn() {
  if (withdrawn_loaded_) return Status::OK();
  withdrawn_.clear();
  Status inner;
  RETURN_IF_ERROR(store_->Scan(kWithdrawn, "", [&](std::string_view key, std::string_view value) {
    auto through = ParseSequence(std::string(value), "withdrawn attempt");
    if (!through.ok()) {
      inner = through.status();
      return false;
    }
    withdrawn_[std::string(key)] = static_cast<uint32_t>(*through);
    return true;
  }));
  RETURN_IF_ERROR(inner);
  withdrawn_loaded_ = true;
  return Status::OK();
}

Result<bool> Aggregator::Refuses(const std::string& doc_id, uint32_t attempt) {
  RETURN_IF_ERROR(LoadWithdrawn());
  auto it = withdrawn_.find(doc_id);
  return it != withdrawn_.end() && attempt <= it->second;
}

Result<uint64_t> Aggregator::DocumentCount() {
  RETURN_IF_ERROR(LoadPlaceCounts());
  return place_counts_->documents();
}

Status Aggregator::ApplyInGroup(const GroupDocument& doc) {
  const std::string& doc_id = doc.doc_id;
  const epb::ExtractionResult& result = *doc.result;
  // The contribution is built on an arena (freed at once when the document
  // is applied) and borrows the result's metrics, sections and findings
  // rather than copying them (the copies, their allocations and their
  // destruction were about 3% of aggregate's CPU). It is only read
  // (serialized, applied) until it goes.
  google::protobuf::Arena arena;
  apb::DocContribution& next = *google::protobuf::Arena::CreateMessage<apb::DocContribution>(&arena);
  next.set_doc_id(doc_id);
  next.set_source(result.source());
  *next.mutable_metadata() = result.metadata();
  PlaceByBatch(&next);
  const Borrowed<epb::Metric> metrics(result.metrics(), next.mutable_metrics());
  const Borrowed<epb::SectionHeading> sections(result.sections(), next.mutable_sections());
  const Borrowed<epb::Finding> findings(result.findings(), next.mutable_findings());
  next.set_processing_version(result.processing_version());
  std::string next_bytes = next.SerializeAsString();

  apb::DocContribution prev;
  std::string prev_bytes;
  bool parsed = false;
  Status got = GetForUpdate(doc_id, &prev, &prev_bytes, &parsed);
  const bool had_prev = got.ok();
  if (!had_prev && got.code() != StatusCode::kNotFound) return got;
  // The same contribution again (a re-delivery): nothing changes.
  if (had_prev && prev_bytes == next_bytes) return Status::OK();
  if (had_prev && !parsed && !prev.ParseFromString(prev_bytes)) {
    return Status::Corruption("unparsable contribution of " + doc_id);
  }
  const std::string signature = geo::DominanceSignature(tally_);
  RETURN_IF_ERROR(Replace(had_prev ? &prev : nullptr, next, std::move(next_bytes)));
  if (geo::DominanceSignature(tally_) != signature) {
    // The batch now points elsewhere: the places it decided may change.
    RETURN_IF_ERROR(RedecidePlaces());
  }
  return Status::OK();
}

Status Aggregator::GetForUpdate(const std::string& doc_id, apb::DocContribution* out, std::string* bytes,
                                bool* parsed) const {
  if (group_) {
    if (group_->removed.count(doc_id)) return Status::NotFound("withdrawn in this group: " + doc_id);
    if (auto it = group_->contributions.find(doc_id); it != group_->contributions.end()) {
      *bytes = it->second.bytes;
      *parsed = false;
      return Status::OK();
    }
  }
  *parsed = false;
  return store_->Get(kContributions, doc_id, bytes);
}

Status Aggregator::BeginChange(const GroupOptions& options) {
  RETURN_IF_ERROR(EnsureHeads());
  RETURN_IF_ERROR(LoadPlaces());
  RETURN_IF_ERROR(LoadPlaceCounts());
  RETURN_IF_ERROR(EnsureLoaded());
  RETURN_IF_ERROR(LoadWithdrawn());
  BeginGroup(options.build_events);
  return Status::OK();
}

void Aggregator::BeginGroup(bool build_events) {
  group_.emplace();
  group_->build_events = build_events;
  auto seq = LastSequence();
  group_->first_seq = group_->seq = seq.ok() ? *seq : 0;
  table_->BeginGroup();
}

void Aggregator::AbortGroup() {
  // The in-memory rollups, tally and pending places moved with the group:
  // reload them from the store, which holds the committed state.
  group_.reset();
  table_.reset();
  tally_ = geo::BatchTally();
  pending_.clear();
  places_loaded_ = false;
  place_counts_.reset();
  sequence_loaded_ = false;
  withdrawn_loaded_ = false;
}

Result<AggregateChange> Aggregator::CommitGroup(const std::function<void()>& after_commit) {
  Group& g = *group_;
  AggregateChange change;
  if (!g.changed) {
    group_.reset();
    change.unchanged = true;
    return change;
  }
  change.events = std::move(g.events);
  storage::WriteBatch batch;
  for (auto& [doc_id, pending] : g.contributions) {
    batch.Put(kContributions, doc_id, pending.bytes);
    batch.Put(kHeads, doc_id, pending.head);
  }
  for (const auto& doc_id : g.removed) {
    batch.Delete(kContributions, doc_id);
    batch.Delete(kHeads, doc_id);
  }
  for (const auto& [doc_id, through] : g.withdrawn) {
    if (through) {
      batch.Put(kWithdrawn, doc_id, std::to_string(*through));
    } else {
      batch.Delete(kWithdrawn, doc_id);
    }
  }
  for (const auto& op : g.places.ops()) {
    if (op.value) {
      batch.Put(op.cf, op.key, *op.value);
    } else {
      batch.Delete(op.cf, op.key);
    }
  }
  batch.Put(kMeta, kBatchTallyKey, EncodeTally(tally_));
  // Each touched rollup and region count is numbered on the stream; its
  // event is built only while someone subscribes.
  change.rollups_changed = table_->touched_rollups();
  change.regions_changed = table_->touched_regions();
  const uint64_t last_seq = g.seq + change.rollups_changed + change.regions_changed;
  batch.Put(kMeta, kSequenceKey, std::to_string(last_seq));
  // The stored rollups no longer reflect every contribution.
  if (checkpoint_current_) batch.Delete(kMeta, kCheckpointKey);
  Status written = store_->Write(batch);
  if (!written.ok()) {
    AbortGroup();
    return written;
  }
  checkpoint_current_ = false;
  sequence_ = last_seq;
  sequence_loaded_ = true;
  for (const auto& [doc_id, through] : g.withdrawn) {
    if (through) {
      withdrawn_[doc_id] = *through;
    } else {
      withdrawn_.erase(doc_id);
    }
  }
  change.sequences_used = last_seq - g.first_seq;
  if (after_commit) after_commit();
  if (g.build_events) {
    uint64_t seq = g.seq;
    change.events.reserve(change.events.size() + change.rollups_changed + change.regions_changed);
    apb::StreamEvent e;
    table_->ForEachTouched(
        [&](apb::Rollup& r) {
          e.set_sequence(++seq);
          e.mutable_rollup()->Swap(&r);  // built for this visit: taken, not copied
          change.events.push_back(stream::EncodeEvent(e));
        },
        [&](apb::RegionCount& rc) {
          e.set_sequence(++seq);
          e.mutable_region()->Swap(&rc);
          change.events.push_back(stream::EncodeEvent(e));
        });
  }
  table_->DropEmptyTouched();
  group_.reset();
  return change;
}

// ---------------------------------------------------------------- places

void Aggregator::PlaceByBatch(apb::DocContribution* c) const {
  const cpb::DocumentMetadata original = SegmentMetadata(*c);
  c->clear_segment_metadata();
  *c->mutable_metadata() = original;
  if (!Ambiguous(original)) return;
  const std::optional<cpb::PlaceCandidate> pick = geo::ResolveByBatch(original.place(), tally_);
  if (!pick) return;
  cpb::DocumentMetadata placed = original;
  if (!geo::ApplyCandidate(geo::Gazetteer::Default(), *pick, cpb::PLACE_SOURCE_BATCH, &placed)) return;
  *c->mutable_segment_metadata() = original;
  *c->mutable_metadata() = std::move(placed);
}

Status Aggregator::RedecidePlaces() {
  const std::vector<std::string> pending(pending_.begin(), pending_.end());
  for (const std::string& doc_id : pending) {
    apb::DocContribution prev;
    std::string bytes;
    bool parsed = false;
    RETURN_IF_ERROR(GetForUpdate(doc_id, &prev, &bytes, &parsed));
    if (!parsed && !prev.ParseFromString(bytes)) return Status::Corruption("unparsable contribution of " + doc_id);
    apb::DocContribution next = prev;
    PlaceByBatch(&next);
    if (next.metadata().SerializeAsString() == prev.metadata().SerializeAsString()) continue;
    std::string next_bytes = next.SerializeAsString();
    RETURN_IF_ERROR(Replace(&prev, next, std::move(next_bytes)));
  }
  return Status::OK();
}

Status Aggregator::LoadPlaces() {
  if (places_loaded_) return Status::OK();
  std::string text;
  Status got = store_->Get(kMeta, kBatchTallyKey, &text);
  if (got.ok()) {
    RETURN_IF_ERROR(DecodeTally(text, &tally_));
  } else if (got.code() != StatusCode::kNotFound) {
    return got;
  }
  pending_.clear();
  RETURN_IF_ERROR(store_->Scan(kPlaces, "", [&](std::string_view key, std::string_view) {
    pending_.emplace(key);
    return true;
  }));
  places_loaded_ = true;
  return Status::OK();
}

Status Aggregator::Replace(const apb::DocContribution* prev_or_null, const apb::DocContribution& next,
                           std::string next_bytes) {
  Group& g = *group_;
  const std::string doc_id = next.doc_id();
  if (prev_or_null) RETURN_IF_ERROR(table_->Contribute(*prev_or_null, -1));
  RETURN_IF_ERROR(table_->Contribute(next, +1));
  g.removed.erase(doc_id);

  g.changed = true;
  if (g.build_events && next.metrics_size() > 0) {
    auto* m = g.scratch.mutable_metric();
    m->set_doc_id(doc_id);
    m->set_source(next.source());
    *m->mutable_metadata() = next.metadata();
  }
  for (const auto& metric : next.metrics()) {
    ++g.seq;
    if (!g.build_events) continue;
    g.scratch.set_sequence(g.seq);
    auto* m = g.scratch.mutable_metric();
    *m->mutable_metric() = metric;
    // An event carries its section path whole: subscribers see each metric alone.
    if (metric.section_path_size() == 0) {
      for (std::string_view h : results::SectionPath(next.sections(), metric)) {
        m->mutable_metric()->add_section_path(std::string(h));
      }
    }
    g.events.push_back(stream::EncodeEvent(g.scratch));
  }
  // Batch evidence counts the places segment found, never those it decided.
  if (prev_or_null) tally_.Remove(SegmentMetadata(*prev_or_null));
  tally_.Add(SegmentMetadata(next));
  // Kept when loaded (BeginChange loads it; otherwise it is counted from the store when asked).
  if (place_counts_) {
    if (prev_or_null) place_counts_->Count(doc_id, prev_or_null->metadata(), -1);
    place_counts_->Count(doc_id, next.metadata(), +1);
  }
  if (Ambiguous(SegmentMetadata(next))) {
    g.places.Put(kPlaces, doc_id, "");
    pending_.insert(doc_id);
  } else if (pending_.count(doc_id)) {
    g.places.Delete(kPlaces, doc_id);
    pending_.erase(doc_id);
  }
  Pending& slot = g.contributions[doc_id];
  slot.bytes = std::move(next_bytes);
  apb::DocContributionHead head;
  head.set_doc_id(doc_id);
  head.set_source(next.source());
  *head.mutable_metadata() = next.metadata();
  if (next.has_segment_metadata()) *head.mutable_segment_metadata() = next.segment_metadata();
  slot.head = head.SerializeAsString();
  return Status::OK();
}

// ---------------------------------------------------------------- reading

Result<uint64_t> Aggregator::LastSequence() const {
  if (sequence_loaded_) return sequence_;
  std::string value;
  Status s = store_->Get(kMeta, kSequenceKey, &value);
  if (s.code() == StatusCode::kNotFound) {
    sequence_ = 0;
  } else if (!s.ok()) {
    return s;
  } else {
    ASSIGN_OR_RETURN(sequence_, ParseSequence(value, "stream sequence"));
  }
  sequence_loaded_ = true;
  return sequence_;
}

Status Aggregator::GetContribution(const std::string& doc_id, apb::DocContribution* out) const {
  return store_->GetProto(kContributions, doc_id, out);
}

Result<bool> Aggregator::HeadsComplete() const {
  // Once complete, always: every later contribution is written with its head.
  // (The audit stage asks for each document's head, group after group.)
  if (heads_complete_) return true;
  std::string mark;
  Status s = store_->Get(kMeta, kHeadsKey, &mark);
  if (s.code() == StatusCode::kNotFound) return false;
  RETURN_IF_ERROR(s);
  return true;
}

Status Aggregator::EnsureHeads() {
  if (heads_complete_) return Status::OK();
  ASSIGN_OR_RETURN(bool complete, HeadsComplete());
  if (!complete) {
    // A store written before heads had their family: one pass over the
    // contributions, in batches of about checkpoint_batch_bytes_; the mark
    // goes last, so a pass cut short is simply done again.
    ChunkedWriter writer(store_, checkpoint_batch_bytes_);
    Status parsed = Status::OK();
    RETURN_IF_ERROR(store_->Scan(kContributions, "", [&](std::string_view key, std::string_view value) {
      apb::DocContributionHead head;
      if (!head.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        parsed = Status::Corruption("unparsable contribution of " + std::string(key));
        return false;
      }
      writer.batch().Put(kHeads, std::string(key), head.SerializeAsString());
      return writer.Added().ok();
    }));
    RETURN_IF_ERROR(parsed);
    RETURN_IF_ERROR(writer.status());
    writer.batch().Put(kMeta, kHeadsKey, "1");
    RETURN_IF_ERROR(writer.Finish());
  }
  heads_complete_ = true;
  return Status::OK();
}

Status Aggregator::GetContributionHead(const std::string& doc_id, apb::DocContributionHead* out) const {
  ASSIGN_OR_RETURN(bool heads, HeadsComplete());
  return store_->GetProto(heads ? kHeads : kContributions, doc_id, out);
}

Status Aggregator::ForEachContributionHead(const std::function<void(const apb::DocContributionHead&)>& fn) const {
  ASSIGN_OR_RETURN(bool heads, HeadsComplete());
  return ScanProtos<apb::DocContributionHead>(*store_, heads ? kHeads : kContributions, fn);
}

Status Aggregator::LoadPlaceCounts() const {
  if (place_counts_) return Status::OK();
  // Heads (or whole contributions, in a store without heads: the head's
  // fields have the same tags), as stored.
  ASSIGN_OR_RETURN(bool heads, HeadsComplete());
  PlaceTally counts;
  Status inner;
  Status s = store_->Scan(heads ? kHeads : kContributions, "", [&](std::string_view key, std::string_view value) {
    inner = counts.AddSerialized(key, value);
    return inner.ok();
  });
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(inner);
  place_counts_ = std::move(counts);
  return Status::OK();
}

Result<apb::PlacesSummary> Aggregator::PlacesSummary(size_t max_listed) const {
  RETURN_IF_ERROR(LoadPlaceCounts());
  return place_counts_->Summary(max_listed, [this](const std::string& doc_id, apb::DocContributionHead* head) {
    return GetContributionHead(doc_id, head);
  });
}

Status Aggregator::ForEachContribution(const std::function<void(const apb::DocContribution&)>& fn) const {
  return ScanProtos<apb::DocContribution>(*store_, kContributions, fn);
}

Status Aggregator::ForEachRegion(const std::function<void(const apb::RegionCount&)>& fn) const {
  RETURN_IF_ERROR(EnsureLoaded());
  table_->ForEachRegion(fn);
  return Status::OK();
}

Status Aggregator::ForEachRollup(const std::function<void(const apb::Rollup&)>& fn) const {
  RETURN_IF_ERROR(EnsureLoaded());
  return table_->ForEachRollup(fn, [this](const std::function<bool(std::string_view, std::string_view)>& visit) {
    return store_->Scan(kRollups, "", visit);
  });
}

}  // namespace reportflow::aggregate
