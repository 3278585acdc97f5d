// RollupTable's checkpoint order: the dirty rollups come out in the order of
// their store keys (a checkpoint writes them in that order, in halves of
// contiguous keys on two threads), ranked without building the keys.
#include "services/aggregate/rollup_table.h"

#include <random>
#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;

// Names and ids chosen so that one is a prefix of another, codes of several
// lengths, names beside codes, and county-level reports beside township ones.
apb::DocContribution Contribution(std::mt19937& rng, int i) {
  static const char* const kTownships[] = {"花溪", "花溪乡", "花溪乡二", "A", "AB", "Ab", "石门"};
  static const char* const kCounties[] = {"巫溪县", "巫溪", "巫溪县城", "Z"};
  static const char* const kMetrics[] = {"a.b", "a.bc", "a.b.c", "ab", "mediation.cases", "mediation"};
  static const char* const kUnits[] = {"件", "", "%", "人", "件次"};
  apb::DocContribution d;
  d.set_doc_id("doc-" + std::to_string(i));
  auto* meta = d.mutable_metadata();
  meta->set_township(kTownships[rng() % 7]);
  meta->set_county(kCounties[rng() % 4]);
  meta->set_city("市");
  meta->set_province("省");
  if (rng() % 3 == 0) meta->set_township_code(std::to_string(100000000 + rng() % 7));
  if (rng() % 2 == 0) meta->set_county_code(std::to_string(100000 + rng() % 4));
  meta->set_year(static_cast<int>(2019 + rng() % 7));
  meta->set_unit_level(rng() % 4 == 0 ? cpb::REGION_LEVEL_COUNTY : cpb::REGION_LEVEL_TOWNSHIP);
  for (int m = 0; m < 4; ++m) {
    auto* metric = d.add_metrics();
    metric->set_metric_id(kMetrics[rng() % 6]);
    const char* unit = kUnits[rng() % 5];
    metric->set_unit(unit);
    metric->set_canonical_unit(unit);
    metric->set_kind(cpb::QUANTITY_KIND_COUNT);
    const double value = static_cast<double>(rng() % 50);
    metric->set_value(value);
    metric->set_canonical_value(value);
  }
  return d;
}

TEST(RollupTableTest, DirtyRollupsComeInStoreKeyOrder) {
  RollupTable table;
  std::mt19937 rng(17);
  for (int i = 0; i < 400; ++i) ASSERT_OK(table.Contribute(Contribution(rng, i), +1));
  const std::vector<RollupTable::RollupId> ids = table.DirtyRollups();
  ASSERT_EQ(ids.size(), table.rollup_count());
  ASSERT_GT(ids.size(), 500u) << "enough rollups to mix every case";
  std::vector<std::string> keys;
  table.ForEachDirtyRollup(ids, [&](const std::string& key, const apb::Rollup*) { keys.push_back(key); });
  ASSERT_EQ(keys.size(), ids.size());
  for (size_t i = 1; i < keys.size(); ++i) {
    ASSERT_LT(keys[i - 1], keys[i]) << "at " << i;  // ascending and distinct, bytewise as the store
  }
}

}  // namespace
}  // namespace reportflow::aggregate
