#include "common/audit/gram_filters.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace reportflow::audit {
namespace {

std::vector<GramFilters::Key> KeysOf(const std::vector<uint32_t>& grams) {
  std::vector<GramFilters::Key> keys;
  for (uint32_t g : grams) keys.push_back(GramFilters::KeyOf(g));
  return keys;
}

// The exact weight of `grams` that `other` holds, counted as the bound counts it.
double ExactShared(const std::vector<uint32_t>& grams, const std::vector<float>& weights,
                   const std::vector<uint32_t>& other) {
  double sum = 0;
  for (size_t i = 0; i < grams.size(); ++i) {
    if (std::find(other.begin(), other.end(), grams[i]) != other.end()) sum += weights[i];
  }
  return sum;
}

TEST(GramFiltersTest, TheBoundIsNeverBelowWhatTwoDocumentsShare) {
  std::mt19937 rng(3);
  GramFilters filters;
  std::vector<std::vector<uint32_t>> docs;
  for (int d = 0; d < 300; ++d) {
    std::vector<uint32_t> grams(1 + rng() % 400);
    for (uint32_t& g : grams) g = rng() % 5000;  // a small universe: documents share many grams
    ASSERT_EQ(filters.Add(grams), static_cast<uint32_t>(d));
    docs.push_back(std::move(grams));
  }
  for (int q = 0; q < 300; ++q) {
    std::vector<uint32_t> grams(rng() % 300);
    std::vector<float> weights;
    for (uint32_t& g : grams) {
      g = rng() % 5000;
      weights.push_back(static_cast<float>(rng() % 100) / 10.0f);
    }
    const std::vector<GramFilters::Key> keys = KeysOf(grams);
    for (uint32_t id = 0; id < docs.size(); id += 7) {
      EXPECT_GE(filters.SharedWeightBound(id, keys, weights), ExactShared(grams, weights, docs[id]) - 1e-9);
    }
  }
}

TEST(GramFiltersTest, UnrelatedGramsPassRarely) {
  std::mt19937 rng(5);
  GramFilters filters;
  for (int d = 0; d < 100; ++d) {
    std::vector<uint32_t> grams(150);
    for (uint32_t& g : grams) g = rng() | 1;  // odd
    filters.Add(grams);
  }
  std::vector<uint32_t> probe(1000);
  for (uint32_t& g : probe) g = rng() & ~1u;  // even: no filter holds one
  const std::vector<float> ones(probe.size(), 1.0f);
  const std::vector<GramFilters::Key> keys = KeysOf(probe);
  double passed = 0;
  for (uint32_t id = 0; id < filters.size(); ++id) passed += filters.SharedWeightBound(id, keys, ones);
  const double rate = passed / (static_cast<double>(probe.size()) * static_cast<double>(filters.size()));
  EXPECT_LT(rate, 0.20);  // about 15% by the sizing; every one would pass if the filter were all ones
  EXPECT_GT(filters.MemoryBytes(), 0u);
}

TEST(GramFiltersTest, AnEmptyDocumentSharesNothing) {
  GramFilters filters;
  ASSERT_EQ(filters.Add({}), 0u);
  const std::vector<uint32_t> grams = {1, 2, 3};
  const std::vector<float> weights = {1, 1, 1};
  EXPECT_EQ(filters.SharedWeightBound(0, KeysOf(grams), weights), 0.0);
}

TEST(GramFiltersTest, FiltersSpanManyChunks) {
  GramFilters filters;
  std::vector<std::vector<uint32_t>> docs;
  for (uint32_t d = 0; d < 3000; ++d) {  // 3000 x 600 grams x 4 bits: several 512 KB chunks
    std::vector<uint32_t> grams;
    for (uint32_t i = 0; i < 600; ++i) grams.push_back(d * 1000 + i);
    ASSERT_EQ(filters.Add(grams), d);
    docs.push_back(std::move(grams));
  }
  const std::vector<float> ones(600, 1.0f);
  for (uint32_t d = 0; d < 3000; d += 499) {
    EXPECT_EQ(filters.SharedWeightBound(d, KeysOf(docs[d]), ones), 600.0) << d;
  }
}

}  // namespace
}  // namespace reportflow::audit
