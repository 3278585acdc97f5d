#include "services/ingest/credit_pool.h"

#include <map>

#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {

TEST(CreditPoolTest, SpreadsWorkOverWorkersThatAsked) {
  CreditPool pool;
  EXPECT_FALSE(pool.Take().has_value());
  pool.Set("a", 2, 0);
  pool.Set("b", 2, 0);
  std::map<std::string, int> taken;
  for (int i = 0; i < 4; ++i) taken[*pool.Take()]++;
  EXPECT_EQ(taken["a"], 2);
  EXPECT_EQ(taken["b"], 2);
  EXPECT_FALSE(pool.Take().has_value());
}

TEST(CreditPoolTest, SetReplacesAddAccumulates) {
  CreditPool pool;
  pool.Set("a", 4, 0);
  pool.Set("a", 4, 0);  // a heartbeat does not inflate credits
  EXPECT_EQ(pool.total(), 4u);
  pool.Add("a", 1, 0);
  EXPECT_EQ(pool.total(), 5u);
}

TEST(CreditPoolTest, ExpiresSilentWorkers) {
  CreditPool pool;
  pool.Set("old", 3, 100);
  pool.Set("new", 3, 900);
  EXPECT_EQ(pool.ExpireSilent(500), 1u);
  EXPECT_EQ(pool.total(), 3u);
  EXPECT_EQ(*pool.Take(), "new");
  pool.Remove("new");
  EXPECT_EQ(pool.workers(), 0u);
}

}  // namespace
}  // namespace reportflow::ingest
