// RollupTable's checkpoint order: the dirty rollups come out in the order of
// their store keys (a checkpoint writes them in that order, in halves of
// contiguous keys on two threads), ranked without building the keys.
#include "services/aggregate/rollup_table.h"

#include <optional>
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

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

// A checkpoint writes each rollup serialized straight from the table: the
// bytes parse to the very message ToProto builds (ForEachDirtyRollup), for
// counts and rates, exact and approximate values, several units as written,
// rollups emptied by a removal (nullptr), and histograms of many values.
TEST(RollupTableTest, SerializedStoredFormsEqualTheMessages) {
  RollupTable table;
  std::mt19937 rng(23);
  std::vector<apb::DocContribution> docs;
  for (int i = 0; i < 600; ++i) {
    apb::DocContribution d = Contribution(rng, i);
    for (int m = 0; m < d.metrics_size(); ++m) {
      auto* metric = d.mutable_metrics(m);
      if (rng() % 3 == 0) metric->set_kind(cpb::QUANTITY_KIND_PERCENT);
      if (rng() % 4 == 0) metric->set_approx(cpb::APPROX_MORE_THAN);
      if (rng() % 5 == 0) metric->set_unit("件次");  // as written, beside the canonical unit
      if (rng() % 7 == 0) metric->set_canonical_value(metric->canonical_value() + 0.25 * (rng() % 9) - 1.0);
    }
    docs.push_back(d);
    ASSERT_OK(table.Contribute(d, +1));
  }
  for (int i = 0; i < 600; i += 5) ASSERT_OK(table.Contribute(docs[static_cast<size_t>(i)], -1));
  const std::vector<RollupTable::RollupId> ids = table.DirtyRollups();
  std::vector<std::pair<std::string, std::optional<apb::Rollup>>> built;
  table.ForEachDirtyRollup(ids, [&](const std::string& key, const apb::Rollup* r) {
    built.emplace_back(key, r ? std::optional<apb::Rollup>(*r) : std::nullopt);
  });
  size_t i = 0, removed = 0, rates = 0, wide = 0;
  table.ForEachDirtyRollupSerialized(ids, [&](const std::string& key, const std::string_view* bytes) {
    ASSERT_LT(i, built.size());
    EXPECT_EQ(key, built[i].first);
    ASSERT_EQ(bytes == nullptr, !built[i].second.has_value()) << key;
    if (bytes == nullptr) {
      ++removed;
    } else {
      apb::Rollup parsed;
      ASSERT_TRUE(parsed.ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) << key;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, *built[i].second))
          << key << "\nserialized: " << parsed.ShortDebugString() << "\nbuilt: " << built[i].second->ShortDebugString();
      if (parsed.statistic() == apb::ROLLUP_STATISTIC_MEAN) ++rates;
      if (parsed.hist_values_size() > 10) ++wide;
    }
    ++i;
  });
  EXPECT_EQ(i, built.size());
  EXPECT_GT(removed, 0u) << "some rollups emptied";
  EXPECT_GT(rates, 0u);
  EXPECT_GT(wide, 0u) << "some histograms of many values";
}

}  // namespace
}  // namespace reportflow::aggregate
