#include "services/aggregate/aggregator.h"

#include <map>

#include "tests/services/aggregate/aggregate_test_docs.h"
#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;

using testing::Doc;

std::map<std::string, apb::Rollup> All(const Aggregator& agg) {
  std::map<std::string, apb::Rollup> out;
  EXPECT_OK(agg.ForEachRollup([&](const apb::Rollup& r) {
    out[RegionLevelName(r.key().level()) + "/" + r.key().region() + "/" + std::to_string(r.key().year()) + "/" +
        r.key().metric_id()] = r;
  }));
  return out;
}

class AggregatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Store> store_ = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator agg_{store_.get()};
};

TEST_F(AggregatorTest, RollsUpByLevelWithExactStatistics) {
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 90}})).status());
  ASSERT_OK(agg_.Apply("d2", Doc("乙镇", "某县", 2023, {{"mediation.disputes_handled", 10}, {"mediation.disputes_handled", 20}})).status());
  ASSERT_OK(agg_.Apply("d3", Doc("丙乡", "某县", 2023, {{"training.sessions", 3}})).status());
  auto all = All(agg_);
  const auto& county = all.at("county/某县/2023/mediation.disputes_handled");
  EXPECT_EQ(county.documents(), 2u);
  EXPECT_EQ(county.count(), 3u);
  EXPECT_DOUBLE_EQ(county.sum(), 120);
  EXPECT_DOUBLE_EQ(county.min(), 10);
  EXPECT_DOUBLE_EQ(county.max(), 90);
  EXPECT_DOUBLE_EQ(county.median(), 20);
  EXPECT_DOUBLE_EQ(county.p90(), 90);
  EXPECT_EQ(county.approx_count(), 1u);
  EXPECT_EQ(county.region_documents(), 3u);
  EXPECT_NEAR(county.coverage(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(county.unit(), "件");
  // Unknown levels are grouped as unknown, never dropped.
  EXPECT_EQ(all.at("province//2023/mediation.disputes_handled").count(), 3u);
}

TEST_F(AggregatorTest, ReapplyingReplacesInsteadOfDoubleCounting) {
  const auto d1 = Doc("甲乡", "某县", 2023, {{"a", 5}});
  ASSERT_OK(agg_.Apply("d1", d1).status());
  ASSERT_OK_AND_ASSIGN(auto again, agg_.Apply("d1", d1));
  EXPECT_TRUE(again.unchanged);
  EXPECT_EQ(All(agg_).at("township/甲乡/2023/a").count(), 1u);
  // Re-extraction under another taxonomy moves the value to another metric.
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "某县", 2023, {{"b", 5}})).status());
  auto all = All(agg_);
  EXPECT_EQ(all.count("township/甲乡/2023/a"), 0u);
  EXPECT_EQ(all.at("township/甲乡/2023/b").sum(), 5);
  EXPECT_EQ(all.at("township/甲乡/2023/b").region_documents(), 1u);
}

TEST_F(AggregatorTest, MetadataChangeMovesTheDocument) {
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "", 2022, {{"a", 1}})).status());
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "某县", 2023, {{"a", 1}})).status());
  auto all = All(agg_);
  EXPECT_EQ(all.count("township/甲乡/2022/a"), 0u);
  EXPECT_EQ(all.count("county//2022/a"), 0u);
  EXPECT_EQ(all.at("county/某县/2023/a").count(), 1u);
}

TEST_F(AggregatorTest, RegionsWrittenInTraditionalCharactersGroupWithTheirSimplifiedForm) {
  ASSERT_OK(agg_.Apply("d1", Doc("花溪鄉", "巫溪縣", 2023, {{"a", 4}})).status());
  ASSERT_OK(agg_.Apply("d2", Doc("花溪乡", "巫溪县", 2023, {{"a", 6}})).status());
  auto all = All(agg_);
  EXPECT_EQ(all.count("township/花溪鄉/2023/a"), 0u);
  EXPECT_EQ(all.at("township/花溪乡/2023/a").count(), 2u);
  EXPECT_EQ(all.at("county/巫溪县/2023/a").sum(), 10);
  EXPECT_EQ(all.at("county/巫溪县/2023/a").region_documents(), 2u);
  // The document keeps its name as written.
  apb::DocContribution c;
  ASSERT_OK(agg_.GetContribution("d1", &c));
  EXPECT_EQ(c.metadata().township(), "花溪鄉");
  // Removing it (a re-extraction that moves it) takes it out of the same group.
  ASSERT_OK(agg_.Apply("d1", Doc("花溪鄉", "巫溪縣", 2024, {{"a", 4}})).status());
  EXPECT_EQ(All(agg_).at("township/花溪乡/2023/a").count(), 1u);
}

TEST_F(AggregatorTest, RollupsStoredWithTheEarlierUnpackedHistogramAreUpgraded) {
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "某县", 2023, {{"a", 5}, {"a", 9}})).status());
  // Rewrite the stored township rollup as an earlier version stored it.
  apb::RollupKey key;
  key.set_level(common::v1::REGION_LEVEL_TOWNSHIP);
  key.set_region("甲乡");
  key.set_year(2023);
  key.set_metric_id("a");
  const std::string enc = EncodeRollupKey(key);
  apb::Rollup stored;
  ASSERT_OK(store_->GetProto("rollups", enc, &stored));
  ASSERT_EQ(stored.hist_values_size(), 2);
  for (int i = 0; i < stored.hist_values_size(); ++i) {
    auto* vc = stored.add_histogram();
    vc->set_value(stored.hist_values(i));
    vc->set_count(stored.hist_counts(i));
  }
  stored.clear_hist_values();
  stored.clear_hist_counts();
  ASSERT_OK(store_->PutProto("rollups", enc, stored));
  // A fresh aggregator (no cache) reads it, converts it and adds to it.
  Aggregator fresh(store_.get());
  ASSERT_OK(fresh.Apply("d2", Doc("甲乡", "某县", 2023, {{"a", 7}})).status());
  const apb::Rollup r = All(fresh).at("township/甲乡/2023/a");
  EXPECT_EQ(r.count(), 3u);
  EXPECT_EQ(r.sum(), 21);
  EXPECT_EQ(r.median(), 7);
  EXPECT_EQ(r.min(), 5);
  EXPECT_EQ(r.max(), 9);
  ASSERT_OK(store_->GetProto("rollups", enc, &stored));
  EXPECT_EQ(stored.histogram_size(), 0);
  EXPECT_EQ(std::vector<double>(stored.hist_values().begin(), stored.hist_values().end()),
            (std::vector<double>{5, 7, 9}));
}

}  // namespace
}  // namespace reportflow::aggregate
