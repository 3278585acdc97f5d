#include "services/aggregate/rollup_table.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "common/base/macros.h"
#include "common/base/prefetch.h"
#include "common/stream/rollup_keys.h"
#include "common/text/han_variants.h"
#include "services/aggregate/document_values.h"

namespace reportflow::aggregate {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;

// ---------------------------------------------------------------- ValueHistogram

int ValueHistogram::Add(double value, int64_t delta) {
  if (delta == 0) return 0;
  // The first block whose largest value is >= value (else the last block).
  auto block = std::lower_bound(blocks_.begin(), blocks_.end(), value,
                                [](const Block& b, double v) { return b.max < v; });
  if (block == blocks_.end()) {
    if (delta < 0) return 0;
    if (blocks_.empty()) {
      blocks_.emplace_back();
      blocks_.back().entries.reserve(1);
    }
    block = blocks_.end() - 1;
  }
  auto& entries = block->entries;
  auto it = std::lower_bound(entries.begin(), entries.end(), value,
                             [](const Entry& e, double v) { return e.value < v; });
  if (it != entries.end() && it->value == value) {
    const int64_t n = static_cast<int64_t>(it->count) + delta;
    if (n <= 0) {
      block->total -= it->count;
      entries.erase(it);
      if (entries.empty()) {
        blocks_.erase(block);
      } else {
        block->max = entries.back().value;
      }
      return -1;
    }
    block->total = block->total - it->count + static_cast<uint64_t>(n);
    it->count = static_cast<uint32_t>(n);
    return 0;
  }
  if (delta < 0) return 0;  // removing a value that is not there: nothing to do
  if (const size_t n = entries.size(); n == entries.capacity() && n >= 8) {
    // A full block grows by a quarter, not double: the county, city and
    // province histograms are most of aggregate's heap, and their blocks
    // (65 to 128 entries between splits) were a quarter empty on average.
    // (InlinedVector's reserve() doubles whatever is asked for: the entries
    // go to a new vector reserved while empty.)
    const auto at = it - entries.begin();
    decltype(block->entries) grown;
    grown.reserve(std::min(kBlockEntries + 1, n + n / 4));
    grown.assign(entries.begin(), entries.end());
    entries.swap(grown);
    it = entries.begin() + at;
  }
  entries.insert(it, Entry{value, static_cast<uint32_t>(delta)});
  block->max = entries.back().value;
  block->total += static_cast<uint64_t>(delta);
  if (entries.size() > kBlockEntries) {
    // Split the full block in two halves.
    Block upper;
    const size_t half = entries.size() / 2;
    upper.entries.assign(entries.begin() + static_cast<std::ptrdiff_t>(half), entries.end());
    entries.resize(half);
    entries.shrink_to_fit();  // else the lower half keeps the full block's capacity
    upper.max = upper.entries.back().value;
    block->max = entries.back().value;
    for (const Entry& e : upper.entries) upper.total += e.count;
    block->total -= upper.total;
    blocks_.insert(block + 1, std::move(upper));
  }
  return 1;
}

size_t ValueHistogram::distinct() const {
  size_t n = 0;
  for (const Block& b : blocks_) n += b.entries.size();
  return n;
}

uint64_t ValueHistogram::total() const {
  uint64_t n = 0;
  for (const Block& b : blocks_) n += b.total;
  return n;
}

double ValueHistogram::Quantile(double q) const {
  const uint64_t all = total();
  if (all == 0) return 0;
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(all))));
  uint64_t seen = 0;
  for (const Block& b : blocks_) {
    if (seen + b.total < rank) {
      seen += b.total;
      continue;
    }
    for (const Entry& e : b.entries) {
      seen += e.count;
      if (seen >= rank) return e.value;
    }
  }
  return max();
}

// ---------------------------------------------------------------- statistics

namespace {

struct Statistics {
  double sum = 0, mean = 0, median = 0, p90 = 0, min = 0, max = 0;
};

// The statistics of `values` (count document values; not empty). The sum is
// computed from the histogram (a canonical, sorted multiset) with compensated
// summation: it does not depend on the order documents arrived or were
// replaced in, so any number of workers and any replay give bit-identical
// rollups.
Statistics StatisticsOf(const ValueHistogram& values, uint64_t count, apb::RollupStatistic statistic) {
  Statistics s;
  double sum = 0, compensation = 0;
  values.Visit([&](double value, uint64_t n) {
    const double term = value * static_cast<double>(n);
    const double t = sum + term;
    compensation += std::abs(sum) >= std::abs(term) ? (sum - t) + term : (term - t) + sum;
    sum = t;
  });
  sum += compensation;
  // A rate is never summed: its rollup answers with the mean, median, min and max.
  s.sum = statistic == apb::ROLLUP_STATISTIC_MEAN ? 0 : sum;
  s.mean = sum / static_cast<double>(count);
  s.median = values.Quantile(0.5);
  s.p90 = values.Quantile(0.9);
  s.min = values.min();
  s.max = values.max();
  return s;
}

void SetStatistics(uint64_t count, uint64_t approx_count, const ValueHistogram& values, apb::Rollup* r) {
  if (count == 0 || values.empty()) {
    r->set_sum(0);
    r->set_mean(0);
    r->set_median(0);
    r->set_p90(0);
    r->set_min(0);
    r->set_max(0);
    r->clear_unit();
    return;
  }
  const Statistics s = StatisticsOf(values, count, r->statistic());
  r->set_sum(s.sum);
  r->set_mean(s.mean);
  r->set_median(s.median);
  r->set_p90(s.p90);
  r->set_min(s.min);
  r->set_max(s.max);
  r->set_unit(r->key().unit());
  r->set_approx_share(static_cast<double>(approx_count) / static_cast<double>(count));
}

// The reporting level whose rollups a document adds to: county-level reports
// (a county government's own report) form their own family of rollups.
cpb::RegionLevel SourceLevelOf(const cpb::DocumentMetadata& m) {
  return m.unit_level() == cpb::REGION_LEVEL_COUNTY ? cpb::REGION_LEVEL_COUNTY : cpb::REGION_LEVEL_TOWNSHIP;
}

uint64_t AddSigned(uint64_t n, int sign, uint64_t by) {
  return static_cast<uint64_t>(static_cast<int64_t>(n) + sign * static_cast<int64_t>(by));
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
  ValueHistogram values;
  for (int i = 0; i < r->hist_values_size(); ++i) {
    values.Add(r->hist_values(i), static_cast<int64_t>(r->hist_counts(i)));
  }
  SetStatistics(r->count(), r->approx_count(), values, r);
}

// ---------------------------------------------------------------- RollupTable

const std::string& RollupTable::GroupingName(const std::string& name) {
  // A region's name as rollups group it: in simplified characters, so a report
  // written in traditional characters (花溪鄉) counts with 花溪乡. Documents keep
  // their names as written.
  auto it = grouping_names_.find(name);
  if (it == grouping_names_.end()) it = grouping_names_.emplace(name, text::HanVariants::Get().Simplify(name)).first;
  return it->second;
}

uint32_t RollupTable::RegionIndex(std::string_view key, cpb::RegionLevel level, cpb::RegionLevel source_level,
                                  const std::string& name, const std::string& code, int32_t year) {
  scratch_.assign(key);
  auto it = region_index_.find(scratch_);
  if (it != region_index_.end()) return it->second;
  const uint32_t index = static_cast<uint32_t>(regions_.size());
  Region r;
  r.key = scratch_;
  r.level = level;
  r.source_level = source_level;
  r.name = name;
  r.code = code;
  r.year = year;
  regions_.push_back(std::move(r));
  region_index_.emplace(scratch_, index);
  return index;
}

uint32_t RollupTable::SeriesIndex(std::string_view metric_id, std::string_view unit) {
  scratch_.assign(metric_id);
  scratch_ += '\0';
  scratch_ += unit;
  auto it = series_index_.find(scratch_);
  if (it != series_index_.end()) return it->second;
  const uint32_t index = static_cast<uint32_t>(series_.size());
  series_.push_back({std::string(metric_id), std::string(unit)});
  series_index_.emplace(scratch_, index);
  return index;
}

uint32_t RollupTable::UnitIndex(std::string_view unit) {
  scratch_.assign(unit);
  auto it = unit_index_.find(scratch_);
  if (it != unit_index_.end()) return it->second;
  const uint32_t index = static_cast<uint32_t>(units_.size());
  units_.push_back(scratch_);
  unit_index_.emplace(scratch_, index);
  return index;
}

void RollupTable::SetBacking(RollupLoader loader) { loader_ = std::move(loader); }

Result<RollupTable::Rollup*> RollupTable::RollupFor(RollupId id) {
  auto it = rollups_.find(id);
  if (it != rollups_.end()) return &it->second;
  if (loader_ && regions_[static_cast<uint32_t>(id >> 32)].stored) {
    apb::Rollup stored;
    Status got = loader_(RollupKeyOf(id), &stored);
    if (got.ok()) {
      LoadRollup(stored);
      it = rollups_.find(id);
      if (it == rollups_.end()) return Status::Corruption("stored rollup under another key: " + RollupKeyOf(id));
      return &it->second;
    }
    if (got.code() != StatusCode::kNotFound) return got;
  }
  return &rollups_[id];
}

void RollupTable::AddValue(Rollup& r, double value, int64_t delta) {
  distinct_values_ = static_cast<size_t>(static_cast<int64_t>(distinct_values_) + r.values.Add(value, delta));
}

void RollupTable::Erase(absl::node_hash_map<RollupId, Rollup>::iterator it) {
  distinct_values_ -= it->second.values.distinct();
  rollups_.erase(it);
}

void RollupTable::TouchRegion(uint32_t index) {
  Region& region = regions_[index];
  if (region.epoch != epoch_) {
    region.epoch = epoch_;
    touched_regions_.push_back(index);
  }
  if (!region.dirty) {
    region.dirty = true;
    dirty_regions_.push_back(index);
  }
}

void RollupTable::TouchRollup(RollupId id, Rollup& r) {
  if (r.epoch != epoch_) {
    r.epoch = epoch_;
    touched_rollups_.push_back(id);
  }
  if (!r.dirty) {
    r.dirty = true;
    dirty_rollups_.push_back(id);
  }
}

Status RollupTable::Contribute(const apb::DocContribution& c, int sign) {
  const cpb::DocumentMetadata& m = c.metadata();
  const int32_t year = m.has_year() ? m.year() : 0;
  const cpb::RegionLevel source_level = SourceLevelOf(m);
  // The regions the document counts in, one per level; a county-level report
  // has no township.
  uint32_t regions[4];
  size_t n_regions = 0;
  auto region = [&](cpb::RegionLevel level, const std::string& written, const std::string& code) {
    const std::string& name = GroupingName(written);
    const std::string key = stream::EncodeRegionKey(level, source_level, code, name, year);
    regions[n_regions++] = RegionIndex(key, level, source_level, name, code, year);
  };
  if (source_level != cpb::REGION_LEVEL_COUNTY) region(cpb::REGION_LEVEL_TOWNSHIP, m.township(), m.township_code());
  region(cpb::REGION_LEVEL_COUNTY, m.county(), m.county_code());
  region(cpb::REGION_LEVEL_CITY, m.city(), m.city_code());
  region(cpb::REGION_LEVEL_PROVINCE, m.province(), m.province_code());

  for (size_t i = 0; i < n_regions; ++i) {
    Region& r = regions_[regions[i]];
    r.documents = static_cast<uint32_t>(static_cast<int64_t>(r.documents) + sign);
    TouchRegion(regions[i]);
  }

  // The rollups the document touches (a few dozen values at each of up to
  // four levels) lie anywhere in a table of hundreds of thousands: each look-up
  // is a cache miss or two. They are found in passes, so the misses overlap
  // instead of coming one after another: the hash slots of all of them are
  // fetched ahead, then the rollups found (nodes are stable: a later insert
  // moves none) and fetched ahead, then updated.
  const std::vector<DocValue> values = DocumentValues(c.metrics());
  lookups_.clear();
  for (const DocValue& v : values) {
    const uint32_t series = SeriesIndex(v.metric_id, v.unit);
    for (size_t i = 0; i < n_regions; ++i) {
      const RollupId id = (static_cast<uint64_t>(regions[i]) << 32) | series;
      rollups_.prefetch(id);
      lookups_.push_back({id, nullptr});
    }
  }
  for (auto& [id, rollup] : lookups_) {
    ASSIGN_OR_RETURN(rollup, RollupFor(id));
    PrefetchLine(rollup);
  }
  const std::pair<RollupId, Rollup*>* next = lookups_.data();
  for (const DocValue& v : values) {
    absl::InlinedVector<std::pair<uint32_t, uint64_t>, 1> units;  // interned once for every level
    for (const auto& [unit, n] : v.units_written) units.emplace_back(UnitIndex(unit), n);
    for (size_t i = 0; i < n_regions; ++i, ++next) {
      const RollupId id = next->first;
      Rollup& r = *next->second;
      TouchRollup(id, r);
      r.metric_kind = v.kind;
      r.statistic = StatisticOf(v.kind);
      r.documents = static_cast<uint32_t>(AddSigned(r.documents, sign, 1));
      r.count = AddSigned(r.count, sign, 1);
      r.mentions = AddSigned(r.mentions, sign, v.mentions);
      if (v.approx) r.approx_count = AddSigned(r.approx_count, sign, 1);
      for (const auto& [unit, n] : units) {
        auto it = std::find_if(r.units.begin(), r.units.end(), [u = unit](const auto& e) { return e.first == u; });
        const uint64_t left = AddSigned(it == r.units.end() ? 0 : it->second, sign, n);
        if (static_cast<int64_t>(left) <= 0) {
          if (it != r.units.end()) r.units.erase(it);
        } else if (it == r.units.end()) {
          r.units.emplace_back(unit, left);
        } else {
          it->second = left;
        }
      }
      AddValue(r, v.value, sign);
    }
  }
  return Status::OK();
}

void RollupTable::LoadRegion(const apb::RegionCount& stored) {
  const uint32_t index = RegionIndex(stream::EncodeRegionKey(stored), stored.level(), stored.source_level(),
                                     stored.region(), stored.region_code(), stored.year());
  regions_[index].documents = stored.documents();
  regions_[index].stored = true;
}

void RollupTable::LoadRollup(const apb::Rollup& stored) {
  const apb::RollupKey& k = stored.key();
  const uint32_t region = RegionIndex(stream::RegionKeyOf(k), k.level(), k.source_level(), k.region(),
                                      k.region_code(), k.year());
  const RollupId id = (static_cast<uint64_t>(region) << 32) | SeriesIndex(k.metric_id(), k.unit());
  Rollup& r = rollups_[id];
  distinct_values_ -= r.values.distinct();
  r = Rollup();
  r.documents = stored.documents();
  r.count = stored.count();
  r.mentions = stored.mentions();
  r.approx_count = stored.approx_count();
  r.metric_kind = stored.metric_kind();
  r.statistic = stored.statistic();
  std::vector<std::pair<std::string, uint64_t>> units(stored.units().begin(), stored.units().end());
  std::sort(units.begin(), units.end());
  for (const auto& [unit, n] : units) r.units.emplace_back(UnitIndex(unit), n);
  // Stores written before packed histograms kept them in `histogram`.
  for (const auto& vc : stored.histogram()) AddValue(r, vc.value(), static_cast<int64_t>(vc.count()));
  for (int i = 0; i < stored.hist_values_size(); ++i) {
    AddValue(r, stored.hist_values(i), static_cast<int64_t>(stored.hist_counts(i)));
  }
  if (stored.histogram_size() > 0 && !r.dirty) {  // written back in the packed form at the next checkpoint
    r.dirty = true;
    dirty_rollups_.push_back(id);
  }
}

void RollupTable::BeginGroup() {
  ++epoch_;
  touched_rollups_.clear();
  touched_regions_.clear();
}

std::string RollupTable::RollupKeyOf(RollupId id) const {
  const Series& s = series_[static_cast<uint32_t>(id)];
  std::string key = regions_[static_cast<uint32_t>(id >> 32)].key;
  key += '\0';
  key += s.metric_id;
  key += '\0';
  key += s.unit;
  return key;
}

void RollupTable::ToProto(RollupId id, const Rollup* r, bool histogram, apb::Rollup* out) const {
  const Region& region = regions_[static_cast<uint32_t>(id >> 32)];
  const Series& series = series_[static_cast<uint32_t>(id)];
  apb::RollupKey* key = out->mutable_key();
  key->set_level(region.level);
  key->set_region(region.name);
  key->set_region_code(region.code);
  key->set_source_level(region.source_level);
  key->set_year(region.year);
  key->set_metric_id(series.metric_id);
  key->set_unit(series.unit);
  if (r == nullptr) {  // removed
    SetStatistics(0, 0, ValueHistogram(), out);
    return;
  }
  out->set_metric_kind(static_cast<extract::v1::MetricKind>(r->metric_kind));
  out->set_statistic(static_cast<apb::RollupStatistic>(r->statistic));
  out->set_documents(r->documents);
  out->set_count(r->count);
  out->set_mentions(r->mentions);
  out->set_approx_count(r->approx_count);
  auto& units = *out->mutable_units();
  for (const auto& [unit, n] : r->units) units[units_[unit]] = n;
  if (histogram) {
    out->mutable_hist_values()->Reserve(static_cast<int>(r->values.distinct()));
    out->mutable_hist_counts()->Reserve(static_cast<int>(r->values.distinct()));
    r->values.Visit([&](double value, uint64_t n) {
      out->add_hist_values(value);
      out->add_hist_counts(n);
    });
  }
  SetStatistics(r->count, r->approx_count, r->values, out);
}

void RollupTable::ToProto(const Region& region, apb::RegionCount* out) const {
  out->set_level(region.level);
  out->set_region(region.name);
  out->set_region_code(region.code);
  out->set_source_level(region.source_level);
  out->set_year(region.year);
  out->set_documents(region.documents);
}

std::vector<RollupTable::RollupId> RollupTable::SortedRollups(std::vector<RollupId> ids) const {
  // In the order of their store keys (RollupKeyOf: region key '\0' metric
  // '\0' unit), without building them (a checkpoint sorts every rollup, and
  // their keys held at once were ~17 MB of aggregate's peak heap at 10,000
  // reports) and without comparing them piece by piece per pair (~20
  // comparisons of two keys for each of 125,000 rollups at 20,000 reports, on
  // the shutdown's critical path). A region key is level['c'] '\0' code or
  // name '\0' year (4 digits: stream::EncodeRegionKey), so no region key is
  // another's prefix followed by '\0': two store keys compare as their
  // regions' keys, then, in one region, as their series' metric and unit
  // (neither holds a '\0'). So the regions and series involved are ranked
  // once by their own keys, and the ids sorted by (region rank, series rank).
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<uint32_t> regions, series;
  std::vector<bool> series_seen(series_.size());
  for (RollupId id : ids) {
    const auto r = static_cast<uint32_t>(id >> 32), s = static_cast<uint32_t>(id);
    if (regions.empty() || regions.back() != r) regions.push_back(r);  // ids ascend by region
    if (!series_seen[s]) series_seen[s] = true, series.push_back(s);
  }
  std::sort(regions.begin(), regions.end(), [&](uint32_t a, uint32_t b) { return regions_[a].key < regions_[b].key; });
  std::sort(series.begin(), series.end(), [&](uint32_t a, uint32_t b) {
    const Series &x = series_[a], &y = series_[b];
    return x.metric_id != y.metric_id ? x.metric_id < y.metric_id : x.unit < y.unit;
  });
  std::vector<uint32_t> region_rank(regions_.size()), series_rank(series_.size());
  for (size_t i = 0; i < regions.size(); ++i) region_rank[regions[i]] = static_cast<uint32_t>(i);
  for (size_t i = 0; i < series.size(); ++i) series_rank[series[i]] = static_cast<uint32_t>(i);
  auto rank = [&](RollupId id) {
    return uint64_t{region_rank[static_cast<uint32_t>(id >> 32)]} << 32 | series_rank[static_cast<uint32_t>(id)];
  };
  std::sort(ids.begin(), ids.end(), [&](RollupId a, RollupId b) { return rank(a) < rank(b); });
  return ids;
}

void RollupTable::ForEachTouched(const std::function<void(apb::Rollup&)>& rollup_fn,
                                 const std::function<void(apb::RegionCount&)>& region_fn) const {
  apb::Rollup out;  // cleared, not rebuilt: its strings keep their capacity
  for (RollupId id : SortedRollups(touched_rollups_)) {
    out.Clear();
    const auto it = rollups_.find(id);
    const bool empty = it == rollups_.end() || (it->second.count == 0 && it->second.documents == 0);
    if (it != rollups_.end()) {
      ToProto(id, &it->second, /*histogram=*/false, &out);
      if (empty) SetStatistics(0, 0, ValueHistogram(), &out);
    } else {
      ToProto(id, nullptr, false, &out);
    }
    rollup_fn(out);
  }
  std::vector<uint32_t> regions = touched_regions_;
  std::sort(regions.begin(), regions.end(),
            [&](uint32_t a, uint32_t b) { return regions_[a].key < regions_[b].key; });
  apb::RegionCount region_out;
  for (uint32_t index : regions) {
    region_out.Clear();
    ToProto(regions_[index], &region_out);
    region_fn(region_out);
  }
}

void RollupTable::DropEmptyTouched() {
  // Backed: an empty rollup stays until the checkpoint deletes its stored
  // form, else a miss would read that (stale) form back.
  if (loader_) return;
  for (RollupId id : touched_rollups_) {
    auto it = rollups_.find(id);
    if (it != rollups_.end() && it->second.count == 0 && it->second.documents == 0) Erase(it);
  }
}

void RollupTable::MarkAllDirty() {
  for (auto& [id, r] : rollups_) {
    if (!r.dirty) {
      r.dirty = true;
      dirty_rollups_.push_back(id);
    }
  }
  for (uint32_t i = 0; i < regions_.size(); ++i) {
    if (!regions_[i].dirty) {
      regions_[i].dirty = true;
      dirty_regions_.push_back(i);
    }
  }
}

template <typename Fn>
void RollupTable::VisitDirty(std::span<const RollupId> ids, Fn&& fn) const {
  for (RollupId id : ids) {
    const std::string key = RollupKeyOf(id);
    const auto it = rollups_.find(id);
    const bool removed = it == rollups_.end() || (it->second.count == 0 && it->second.documents == 0);
    fn(id, key, removed ? nullptr : &it->second);
  }
}

void RollupTable::ForEachDirtyRollup(std::span<const RollupId> ids,
                                     const std::function<void(const std::string&, const apb::Rollup*)>& fn) const {
  apb::Rollup out;
  VisitDirty(ids, [&](RollupId id, const std::string& key, const Rollup* r) {
    if (r == nullptr) return fn(key, nullptr);
    out.Clear();
    ToProto(id, r, /*histogram=*/true, &out);
    fn(key, &out);
  });
}

namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

// Fields written as protobuf writes them, into a buffer sized beforehand: in
// field order, proto3 defaults (0, empty, a double whose bits are all zero)
// left out.
struct WireWriter {
  uint8_t* p;
  void Tag(int field, WireFormatLite::WireType type) {
    p = CodedOutputStream::WriteTagToArray(WireFormatLite::MakeTag(field, type), p);
  }
  void Varint(int field, uint64_t v) {
    if (v == 0) return;
    Tag(field, WireFormatLite::WIRETYPE_VARINT);
    p = CodedOutputStream::WriteVarint64ToArray(v, p);
  }
  void Enum(int field, int32_t v) { Varint(field, static_cast<uint64_t>(static_cast<int64_t>(v))); }  // int32: sign-extended
  void Double(int field, double v) {
    const uint64_t bits = WireFormatLite::EncodeDouble(v);
    if (bits == 0) return;
    Tag(field, WireFormatLite::WIRETYPE_FIXED64);
    p = CodedOutputStream::WriteLittleEndian64ToArray(bits, p);
  }
  void Length(int field, size_t n) {
    Tag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(n), p);
  }
  void Bytes(int field, std::string_view v) {
    if (v.empty()) return;
    Length(field, v.size());
    p = CodedOutputStream::WriteRawToArray(v.data(), static_cast<int>(v.size()), p);
  }
};

// Bytes a length-delimited field of `n` bytes takes at most (tag of a field
// number below 2048, length, the bytes).
constexpr size_t kMaxFieldHead = 2 + 5;

size_t KeySize(int32_t level, std::string_view name, int32_t year, std::string_view metric, std::string_view code,
               int32_t source_level, std::string_view unit) {
  auto varint = [](int32_t v) -> size_t {
    return v == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(static_cast<uint64_t>(static_cast<int64_t>(v)));
  };
  auto bytes = [](std::string_view v) -> size_t {
    return v.empty() ? 0 : 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(v.size())) + v.size();
  };
  return varint(level) + bytes(name) + varint(year) + bytes(metric) + bytes(code) + varint(source_level) + bytes(unit);
}

}  // namespace

std::string_view RollupTable::SerializeStored(RollupId id, const Rollup& r, std::vector<uint8_t>* buffer) const {
  const Region& region = regions_[static_cast<uint32_t>(id >> 32)];
  const Series& series = series_[static_cast<uint32_t>(id)];
  const size_t key_size = KeySize(region.level, region.name, region.year, series.metric_id, region.code,
                                  region.source_level, series.unit);
  size_t bound = kMaxFieldHead + key_size + 6 * 12 + 7 * 9 + kMaxFieldHead + series.unit.size() +
                 2 * kMaxFieldHead + r.values.distinct() * (8 + 10);
  for (const auto& [unit, n] : r.units) bound += 2 * kMaxFieldHead + units_[unit].size() + 11;
  if (buffer->size() < bound) buffer->resize(std::max(bound, 2 * buffer->size()));
  WireWriter o{buffer->data()};
  o.Length(1, key_size);  // key = 1
  o.Enum(1, region.level);
  o.Bytes(2, region.name);
  o.Enum(3, region.year);
  o.Bytes(4, series.metric_id);
  o.Bytes(5, region.code);
  o.Enum(6, region.source_level);
  o.Bytes(7, series.unit);
  o.Varint(2, r.documents);
  o.Varint(3, r.count);
  // As SetStatistics: without values, statistics 0 and no unit or approx_share.
  const bool has_values = r.count != 0 && !r.values.empty();
  Statistics st;
  if (has_values) st = StatisticsOf(r.values, r.count, static_cast<apb::RollupStatistic>(r.statistic));
  o.Double(4, st.sum);
  o.Double(5, st.min);
  o.Double(6, st.max);
  o.Double(7, st.mean);
  o.Double(8, st.median);
  o.Double(9, st.p90);
  if (has_values) o.Double(10, static_cast<double>(r.approx_count) / static_cast<double>(r.count));
  if (has_values) o.Bytes(13, series.unit);
  o.Varint(14, r.approx_count);
  for (const auto& [unit, n] : r.units) {  // map<string, uint64> units = 16: entries of key = 1, value = 2
    const std::string& name = units_[unit];
    // A map entry writes its key and value even when empty or 0.
    o.Length(16, 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(name.size())) + name.size() + 1 +
                     CodedOutputStream::VarintSize64(n));
    o.Length(1, name.size());
    o.p = CodedOutputStream::WriteRawToArray(name.data(), static_cast<int>(name.size()), o.p);
    o.Tag(2, WireFormatLite::WIRETYPE_VARINT);
    o.p = CodedOutputStream::WriteVarint64ToArray(n, o.p);
  }
  if (!r.values.empty()) {  // packed: hist_values = 17, hist_counts = 18
    o.Length(17, r.values.distinct() * sizeof(double));
    size_t counts_size = 0;
    r.values.Visit([&](double value, uint64_t n) {
      o.p = CodedOutputStream::WriteLittleEndian64ToArray(WireFormatLite::EncodeDouble(value), o.p);
      counts_size += CodedOutputStream::VarintSize64(n);
    });
    o.Length(18, counts_size);
    r.values.Visit([&](double, uint64_t n) { o.p = CodedOutputStream::WriteVarint64ToArray(n, o.p); });
  }
  o.Enum(19, r.metric_kind);
  o.Enum(20, r.statistic);
  o.Varint(21, r.mentions);
  return std::string_view(reinterpret_cast<const char*>(buffer->data()), static_cast<size_t>(o.p - buffer->data()));
}

void RollupTable::ForEachDirtyRollupSerialized(
    std::span<const RollupId> ids, const std::function<void(const std::string&, const std::string_view*)>& fn) const {
  std::vector<uint8_t> buffer;
  VisitDirty(ids, [&](RollupId id, const std::string& key, const Rollup* r) {
    if (r == nullptr) return fn(key, nullptr);
    const std::string_view bytes = SerializeStored(id, *r, &buffer);
    fn(key, &bytes);
  });
}

void RollupTable::ForEachDirtyRegion(const std::function<void(const std::string&, const apb::RegionCount*)>& region_fn) const {
  for (uint32_t index : dirty_regions_) {
    const Region& region = regions_[index];
    if (region.documents == 0) {
      region_fn(region.key, nullptr);
      continue;
    }
    apb::RegionCount out;
    ToProto(region, &out);
    region_fn(region.key, &out);
  }
}

void RollupTable::ClearDirty() {
  for (RollupId id : dirty_rollups_) {
    auto it = rollups_.find(id);
    if (it == rollups_.end()) continue;
    if (it->second.count == 0 && it->second.documents == 0) {
      Erase(it);  // its stored form was deleted
    } else {
      it->second.dirty = false;
      regions_[static_cast<uint32_t>(id >> 32)].stored = true;
    }
  }
  for (uint32_t index : dirty_regions_) regions_[index].dirty = false;
  dirty_rollups_.clear();
  dirty_regions_.clear();
}

void RollupTable::SetCoverage(apb::Rollup* out) const {
  uint32_t n = 0;
  if (auto it = region_index_.find(std::string(stream::RegionKeyOf(out->key()))); it != region_index_.end()) {
    n = regions_[it->second].documents;
  }
  out->set_region_documents(n);
  out->set_coverage(n ? static_cast<double>(out->documents()) / n : 0.0);
}

void RollupTable::FinishStored(apb::Rollup* stored) const {
  if (stored->histogram_size() > 0) {  // a store written before packed histograms
    ValueHistogram values;
    for (const auto& vc : stored->histogram()) values.Add(vc.value(), static_cast<int64_t>(vc.count()));
    for (int i = 0; i < stored->hist_values_size(); ++i) {
      values.Add(stored->hist_values(i), static_cast<int64_t>(stored->hist_counts(i)));
    }
    stored->clear_histogram();
    stored->clear_hist_values();
    stored->clear_hist_counts();
    values.Visit([&](double value, uint64_t n) {
      stored->add_hist_values(value);
      stored->add_hist_counts(n);
    });
  }
  FinishRollup(stored);
  SetCoverage(stored);
}

Status RollupTable::ForEachRollup(const std::function<void(const apb::Rollup&)>& fn,
                                  const StoredRollupScan& stored) const {
  std::vector<RollupId> ids;
  ids.reserve(rollups_.size());
  for (const auto& [id, r] : rollups_) ids.push_back(id);  // empty ones too: they hide a stored form
  const std::vector<RollupId> sorted = SortedRollups(std::move(ids));
  std::string next_key;  // the store key of sorted[next]
  auto key_of_next = [&](size_t next) -> const std::string& {
    next_key = RollupKeyOf(sorted[next]);
    return next_key;
  };
  auto emit_memory = [&](RollupId id) {
    const Rollup& r = rollups_.at(id);
    if (r.count == 0 && r.documents == 0) return;
    apb::Rollup out;
    ToProto(id, &r, /*histogram=*/true, &out);
    SetCoverage(&out);
    fn(out);
  };
  size_t next = 0;
  if (loader_) {
    Status parsed;
    RETURN_IF_ERROR(stored([&](std::string_view key, std::string_view value) {
      for (; next < sorted.size() && key_of_next(next) < key; ++next) emit_memory(sorted[next]);
      if (next < sorted.size() && key_of_next(next) == key) {
        emit_memory(sorted[next++]);  // in memory: newer than (or equal to) the stored form
        return true;
      }
      apb::Rollup out;
      if (!out.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        parsed = Status::Corruption("unparsable entry in rollups");
        return false;
      }
      FinishStored(&out);
      fn(out);
      return true;
    }));
    RETURN_IF_ERROR(parsed);
  }
  for (; next < sorted.size(); ++next) emit_memory(sorted[next]);
  return Status::OK();
}

Result<size_t> RollupTable::Evict(size_t target_bytes,
                                  const std::function<Status(const std::string&, const std::string_view*)>& put,
                                  const std::function<Status()>& flush) {
  if (!loader_ || bytes() <= target_bytes) return size_t{0};
  std::vector<std::pair<uint32_t, RollupId>> by_age;  // (epoch, id)
  by_age.reserve(rollups_.size());
  for (const auto& [id, r] : rollups_) by_age.emplace_back(r.epoch, id);
  std::sort(by_age.begin(), by_age.end());
  std::vector<RollupId> chosen, changed;
  size_t left = bytes();
  for (const auto& [epoch, id] : by_age) {
    if (left <= target_bytes) break;
    const Rollup& r = rollups_.at(id);
    left -= std::min(left, BytesOf(r));
    chosen.push_back(id);
    if (r.dirty) changed.push_back(id);
  }
  Status written;
  std::vector<uint8_t> buffer;
  VisitDirty(SortedRollups(changed), [&](RollupId id, const std::string& key, const Rollup* r) {
    if (!written.ok()) return;
    if (r == nullptr) {
      written = put(key, nullptr);
      return;
    }
    const std::string_view bytes = SerializeStored(id, *r, &buffer);
    written = put(key, &bytes);
  });
  RETURN_IF_ERROR(written);
  RETURN_IF_ERROR(flush());
  for (RollupId id : chosen) {
    auto it = rollups_.find(id);
    if (it->second.count != 0 || it->second.documents != 0) regions_[static_cast<uint32_t>(id >> 32)].stored = true;
    Erase(it);
  }
  if (!changed.empty()) {
    // Written: no longer changed since the checkpoint (the rest stays dirty).
    dirty_rollups_.erase(std::remove_if(dirty_rollups_.begin(), dirty_rollups_.end(),
                                        [&](RollupId id) { return rollups_.find(id) == rollups_.end(); }),
                         dirty_rollups_.end());
  }
  return chosen.size();
}

void RollupTable::ForEachRegion(const std::function<void(const apb::RegionCount&)>& fn) const {
  std::vector<const Region*> sorted;
  for (const Region& r : regions_) {
    if (r.documents != 0) sorted.push_back(&r);
  }
  std::sort(sorted.begin(), sorted.end(), [](const Region* a, const Region* b) { return a->key < b->key; });
  for (const Region* r : sorted) {
    apb::RegionCount out;
    ToProto(*r, &out);
    fn(out);
  }
}

// One rollup besides its values: the hash node with the Rollup (a 128-byte
// allocation, its first block, first value and first unit inline) and its
// slot (8 bytes and a control byte, at a load of 7/16 to 7/8); one distinct
// value: an Entry (12 bytes) with the slack of its block's vector (capacities
// double), once the histogram outgrows its inline value.
size_t RollupTable::BytesOf(const Rollup& r) { return 128 + r.values.distinct() * kBytesPerValue; }

size_t RollupTable::bytes() const {
  size_t n = regions_.capacity() * sizeof(Region) + series_.capacity() * sizeof(Series);
  n += regions_.size() * 128;  // keys, names, codes and the index entry of each region
  return n + rollups_.size() * BytesOf(Rollup()) + distinct_values_ * kBytesPerValue;
}

}  // namespace reportflow::aggregate
