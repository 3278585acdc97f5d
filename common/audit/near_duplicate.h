// Comparing two fingerprints (fingerprint.h): the exact similarity of their
// masked shingle sets, the passages they share and whether the numbers differ
// in them.
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <functional>
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
  double similarity = 0;  // Jaccard of the shingle sets, exact
  std::vector<SharedPassage> passages;  // in the order of document a
  bool numbers_differ = false;          // some passage has other numbers
  uint32_t shared_clauses = 0;
};

// The MinHash estimate of the Jaccard similarity (share of equal minima);
// 0 when either signature is missing.
double EstimateSimilarity(const uint16_t* a, const uint16_t* b, int n);

// Jaccard similarity of two sorted, distinct hash sets.
double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

// Shingles to leave out of the similarity (boilerplate: common to many
// documents); nullptr keeps every shingle.
using ShingleFilter = std::function<bool(uint64_t shingle)>;

// Clauses per shingle of the exact similarity: longer than the MinHash's
// (kShingleClauses), so that sentences every report of a template shares
// rarely line up in the same order for a whole shingle.
inline constexpr int kCompareClauses = 8;
// With a filter: fewer shingles of its own than this in either document means
// similarity 0 (nothing but boilerplate to compare).
inline constexpr size_t kMinOwnShingles = 5;

// The similarity is the Jaccard similarity of the two sets of
// kCompareClauses-clause shingles without the shingles `common` names;
// passages are found on every clause.
PairComparison Compare(const extract::v1::TextFingerprint& a, const extract::v1::TextFingerprint& b,
                       const ShingleFilter& common = nullptr);

}  // namespace reportflow::audit
