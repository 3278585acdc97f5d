#include "services/aggregate/document_values.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

namespace reportflow::aggregate {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;
namespace epb = ::reportflow::extract::v1;

epb::MetricKind KindOf(const epb::Metric& m) {
  if (m.metric_kind() != epb::METRIC_KIND_UNSPECIFIED) return m.metric_kind();
  switch (m.kind()) {
    case cpb::QUANTITY_KIND_PERCENT: return epb::METRIC_KIND_RATE;
    case cpb::QUANTITY_KIND_MONEY: return epb::METRIC_KIND_MONEY;
    case cpb::QUANTITY_KIND_COUNT: return epb::METRIC_KIND_COUNT;
    default: return epb::METRIC_KIND_OTHER;
  }
}

apb::RollupStatistic StatisticOf(epb::MetricKind kind) {
  return kind == epb::METRIC_KIND_COUNT || kind == epb::METRIC_KIND_MONEY ? apb::ROLLUP_STATISTIC_SUM
                                                                          : apb::ROLLUP_STATISTIC_MEAN;
}

namespace {

bool IsApprox(const epb::Metric& m) { return m.approx() != cpb::APPROX_EXACT && m.approx() != cpb::APPROX_UNSPECIFIED; }

bool Eligible(const epb::Metric& m, const google::protobuf::RepeatedPtrField<epb::Metric>& all) {
  switch (m.role()) {
    case epb::QUANTITY_ROLE_TARGET:
    case epb::QUANTITY_ROLE_CHANGE: return false;
    case epb::QUANTITY_ROLE_PART:
      // A part of a total of the same metric is already inside that total.
      return !(m.has_parent() && static_cast<int>(m.parent()) < all.size() &&
               all.Get(static_cast<int>(m.parent())).metric_id() == m.metric_id());
    default: return true;
  }
}

double CanonicalValue(const epb::Metric& m) { return m.canonical_unit().empty() ? m.value() : m.canonical_value(); }

const std::string& CanonicalUnit(const epb::Metric& m) { return m.canonical_unit().empty() ? m.unit() : m.canonical_unit(); }

// One (metric id, canonical unit) key's value from its mentions `group`
// (in document order), all eligible or not.
void AddValueOf(std::span<const epb::Metric* const> group,
                const google::protobuf::RepeatedPtrField<epb::Metric>& all, std::vector<DocValue>* out) {
  DocValue v;
  v.metric_id = group.front()->metric_id();
  v.unit = CanonicalUnit(*group.front());
  v.kind = KindOf(*group.front());
  v.mentions = static_cast<uint32_t>(group.size());
  absl::InlinedVector<const epb::Metric*, 8> eligible, totals;
  for (const epb::Metric* m : group) {
    const std::string_view written = m->unit();
    auto at = std::lower_bound(v.units_written.begin(), v.units_written.end(), written,
                               [](const auto& e, std::string_view u) { return e.first < u; });
    if (at != v.units_written.end() && at->first == written) {
      ++at->second;
    } else {
      v.units_written.insert(at, {written, 1});
    }
    if (!Eligible(*m, all)) continue;
    eligible.push_back(m);
    if (m->total()) totals.push_back(m);
  }
  if (eligible.empty()) return;
  const auto& chosen = totals.empty() ? eligible : totals;
  if (StatisticOf(v.kind) == apb::ROLLUP_STATISTIC_SUM) {
    if (!totals.empty()) {
      const epb::Metric* best = *std::max_element(chosen.begin(), chosen.end(), [](auto* a, auto* b) {
        return CanonicalValue(*a) < CanonicalValue(*b);
      });
      v.value = CanonicalValue(*best);
      v.approx = IsApprox(*best);
    } else {
      absl::InlinedVector<double, 8> seen;
      for (const epb::Metric* m : chosen) {
        const double value = CanonicalValue(*m);
        if (std::find(seen.begin(), seen.end(), value) != seen.end()) continue;
        seen.push_back(value);
        v.value += value;
        v.approx = v.approx || IsApprox(*m);
      }
    }
  } else {
    for (const epb::Metric* m : chosen) {
      v.value += CanonicalValue(*m);
      v.approx = v.approx || IsApprox(*m);
    }
    v.value /= static_cast<double>(chosen.size());
  }
  out->push_back(std::move(v));
}

}  // namespace

std::vector<DocValue> DocumentValues(const google::protobuf::RepeatedPtrField<epb::Metric>& metrics) {
  // The mentions grouped by (metric id, canonical unit), each group in
  // document order, so sums and means add in that order.
  auto key = [&](uint32_t i) {
    const epb::Metric& m = metrics.Get(static_cast<int>(i));
    return std::pair<std::string_view, std::string_view>(m.metric_id(), CanonicalUnit(m));
  };
  std::vector<uint32_t> order(static_cast<size_t>(metrics.size()));
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const auto ka = key(a), kb = key(b);
    return ka != kb ? ka < kb : a < b;
  });
  std::vector<DocValue> out;
  absl::InlinedVector<const epb::Metric*, 8> group;
  for (size_t begin = 0; begin < order.size();) {
    group.clear();
    size_t end = begin;
    for (; end < order.size() && key(order[end]) == key(order[begin]); ++end) {
      group.push_back(&metrics.Get(static_cast<int>(order[end])));
    }
    AddValueOf(group, metrics, &out);
    begin = end;
  }
  return out;
}

}  // namespace reportflow::aggregate
