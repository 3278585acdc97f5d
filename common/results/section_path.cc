#include "common/results/section_path.h"

#include <algorithm>

namespace reportflow::results {
namespace {

// `sections` is written by ascending id (services/extract), so a heading is
// found by binary search; an unsorted list (hand-made) falls back to a scan.
const extract::v1::SectionHeading* Find(const SectionHeadings& sections, int64_t id) {
  if (id < 0) return nullptr;
  auto it = std::lower_bound(sections.begin(), sections.end(), id,
                             [](const extract::v1::SectionHeading& s, int64_t v) { return s.id() < v; });
  if (it != sections.end() && it->id() == id) return &*it;
  for (const auto& s : sections) {
    if (s.id() == id) return &s;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string_view> SectionPath(const SectionHeadings& sections, const extract::v1::Metric& metric) {
  std::vector<std::string_view> path;
  if (metric.section_path_size() > 0) {
    for (const auto& h : metric.section_path()) path.push_back(h);
    return path;
  }
  int64_t id = metric.section();
  // A parent chain is never longer than the list; a damaged one stops there.
  for (int guard = 0; guard <= sections.size(); ++guard) {
    const extract::v1::SectionHeading* s = Find(sections, id);
    if (s == nullptr) break;
    path.push_back(s->heading());
    id = s->parent();
  }
  std::reverse(path.begin(), path.end());
  return path;
}

std::string JoinedSectionPath(const SectionHeadings& sections, const extract::v1::Metric& metric,
                              std::string_view separator) {
  std::string out;
  for (std::string_view h : SectionPath(sections, metric)) {
    if (!out.empty()) out += separator;
    out += h;
  }
  return out;
}

}  // namespace reportflow::results
