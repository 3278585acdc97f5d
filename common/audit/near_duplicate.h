// Comparing two fingerprints (fingerprint.h): how much of their masked clause
// sequence they share in order, each part weighted by how rare it is, the
// passages they share and whether the numbers differ in them.
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::audit {

// A passage two documents share: a run of at least kMinPassageClauses
// consecutive clauses whose masked hashes are equal, as byte spans in both.
struct SharedPassage {
  uint32_t a_begin = 0, a_end = 0;
  uint32_t b_begin = 0, b_end = 0;
  uint32_t clauses = 0;
  // Some clause of the passage is equal masked and different unmasked: the
  // same sentence with other numbers (names are masked in both hashes).
  bool numbers_differ = false;
};

inline constexpr uint32_t kMinPassageClauses = 3;

struct PairComparison {
  double similarity = 0;  // AlignedSimilarity of the clause grams
  std::vector<SharedPassage> passages;  // in the order of document a
  bool numbers_differ = false;          // some passage has other numbers
  uint32_t shared_clauses = 0;
};

// Clauses per gram of the similarity. One gram is a run of kGramClauses
// consecutive masked clauses: a single clause ("组织开展法治宣传活动#场次")
// is shared by every report of a template, a run of four rarely is unless one
// text was taken from the other; an edited sentence breaks the few grams that
// overlap it, and the alignment (below) keeps the rest.
inline constexpr int kGramClauses = 4;

// Grams are sampled by content: a gram is kept when its hash is even, so both
// sides of a comparison keep the same grams of the text they share, and the
// similarity of the kept grams estimates that of all of them (mod-p sampling,
// Broder 1997) at half the counting, weighing, memory and alignment.
inline constexpr uint32_t kGramSampling = 2;

// The kept grams of a fingerprint in text order (not deduplicated), as 32-bit
// hashes; a text shorter than `clauses` is one gram (kept whatever its hash).
std::vector<uint32_t> ClauseGrams(const extract::v1::TextFingerprint& fp, int clauses = kGramClauses);

// Weighted alignment of two gram sequences: the heaviest common subsequence
// (grams equal and in the same order in both; `wa`/`wb` give each gram's
// weight, the same gram weighing the same in both), as a share of the mean
// weight of the two: 2 x shared / (weight of a + weight of b), in [0, 1].
// A copy keeps its source's order, so an inserted or dropped sentence costs
// only the grams it breaks; two independent reports of one template share
// their stock grams, which weigh little, in an order that rarely lines up.
// O((|a| + r) log |b|) time for r pairs of equal grams, O(|b|) memory.
double AlignedSimilarity(std::span<const uint32_t> a, std::span<const float> wa, std::span<const uint32_t> b,
                         std::span<const float> wb);

// The weight of a gram as evidence that one text was taken from the other:
// small for text many reports share (AuditKeeper weighs ln(documents /
// documents with the gram)); nullptr weighs every gram 1.
using GramWeight = std::function<float(uint32_t gram)>;

// The similarity (AlignedSimilarity of the kGramClauses grams, weighted by
// `weight`) and the shared passages, found on every clause.
PairComparison Compare(const extract::v1::TextFingerprint& a, const extract::v1::TextFingerprint& b,
                       const GramWeight& weight = nullptr);

// The shared passages of `a` and `b` into `out` (passages, numbers_differ,
// shared_clauses); the similarity is left as it is.
void FindSharedPassages(const extract::v1::TextFingerprint& a, const extract::v1::TextFingerprint& b,
                        PairComparison* out);

}  // namespace reportflow::audit
