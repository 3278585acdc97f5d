#include "common/audit/near_duplicate.h"

#include <unordered_map>

#include "common/audit/fingerprint.h"

namespace reportflow::audit {

double EstimateSimilarity(const uint16_t* a, const uint16_t* b, int n) {
  if (n <= 0) return 0;
  int equal = 0;
  for (int i = 0; i < n; ++i) equal += a[i] == b[i];
  return static_cast<double>(equal) / n;
}

double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() || b.empty()) return 0;
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++common, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

PairComparison Compare(const extract::v1::TextFingerprint& a, const extract::v1::TextFingerprint& b,
                       const ShingleFilter& common) {
  PairComparison out;
  std::vector<uint64_t> sa = Shingles(a, kCompareClauses), sb = Shingles(b, kCompareClauses);
  if (common) {
    std::erase_if(sa, common);
    std::erase_if(sb, common);
  }
  // With boilerplate left out, a document with almost no text of its own
  // gives no evidence either way (two such documents would be "identical").
  out.similarity = common && (sa.size() < kMinOwnShingles || sb.size() < kMinOwnShingles) ? 0 : Jaccard(sa, sb);
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
    out.numbers_differ |= p.numbers_differ;
    out.shared_clauses += p.clauses;
    out.passages.push_back(p);
    i += best;
  }
  return out;
}

}  // namespace reportflow::audit
