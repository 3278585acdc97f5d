#include "services/aggregate/aggregator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "common/base/macros.h"
#include "common/geo/batch_resolver.h"
#include "common/stream/rollup_keys.h"
#include "common/text/han_variants.h"
#include "services/aggregate/audit_keeper.h"
#include "services/aggregate/document_values.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;
namespace epb = ::reportflow::extract::v1;

constexpr char kContributions[] = "contributions";
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

// The metadata segment found (before any batch decision).
const cpb::DocumentMetadata& SegmentMetadata(const apb::DocContribution& c) {
  return c.has_segment_metadata() ? c.segment_metadata() : c.metadata();
}

bool RollupEmpty(const apb::Rollup& r) { return r.count() == 0 && r.documents() == 0; }
bool RegionEmpty(const apb::RegionCount& rc) { return rc.documents() == 0; }

bool Ambiguous(const cpb::DocumentMetadata& m) { return m.place().status() == cpb::PLACE_STATUS_AMBIGUOUS; }

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

// One document's value under one rollup key.
struct KeyValue {
  apb::RollupKey key;
  const DocValue* value;
};

struct RegionRef {
  cpb::RegionLevel level;
  std::string region;
  std::string code;
};

// A region's name as rollups group it: in simplified characters, so a report
// written in traditional characters (花溪鄉) counts with 花溪乡. Documents keep
// their names as written.
std::string GroupingName(const std::string& name) {
  static const text::HanVariants* variants = [] {
    auto v = text::HanVariants::Get();
    return v.ok() ? *v : nullptr;  // without ICU's transform, names group as written
  }();
  return variants ? variants->Simplify(name) : name;
}

// The reporting level whose rollups a document adds to: county-level reports
// (a county government's own report) form their own family of rollups.
cpb::RegionLevel SourceLevelOf(const cpb::DocumentMetadata& m) {
  return m.unit_level() == cpb::REGION_LEVEL_COUNTY ? cpb::REGION_LEVEL_COUNTY : cpb::REGION_LEVEL_TOWNSHIP;
}

// The regions a document counts in, one per level; a county-level report has
// no township.
std::vector<RegionRef> RegionsOf(const cpb::DocumentMetadata& m) {
  std::vector<RegionRef> out;
  if (SourceLevelOf(m) != cpb::REGION_LEVEL_COUNTY) {
    out.push_back({cpb::REGION_LEVEL_TOWNSHIP, GroupingName(m.township()), m.township_code()});
  }
  out.push_back({cpb::REGION_LEVEL_COUNTY, GroupingName(m.county()), m.county_code()});
  out.push_back({cpb::REGION_LEVEL_CITY, GroupingName(m.city()), m.city_code()});
  out.push_back({cpb::REGION_LEVEL_PROVINCE, GroupingName(m.province()), m.province_code()});
  return out;
}

std::string EncodeRegion(const RegionRef& ref, cpb::RegionLevel source_level, int32_t year) {
  return stream::EncodeRegionKey(ref.level, source_level, ref.code, ref.region, year);
}

// Groups a contribution's document values by rollup key (every region level).
std::map<std::string, KeyValue> Keyify(const apb::DocContribution& c, const std::vector<DocValue>& values) {
  std::map<std::string, KeyValue> out;
  const int32_t year = c.metadata().has_year() ? c.metadata().year() : 0;
  const cpb::RegionLevel source_level = SourceLevelOf(c.metadata());
  for (const auto& region : RegionsOf(c.metadata())) {
    for (const DocValue& v : values) {
      apb::RollupKey key;
      key.set_level(region.level);
      key.set_region(region.region);
      key.set_region_code(region.code);
      key.set_source_level(source_level);
      key.set_year(year);
      key.set_metric_id(v.metric_id);
      key.set_unit(v.unit);
      out[stream::EncodeRollupKey(key)] = {key, &v};
    }
  }
  return out;
}

void AddToHistogram(apb::Rollup* r, double value, int64_t delta) {
  auto* values = r->mutable_hist_values();
  auto* counts = r->mutable_hist_counts();
  const auto it = std::lower_bound(values->begin(), values->end(), value);
  const int index = static_cast<int>(it - values->begin());
  if (it != values->end() && *it == value) {
    const int64_t n = static_cast<int64_t>(counts->Get(index)) + delta;
    if (n <= 0) {
      values->erase(values->begin() + index);
      counts->erase(counts->begin() + index);
    } else {
      counts->Set(index, static_cast<uint64_t>(n));
    }
    return;
  }
  if (delta <= 0) return;  // removing a value that is not there: nothing to do
  values->Add(value);
  counts->Add(static_cast<uint64_t>(delta));
  std::rotate(values->begin() + index, values->end() - 1, values->end());
  std::rotate(counts->begin() + index, counts->end() - 1, counts->end());
}

// Converts a histogram of the earlier, unpacked layout (field `histogram`).
void UpgradeHistogram(apb::Rollup* r) {
  if (r->histogram().empty()) return;
  r->clear_hist_values();
  r->clear_hist_counts();
  for (const auto& vc : r->histogram()) {
    r->add_hist_values(vc.value());
    r->add_hist_counts(vc.count());
  }
  r->clear_histogram();
}

void Contribute(apb::Rollup* r, const DocValue& v, int sign) {
  auto add = [sign](uint64_t n, uint64_t by) {
    return static_cast<uint64_t>(static_cast<int64_t>(n) + sign * static_cast<int64_t>(by));
  };
  r->set_metric_kind(v.kind);
  r->set_statistic(StatisticOf(v.kind));
  r->set_documents(static_cast<uint32_t>(add(r->documents(), 1)));
  r->set_count(add(r->count(), 1));
  r->set_mentions(add(r->mentions(), v.mentions));
  if (v.approx) r->set_approx_count(add(r->approx_count(), 1));
  auto& units = *r->mutable_units();
  for (const auto& [unit, n] : v.units_written) {
    const uint64_t left = add(units[unit], n);
    if (static_cast<int64_t>(left) <= 0) {
      units.erase(unit);
    } else {
      units[unit] = left;
    }
  }
  AddToHistogram(r, v.value, sign);
}

// The value at quantile q of the histogram (nearest-rank, q in (0,1]).
double Quantile(const apb::Rollup& r, double q) {
  uint64_t total = 0;
  for (uint64_t n : r.hist_counts()) total += n;
  if (total == 0) return 0;
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(total))));
  uint64_t seen = 0;
  for (int i = 0; i < r.hist_values_size(); ++i) {
    seen += r.hist_counts(i);
    if (seen >= rank) return r.hist_values(i);
  }
  return r.hist_values(r.hist_values_size() - 1);
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

}  // namespace

apb::Rollup WithoutHistogram(const apb::Rollup& rollup) {
  apb::Rollup out = rollup;
  out.clear_hist_values();
  out.clear_hist_counts();
  out.clear_histogram();
  return out;
}

void FinishRollup(apb::Rollup* r) {
  if (r->count() == 0 || r->hist_values().empty()) {
    r->set_sum(0);
    r->set_mean(0);
    r->set_median(0);
    r->set_p90(0);
    r->set_min(0);
    r->set_max(0);
    r->clear_unit();
    return;
  }
  // The sum is recomputed from the histogram (a canonical, sorted multiset),
  // with compensated summation: it does not depend on the order documents
  // arrived or were replaced in, so any number of workers and any replay give
  // bit-identical rollups.
  double sum = 0, compensation = 0;
  for (int i = 0; i < r->hist_values_size(); ++i) {
    const double term = r->hist_values(i) * static_cast<double>(r->hist_counts(i));
    const double t = sum + term;
    compensation += std::abs(sum) >= std::abs(term) ? (sum - t) + term : (term - t) + sum;
    sum = t;
  }
  sum += compensation;
  // A rate is never summed: its rollup answers with the mean, median, min and max.
  r->set_sum(r->statistic() == apb::ROLLUP_STATISTIC_MEAN ? 0 : sum);
  r->set_mean(sum / static_cast<double>(r->count()));
  r->set_median(Quantile(*r, 0.5));
  r->set_p90(Quantile(*r, 0.9));
  r->set_min(r->hist_values(0));
  r->set_max(r->hist_values(r->hist_values_size() - 1));
  r->set_unit(r->key().unit());
  r->set_approx_share(static_cast<double>(r->approx_count()) / static_cast<double>(r->count()));
}

const std::vector<std::string>& Aggregator::ColumnFamilies() {
  static const std::vector<std::string> cfs = [] {
    std::vector<std::string> v = {kContributions, kRollups, kRegions, kMeta, kPlaces};
    for (const auto& cf : AuditKeeper::ColumnFamilies()) v.push_back(cf);  // the audit's, in the same store
    return v;
  }();
  return cfs;
}

Result<AggregateChange> Aggregator::Apply(const std::string& doc_id, const epb::ExtractionResult& result) {
  return ApplyGroup({GroupDocument{doc_id, &result}});
}

Result<AggregateChange> Aggregator::ApplyGroup(const std::vector<GroupDocument>& docs, const GroupOptions& options) {
  RETURN_IF_ERROR(LoadPlaces());
  BeginGroup(options.build_events);
  for (const GroupDocument& doc : docs) {
    auto applied = ApplyInGroup(doc.doc_id, *doc.result);
    if (!applied.ok()) {
      AbortGroup();
      return applied.status();
    }
  }
  return CommitGroup(options.after_commit);
}

Result<AggregateChange> Aggregator::ApplyInGroup(const std::string& doc_id, const epb::ExtractionResult& result) {
  apb::DocContribution next;
  next.set_doc_id(doc_id);
  next.set_source(result.source());
  *next.mutable_metadata() = result.metadata();
  PlaceByBatch(&next);
  *next.mutable_metrics() = result.metrics();
  *next.mutable_findings() = result.findings();
  next.set_processing_version(result.processing_version());

  apb::DocContribution prev;
  Status got = GetForUpdate(doc_id, &prev);
  const bool had_prev = got.ok();
  if (!had_prev && got.code() != StatusCode::kNotFound) return got;

  AggregateChange change;
  if (had_prev && prev.SerializeAsString() == next.SerializeAsString()) {
    change.unchanged = true;
    return change;
  }
  const std::string signature = geo::DominanceSignature(tally_);
  RETURN_IF_ERROR(Replace(had_prev ? &prev : nullptr, next, /*rollups_only=*/false));
  if (geo::DominanceSignature(tally_) != signature) {
    // The batch now points elsewhere: the places it decided may change.
    RETURN_IF_ERROR(RedecidePlaces().status());
  }
  return change;
}

Status Aggregator::GetForUpdate(const std::string& doc_id, apb::DocContribution* out) const {
  if (group_) {
    if (auto it = group_->contributions.find(doc_id); it != group_->contributions.end()) {
      *out = it->second;
      return Status::OK();
    }
  }
  return store_->GetProto(kContributions, doc_id, out);
}

void Aggregator::BeginGroup(bool build_events) {
  group_.emplace();
  group_->build_events = build_events;
  auto seq = LastSequence();
  group_->first_seq = group_->seq = seq.ok() ? *seq : 0;
}

void Aggregator::AbortGroup() {
  // Rollups and region counts taken from the caches are dropped with the
  // group (the next read goes to the store, which holds the committed
  // state); the tally and pending places moved in memory: reload them.
  group_.reset();
  tally_ = geo::BatchTally();
  pending_.clear();
  places_loaded_ = false;
  sequence_loaded_ = false;
}

Result<AggregateChange> Aggregator::CommitGroup(const std::function<void()>& after_commit) {
  Group& g = *group_;
  AggregateChange change;
  if (!g.changed && g.touched.empty() && g.regions.empty()) {
    group_.reset();
    change.unchanged = true;
    return change;
  }
  change.events = std::move(g.events);
  storage::WriteBatch batch;
  for (const auto& [doc_id, c] : g.contributions) batch.PutProto(kContributions, doc_id, c);
  for (const auto& op : g.places.ops()) {
    if (op.value) {
      batch.Put(op.cf, op.key, *op.value);
    } else {
      batch.Delete(op.cf, op.key);
    }
  }
  if (g.changed) batch.Put(kMeta, kBatchTallyKey, EncodeTally(tally_));
  const bool events = g.changed;  // a rebuild (rollups only) publishes nothing
  // Each touched rollup and region count: written (deleted once empty), and
  // numbered on the stream; its event is built only while someone subscribes.
  auto write = [&](auto& states, const char* cf, size_t* changed, auto empty, auto set_event) {
    for (auto& [enc, state] : states) {
      if (empty(state)) {
        batch.Delete(cf, enc);
      } else {
        batch.PutProto(cf, enc, state);
      }
      ++*changed;
      if (!events) continue;
      ++g.seq;
      if (!g.build_events) continue;
      apb::StreamEvent e;
      e.set_sequence(g.seq);
      set_event(state, &e);
      change.events.push_back(std::move(e));
    }
  };
  for (auto& [enc, r] : g.touched) FinishRollup(&r);
  write(g.touched, kRollups, &change.rollups_changed, RollupEmpty,
        [](const apb::Rollup& r, apb::StreamEvent* e) { *e->mutable_rollup() = WithoutHistogram(r); });
  write(g.regions, kRegions, &change.regions_changed, RegionEmpty,
        [](const apb::RegionCount& rc, apb::StreamEvent* e) { *e->mutable_region() = rc; });
  if (events) batch.Put(kMeta, kSequenceKey, std::to_string(g.seq));
  Status written = store_->Write(batch);
  if (!written.ok()) {
    AbortGroup();
    return written;
  }
  sequence_ = g.seq;
  sequence_loaded_ = true;
  change.sequences_used = g.seq - g.first_seq;
  if (after_commit) after_commit();
  // Committed: the new states become the cached ones (write-through).
  for (auto& [enc, r] : g.touched) {
    if (RollupEmpty(r)) continue;
    rollup_cache_.Put(enc, std::move(r));
  }
  for (auto& [enc, rc] : g.regions) {
    if (RegionEmpty(rc)) continue;
    region_cache_.Put(enc, std::move(rc));
  }
  group_.reset();
  return change;
}

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

Result<AggregateChange> Aggregator::RedecidePlaces() {
  AggregateChange change;  // the open group carries what changes
  const std::vector<std::string> pending(pending_.begin(), pending_.end());
  for (const std::string& doc_id : pending) {
    apb::DocContribution prev;
    RETURN_IF_ERROR(GetForUpdate(doc_id, &prev));
    apb::DocContribution next = prev;
    PlaceByBatch(&next);
    if (next.metadata().SerializeAsString() == prev.metadata().SerializeAsString()) continue;
    RETURN_IF_ERROR(Replace(&prev, next, /*rollups_only=*/false));
  }
  return change;
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
                           bool rollups_only) {
  Group& g = *group_;
  const bool had_prev = prev_or_null != nullptr;
  const apb::DocContribution& prev = had_prev ? *prev_or_null : next;
  const std::string& doc_id = next.doc_id();
  std::map<std::string, apb::Rollup>& touched = g.touched;
  auto load = [&](const std::string& enc, const apb::RollupKey& key) -> Result<apb::Rollup*> {
    auto it = touched.find(enc);
    if (it != touched.end()) return &it->second;
    if (std::optional<apb::Rollup> cached = rollup_cache_.Take(enc)) {
      return &touched.emplace(enc, std::move(*cached)).first->second;
    }
    apb::Rollup r;
    Status s = store_->GetProto(kRollups, enc, &r);
    if (s.code() == StatusCode::kNotFound) {
      r.Clear();
      *r.mutable_key() = key;
    } else if (!s.ok()) {
      return s;
    }
    UpgradeHistogram(&r);
    return &touched.emplace(enc, std::move(r)).first->second;
  };
  if (had_prev) {
    const std::vector<DocValue> values = DocumentValues(prev.metrics());
    for (const auto& [enc, kv] : Keyify(prev, values)) {
      ASSIGN_OR_RETURN(apb::Rollup * r, load(enc, kv.key));
      Contribute(r, *kv.value, -1);
    }
  }
  const std::vector<DocValue> values = DocumentValues(next.metrics());
  for (const auto& [enc, kv] : Keyify(next, values)) {
    ASSIGN_OR_RETURN(apb::Rollup * r, load(enc, kv.key));
    Contribute(r, *kv.value, +1);
  }

  // Region document counts.
  std::map<std::string, apb::RegionCount>& regions = g.regions;
  auto bump = [&](const apb::DocContribution& c, int sign) -> Status {
    const int32_t year = c.metadata().has_year() ? c.metadata().year() : 0;
    const cpb::RegionLevel source_level = SourceLevelOf(c.metadata());
    for (const auto& ref : RegionsOf(c.metadata())) {
      const std::string enc = EncodeRegion(ref, source_level, year);
      auto it = regions.find(enc);
      if (it == regions.end()) {
        apb::RegionCount rc;
        std::optional<apb::RegionCount> cached = region_cache_.Take(enc);
        Status s = cached ? Status::OK() : store_->GetProto(kRegions, enc, &rc);
        if (cached) {
          rc = std::move(*cached);
        } else if (s.code() == StatusCode::kNotFound) {
          rc.Clear();
          rc.set_level(ref.level);
          rc.set_region(ref.region);
          rc.set_region_code(ref.code);
          rc.set_source_level(source_level);
          rc.set_year(year);
        } else if (!s.ok()) {
          return s;
        }
        it = regions.emplace(enc, std::move(rc)).first;
      }
      it->second.set_documents(static_cast<uint32_t>(static_cast<int64_t>(it->second.documents()) + sign));
    }
    return Status::OK();
  };
  if (had_prev) RETURN_IF_ERROR(bump(prev, -1));
  RETURN_IF_ERROR(bump(next, +1));
  if (rollups_only) return Status::OK();

  g.changed = true;
  for (const auto& metric : next.metrics()) {
    ++g.seq;
    if (!g.build_events) continue;
    apb::StreamEvent e;
    e.set_sequence(g.seq);
    auto* m = e.mutable_metric();
    m->set_doc_id(doc_id);
    m->set_source(next.source());
    *m->mutable_metadata() = next.metadata();
    *m->mutable_metric() = metric;
    g.events.push_back(std::move(e));
  }
  g.contributions[doc_id] = next;
  // Batch evidence counts the places segment found, never those it decided.
  if (had_prev) tally_.Remove(SegmentMetadata(prev));
  tally_.Add(SegmentMetadata(next));
  if (Ambiguous(SegmentMetadata(next))) {
    g.places.Put(kPlaces, doc_id, "");
    pending_.insert(doc_id);
  } else if (pending_.count(doc_id)) {
    g.places.Delete(kPlaces, doc_id);
    pending_.erase(doc_id);
  }
  return Status::OK();
}

Result<size_t> Aggregator::RebuildRollupsIfStale() {
  std::string layout;
  Status got = store_->Get(kMeta, kRollupLayoutKey, &layout);
  if (got.ok() && layout == kRollupLayout) return 0;
  if (!got.ok() && got.code() != StatusCode::kNotFound) return got;
  // Rollups and region counts are derived data: drop them and add every
  // stored contribution again under today's rules and key layout.
  storage::WriteBatch drop;
  for (const char* cf : {kRollups, kRegions, kPlaces}) {
    RETURN_IF_ERROR(store_->Scan(cf, "", [&](std::string_view key, std::string_view) {
      drop.Delete(cf, key);
      return true;
    }));
  }
  RETURN_IF_ERROR(store_->Write(drop));
  std::vector<std::string> doc_ids;
  RETURN_IF_ERROR(store_->Scan(kContributions, "", [&](std::string_view key, std::string_view) {
    doc_ids.emplace_back(key);
    return true;
  }));
  geo::BatchTally tally;
  storage::WriteBatch places;
  pending_.clear();
  constexpr size_t kRebuildGroup = 1000;  // contributions re-added per group commit
  for (size_t i = 0; i < doc_ids.size(); ++i) {
    const std::string& id = doc_ids[i];
    if (i % kRebuildGroup == 0) BeginGroup(/*build_events=*/false);
    apb::DocContribution c;
    Status s = store_->GetProto(kContributions, id, &c);
    if (s.ok()) s = Replace(nullptr, c, /*rollups_only=*/true);
    if (!s.ok()) {
      AbortGroup();
      return s;
    }
    if ((i + 1) % kRebuildGroup == 0 || i + 1 == doc_ids.size()) RETURN_IF_ERROR(CommitGroup(nullptr).status());
    tally.Add(SegmentMetadata(c));
    if (Ambiguous(SegmentMetadata(c))) {
      places.Put(kPlaces, id, "");
      pending_.insert(id);
    }
  }
  places.Put(kMeta, kBatchTallyKey, EncodeTally(tally));
  places.Put(kMeta, kRollupLayoutKey, kRollupLayout);
  RETURN_IF_ERROR(store_->Write(places));
  tally_ = std::move(tally);
  places_loaded_ = true;
  // Places the batch decides under the tally as it now stands.
  BeginGroup(/*build_events=*/false);
  if (Status s = RedecidePlaces().status(); !s.ok()) {
    AbortGroup();
    return s;
  }
  RETURN_IF_ERROR(CommitGroup(nullptr).status());
  return doc_ids.size();
}

Result<uint64_t> Aggregator::LastSequence() const {
  if (sequence_loaded_) return sequence_;
  std::string value;
  Status s = store_->Get(kMeta, kSequenceKey, &value);
  if (s.code() == StatusCode::kNotFound) {
    sequence_ = 0;
  } else if (!s.ok()) {
    return s;
  } else {
    char* end = nullptr;
    sequence_ = std::strtoull(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') return Status::Corruption("bad stream sequence in meta: " + value);
  }
  sequence_loaded_ = true;
  return sequence_;
}

Status Aggregator::GetContribution(const std::string& doc_id, apb::DocContribution* out) const {
  return store_->GetProto(kContributions, doc_id, out);
}

Status Aggregator::ForEachContributionHead(const std::function<void(const apb::DocContributionHead&)>& fn) const {
  return ScanProtos<apb::DocContributionHead>(*store_, kContributions, fn);
}

Status Aggregator::ForEachContribution(const std::function<void(const apb::DocContribution&)>& fn) const {
  return ScanProtos<apb::DocContribution>(*store_, kContributions, fn);
}

Status Aggregator::ForEachRegion(const std::function<void(const apb::RegionCount&)>& fn) const {
  return ScanProtos<apb::RegionCount>(*store_, kRegions, fn);
}

Status Aggregator::ForEachRollup(const std::function<void(const apb::Rollup&)>& fn) const {
  std::map<std::string, uint32_t> region_docs;
  RETURN_IF_ERROR(ForEachRegion([&](const apb::RegionCount& rc) {
    region_docs[stream::EncodeRegionKey(rc)] = rc.documents();
  }));
  return ScanProtos<apb::Rollup>(*store_, kRollups, [&](const apb::Rollup& r) {
    apb::Rollup out = r;
    const auto it = region_docs.find(stream::RegionKeyOf(r.key()));
    const uint32_t n = it == region_docs.end() ? 0 : it->second;
    out.set_region_documents(n);
    out.set_coverage(n ? static_cast<double>(r.documents()) / n : 0.0);
    fn(out);
  });
}

}  // namespace reportflow::aggregate
