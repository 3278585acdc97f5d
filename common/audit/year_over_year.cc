#include "common/audit/year_over_year.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace reportflow::audit {

std::string JumpRule(bool rate, double previous, double current, const AuditOptions& options) {
  if (rate) return std::fabs(current - previous) > options.yoy_rate_points ? "rate_points" : "";
  const double lo = std::min(std::fabs(previous), std::fabs(current));
  const double hi = std::max(std::fabs(previous), std::fabs(current));
  if (lo == 0) return hi >= options.yoy_factor ? "ratio" : "";
  return hi / lo >= options.yoy_factor ? "ratio" : "";
}

std::vector<YoyRow> YearOverYear(const std::vector<YoyObservation>& observations, const AuditOptions& options) {
  using Key = std::tuple<std::string, std::string, std::string, int>;  // unit key, metric, unit, year
  std::map<Key, YoyRow> cells;
  for (const YoyObservation& o : observations) {
    YoyRow& row = cells[{o.unit_key, o.metric_id, o.unit, o.year}];
    if (row.current.empty()) {
      row.unit_key = o.unit_key;
      row.unit_name = o.unit_name;
      row.metric_id = o.metric_id;
      row.unit = o.unit;
      row.rate = o.rate;
      row.year = o.year;
    }
    row.current.push_back(o);
  }
  for (auto& [key, row] : cells) {
    double sum = 0;
    for (const auto& o : row.current) sum += o.value;
    row.value = row.rate ? sum / static_cast<double>(row.current.size()) : sum;
  }
  std::vector<YoyRow> out;
  out.reserve(cells.size());
  for (auto& [key, row] : cells) {
    const auto& [unit_key, metric, unit, year] = key;
    if (auto prev = cells.find({unit_key, metric, unit, year - 1}); prev != cells.end()) {
      row.previous = prev->second.value;
      row.before = prev->second.current;
      row.change = row.value - *row.previous;
      row.jump = JumpRule(row.rate, *row.previous, row.value, options);
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace reportflow::audit
