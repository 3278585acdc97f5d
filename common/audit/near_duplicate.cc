#include "common/audit/near_duplicate.h"

#include <xxhash.h>

#include <algorithm>
#include <unordered_map>

namespace reportflow::audit {

std::vector<uint32_t> ClauseGrams(const extract::v1::TextFingerprint& fp, int clauses) {
  const auto& h = fp.masked();
  const int n = h.size();
  std::vector<uint32_t> out;
  if (n == 0 || clauses < 1) return out;
  const int k = std::min(n, clauses);
  out.reserve(static_cast<size_t>(n - k + 1));
  for (int i = 0; i + k <= n; ++i) {
    out.push_back(static_cast<uint32_t>(XXH3_64bits(h.data() + i, sizeof(uint64_t) * static_cast<size_t>(k))));
  }
  return out;
}

double AlignedSimilarity(std::span<const uint32_t> a, std::span<const float> wa, std::span<const uint32_t> b,
                         std::span<const float> wb) {
  double total = 0;
  for (float w : wa) total += w;
  for (float w : wb) total += w;
  if (a.empty() || b.empty() || total <= 0) return 0;
  // Row by row over a; row[j] = heaviest common subsequence of a[0..i) and b[0..j).
  std::vector<float> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    const uint32_t x = a[i];
    const float w = wa[i];
    for (size_t j = 0; j < b.size(); ++j) {
      float v = std::max(prev[j + 1], cur[j]);
      if (b[j] == x) v = std::max(v, prev[j] + w);
      cur[j + 1] = v;
    }
    std::swap(prev, cur);
  }
  return std::min(1.0, 2.0 * prev[b.size()] / total);
}

PairComparison Compare(const extract::v1::TextFingerprint& a, const extract::v1::TextFingerprint& b,
                       const GramWeight& weight) {
  PairComparison out;
  const std::vector<uint32_t> ga = ClauseGrams(a), gb = ClauseGrams(b);
  std::vector<float> wa, wb;
  wa.reserve(ga.size());
  wb.reserve(gb.size());
  for (uint32_t g : ga) wa.push_back(weight ? weight(g) : 1.0f);
  for (uint32_t g : gb) wb.push_back(weight ? weight(g) : 1.0f);
  out.similarity = AlignedSimilarity(ga, wa, gb, wb);
  FindSharedPassages(a, b, &out);
  return out;
}

void FindSharedPassages(const extract::v1::TextFingerprint& a, const extract::v1::TextFingerprint& b,
                        PairComparison* out) {
  out->passages.clear();
  out->numbers_differ = false;
  out->shared_clauses = 0;
  const auto& am = a.masked();
  const auto& bm = b.masked();
  std::unordered_map<uint64_t, std::vector<int>> where;  // masked hash -> clauses of b
  for (int j = 0; j < bm.size(); ++j) where[bm[j]].push_back(j);
  std::vector<bool> used(static_cast<size_t>(bm.size()), false);
  for (int i = 0; i < am.size();) {
    int best = 0, best_j = -1;
    if (auto it = where.find(am[i]); it != where.end()) {
      for (int j : it->second) {
        if (used[static_cast<size_t>(j)]) continue;
        int len = 0;
        while (i + len < am.size() && j + len < bm.size() && am[i + len] == bm[j + len] &&
               !used[static_cast<size_t>(j + len)]) {
          ++len;
        }
        if (len > best) best = len, best_j = j;
      }
    }
    if (best < static_cast<int>(kMinPassageClauses)) {
      ++i;
      continue;
    }
    SharedPassage p;
    p.a_begin = a.clause_start(i);
    p.a_end = a.clause_end(i + best - 1);
    p.b_begin = b.clause_start(best_j);
    p.b_end = b.clause_end(best_j + best - 1);
    p.clauses = static_cast<uint32_t>(best);
    for (int k = 0; k < best; ++k) {
      used[static_cast<size_t>(best_j + k)] = true;
      if (a.numbered(i + k) != b.numbered(best_j + k)) p.numbers_differ = true;
    }
    out->numbers_differ |= p.numbers_differ;
    out->shared_clauses += p.clauses;
    out->passages.push_back(p);
    i += best;
  }
}

}  // namespace reportflow::audit
