// HotCache: take/put semantics and the memory budget.
#include "services/aggregate/hot_cache.h"

#include <gtest/gtest.h>

namespace reportflow::aggregate {
namespace {

HotCache<std::string> Cache(size_t budget) {
  return HotCache<std::string>(budget, [](const std::string& v) { return v.size(); });
}

TEST(HotCacheTest, TakeRemovesAndPutReplaces) {
  auto cache = Cache(1 << 20);
  EXPECT_FALSE(cache.Take("a").has_value());
  cache.Put("a", "one");
  cache.Put("a", "two");
  EXPECT_EQ(cache.size(), 1u);
  auto v = cache.Take("a");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, "two");
  EXPECT_FALSE(cache.Take("a").has_value()) << "a taken entry is the caller's until it is put back";
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(HotCacheTest, StaysWithinItsBudgetAndKeepsTheRecentEntries) {
  const size_t budget = 64 << 10;
  auto cache = Cache(budget);
  const std::string value(400, 'x');
  for (int i = 0; i < 10000; ++i) {
    cache.Put("k" + std::to_string(i), value);
    ASSERT_LE(cache.bytes(), budget);
  }
  EXPECT_GT(cache.size(), 0u);
  EXPECT_TRUE(cache.Take("k9999").has_value());
  EXPECT_FALSE(cache.Take("k0").has_value());
}

TEST(HotCacheTest, EraseForgetsBothGenerations) {
  auto cache = Cache(2000);
  cache.Put("old", std::string(400, 'o'));
  for (int i = 0; i < 3; ++i) cache.Put("y" + std::to_string(i), std::string(400, 'y'));  // "old" moves to the old generation
  cache.Erase("old");
  EXPECT_FALSE(cache.Take("old").has_value());
}

}  // namespace
}  // namespace reportflow::aggregate
