// PageArray: filled on creation, moved without copying, its pages gone (not
// resident) once it is replaced.
#include "common/base/page_array.h"

#include <cstdint>
#include <fstream>
#include <string>

#include "tests/testing/test_util.h"

namespace reportflow {
namespace {

struct Pair {
  uint32_t key = 0;
  uint32_t value = 0;
};

// This process's resident anonymous memory, in kB (RssAnon).
long RssAnonKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
  }
  return -1;
}

TEST(PageArrayTest, FilledMovedAndReplaced) {
  PageArray<Pair> a(1000, Pair{0, 0xFFFFFFFFu});
  ASSERT_EQ(a.size(), 1000u);
  for (const Pair& p : a) EXPECT_EQ(p.value, 0xFFFFFFFFu);
  a[7] = {3, 4};
  const Pair* data = &a[0];
  PageArray<Pair> b = std::move(a);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(&b[0], data) << "moved, not copied";
  EXPECT_EQ(b[7].value, 4u);
  b = PageArray<Pair>(10, Pair{1, 2});
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(b[9].key, 1u);
  EXPECT_TRUE(PageArray<Pair>().empty());
}

TEST(PageArrayTest, AReplacedArraysPagesLeaveAtOnce) {
  const long before = RssAnonKb();
  if (before < 0) GTEST_SKIP() << "no /proc/self/status RssAnon";
  {
    PageArray<Pair> big(8 << 20, Pair{1, 1});  // 64 MB, every page written
    EXPECT_GE(RssAnonKb() - before, 60 << 10);
  }
  EXPECT_LT(RssAnonKb() - before, 8 << 10) << "unmapped when destroyed";
}

}  // namespace
}  // namespace reportflow
