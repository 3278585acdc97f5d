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

}  // namespace
}  // namespace reportflow::aggregate
