#include "services/aggregate/document_values.h"

#include <algorithm>
#include <set>
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

struct Group {
  DocValue out;
  std::vector<const epb::Metric*> eligible;
};

double CanonicalValue(const epb::Metric& m) { return m.canonical_unit().empty() ? m.value() : m.canonical_value(); }

}  // namespace

std::vector<DocValue> DocumentValues(const google::protobuf::RepeatedPtrField<epb::Metric>& metrics) {
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const epb::Metric& m : metrics) {
    const std::string& unit = m.canonical_unit().empty() ? m.unit() : m.canonical_unit();
    Group& g = groups[{m.metric_id(), unit}];
    if (g.out.mentions == 0) {
      g.out.metric_id = m.metric_id();
      g.out.unit = unit;
      g.out.kind = KindOf(m);
    }
    ++g.out.mentions;
    ++g.out.units_written[m.unit()];
    if (Eligible(m, metrics)) g.eligible.push_back(&m);
  }

  std::vector<DocValue> out;
  for (auto& [key, g] : groups) {
    if (g.eligible.empty()) continue;
    std::vector<const epb::Metric*> totals;
    for (const epb::Metric* m : g.eligible) {
      if (m->total()) totals.push_back(m);
    }
    const std::vector<const epb::Metric*>& chosen = totals.empty() ? g.eligible : totals;
    DocValue v = std::move(g.out);
    if (StatisticOf(v.kind) == apb::ROLLUP_STATISTIC_SUM) {
      if (!totals.empty()) {
        const epb::Metric* best = *std::max_element(chosen.begin(), chosen.end(), [](auto* a, auto* b) {
          return CanonicalValue(*a) < CanonicalValue(*b);
        });
        v.value = CanonicalValue(*best);
        v.approx = IsApprox(*best);
      } else {
        std::set<double> seen;
        for (const epb::Metric* m : chosen) {
          if (!seen.insert(CanonicalValue(*m)).second) continue;
          v.value += CanonicalValue(*m);
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
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace reportflow::aggregate
