#include "cli/near_match.h"

#include <algorithm>
#include <set>

#include "common/text/utf8.h"

namespace reportflow::cli {
size_t EditDistance(const std::string& a, const std::string& b) {
  const std::u32string x = text::ToUtf32(a), y = text::ToUtf32(b);
  std::vector<size_t> row(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= x.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= y.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (x[i - 1] == y[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[y.size()];
}

std::vector<std::string> NearMatches(const std::string& query, const std::vector<std::string>& candidates,
                                     size_t max) {
  if (query.empty()) return {};
  const size_t limit = std::max<size_t>(1, text::ToUtf32(query).size() / 3);
  std::vector<std::pair<size_t, size_t>> scored;  // (distance, index)
  std::set<std::string> seen;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::string& c = candidates[i];
    if (c.empty() || !seen.insert(c).second) continue;
    const size_t d = EditDistance(query, c);
    const bool contains = c.find(query) != std::string::npos || query.find(c) != std::string::npos;
    if (d <= limit || contains) scored.emplace_back(d, i);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [d, i] : scored) {
    if (out.size() >= max) break;
    out.push_back(candidates[i]);
  }
  return out;
}

std::string DidYouMean(const std::vector<std::string>& matches) {
  if (matches.empty()) return "";
  std::string out = "; did you mean ";
  for (size_t i = 0; i < matches.size(); ++i) out += (i ? ", '" : "'") + matches[i] + "'";
  return out + "?";
}

}  // namespace reportflow::cli
