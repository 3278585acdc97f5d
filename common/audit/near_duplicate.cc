#include "common/audit/near_duplicate.h"

#include <xxhash.h>

#include <algorithm>
#include <unordered_map>

#include "common/audit/fingerprint.h"

namespace reportflow::audit {

std::vector<uint32_t> ClauseGrams(const extract::v1::TextFingerprint& fp, int clauses) {
  const auto& h = fp.masked();
  const int n = h.size();
  std::vector<uint32_t> out;
  if (n == 0 || clauses < 1) return out;
  const int k = std::min(n, clauses);
  out.reserve(static_cast<size_t>(n - k + 1) / kGramSampling + 1);
  for (int i = 0; i + k <= n; ++i) {
    const auto gram = static_cast<uint32_t>(XXH3_64bits(h.data() + i, sizeof(uint32_t) * static_cast<size_t>(k)));
    if (gram % kGramSampling == 0 || k < clauses) out.push_back(gram);
  }
  return out;
}

double AlignedSimilarity(std::span<const uint32_t> a, std::span<const float> wa, std::span<const uint32_t> b,
                         std::span<const float> wb) {
  double total = 0;
  for (float w : wa) total += w;
  for (float w : wb) total += w;
  if (a.empty() || b.empty() || total <= 0) return 0;
  // Sparse form of the dynamic programme: only the pairs (i, j) with
  // a[i] == b[j] can add weight, and two documents share few grams, so the
  // heaviest chain of such pairs increasing in both i and j is found with a
  // prefix-maximum tree over j (Hunt-Szymanski). For each i its pairs are
  // visited by decreasing j, so a chain never takes two pairs of one i.
  std::vector<std::pair<uint32_t, uint32_t>> at_b;  // (gram, j), sorted
  at_b.reserve(b.size());
  for (size_t j = 0; j < b.size(); ++j) at_b.emplace_back(b[j], static_cast<uint32_t>(j));
  std::sort(at_b.begin(), at_b.end());
  std::vector<float> tree(b.size() + 1, 0);  // Fenwick tree of prefix maxima, 1-based over j
  auto best_before = [&](size_t j) {           // max over positions < j
    float m = 0;
    for (size_t k = j; k > 0; k &= k - 1) m = std::max(m, tree[k]);
    return m;
  };
  auto raise = [&](size_t j, float v) {  // position j (0-based) reaches v
    for (size_t k = j + 1; k < tree.size(); k += k & (~k + 1)) tree[k] = std::max(tree[k], v);
  };
  for (size_t i = 0; i < a.size(); ++i) {
    auto hi = std::upper_bound(at_b.begin(), at_b.end(), std::make_pair(a[i], UINT32_MAX));
    auto lo = std::lower_bound(at_b.begin(), hi, std::make_pair(a[i], uint32_t{0}));
    for (auto it = hi; it != lo;) {
      --it;
      raise(it->second, best_before(it->second) + wa[i]);
    }
  }
  return std::min(1.0, 2.0 * best_before(b.size()) / total);
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
  const std::vector<ClauseSpan> as = ClauseSpans(a), bs = ClauseSpans(b);
  if (static_cast<int>(as.size()) != am.size() || static_cast<int>(bs.size()) != bm.size() ||
      a.numbered_size() != am.size() || b.numbered_size() != bm.size()) {
    return;  // malformed: no passage rather than a wrong one
  }
  std::unordered_map<uint32_t, std::vector<int>> where;  // masked hash -> clauses of b
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
    p.a_begin = as[static_cast<size_t>(i)].begin;
    p.a_end = as[static_cast<size_t>(i + best - 1)].end;
    p.b_begin = bs[static_cast<size_t>(best_j)].begin;
    p.b_end = bs[static_cast<size_t>(best_j + best - 1)].end;
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
