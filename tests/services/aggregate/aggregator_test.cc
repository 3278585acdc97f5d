#include "services/aggregate/aggregator.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "common/results/section_path.h"
#include "common/stream/rollup_keys.h"
#include "tests/services/aggregate/aggregate_test_docs.h"
#include "tests/testing/faulty_store.h"
#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;

using testing::Doc;

std::map<std::string, apb::Rollup> All(const Aggregator& agg) {
  std::map<std::string, apb::Rollup> out;
  EXPECT_OK(agg.ForEachRollup([&](const apb::Rollup& r) {
    out[stream::LevelName(r.key().level()) + "/" + r.key().region() + "/" + std::to_string(r.key().year()) + "/" +
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
  ASSERT_OK(agg_.Apply("d4", Doc("丁镇", "某县", 2023, {{"mediation.disputes_handled", 40}})).status());
  auto all = All(agg_);
  // One value per document: 乙镇's two distinct figures add up to 30.
  const auto& county = all.at("county/某县/2023/mediation.disputes_handled");
  EXPECT_EQ(county.statistic(), apb::ROLLUP_STATISTIC_SUM);
  EXPECT_EQ(county.documents(), 3u);
  EXPECT_EQ(county.count(), 3u);
  EXPECT_EQ(county.mentions(), 4u);
  EXPECT_DOUBLE_EQ(county.sum(), 160);
  EXPECT_DOUBLE_EQ(county.min(), 30);
  EXPECT_DOUBLE_EQ(county.max(), 90);
  EXPECT_DOUBLE_EQ(county.median(), 40);
  EXPECT_DOUBLE_EQ(county.p90(), 90);
  EXPECT_EQ(county.approx_count(), 1u);
  EXPECT_EQ(county.region_documents(), 4u);
  EXPECT_NEAR(county.coverage(), 3.0 / 4.0, 1e-9);
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
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "某县", 2023, {{"a", 5}})).status());
  ASSERT_OK(agg_.Apply("d0", Doc("甲乡", "某县", 2023, {{"a", 9}})).status());
  // Rewrite the stored township rollup as an earlier version stored it.
  apb::RollupKey key;
  key.set_level(common::v1::REGION_LEVEL_TOWNSHIP);
  key.set_region("甲乡");
  key.set_year(2023);
  key.set_metric_id("a");
  key.set_source_level(common::v1::REGION_LEVEL_TOWNSHIP);
  key.set_unit("件");
  const std::string enc = stream::EncodeRollupKey(key);
  ASSERT_OK(agg_.Checkpoint());
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
  // A fresh aggregator loads the (current) checkpoint, converts it and adds to it.
  Aggregator fresh(store_.get());
  ASSERT_OK(fresh.Apply("d2", Doc("甲乡", "某县", 2023, {{"a", 7}})).status());
  const apb::Rollup r = All(fresh).at("township/甲乡/2023/a");
  EXPECT_EQ(r.count(), 3u);
  EXPECT_EQ(r.sum(), 21);
  EXPECT_EQ(r.median(), 7);
  EXPECT_EQ(r.min(), 5);
  EXPECT_EQ(r.max(), 9);
  ASSERT_OK(fresh.Checkpoint());
  ASSERT_OK(store_->GetProto("rollups", enc, &stored));
  EXPECT_EQ(stored.histogram_size(), 0);
  EXPECT_EQ(std::vector<double>(stored.hist_values().begin(), stored.hist_values().end()),
            (std::vector<double>{5, 7, 9}));
}

// A township report placed by the gazetteer (codes set).
extract::v1::ExtractionResult Placed(const std::string& township, const std::string& township_code,
                                     const std::string& county, const std::string& county_code,
                                     std::vector<std::pair<std::string, double>> metrics) {
  auto r = Doc(township, county, 2023, std::move(metrics));
  r.mutable_metadata()->set_township_code(township_code);
  r.mutable_metadata()->set_county_code(county_code);
  r.mutable_metadata()->set_unit_level(common::v1::REGION_LEVEL_TOWNSHIP);
  return r;
}

TEST_F(AggregatorTest, RollupsAreKeyedByCodeSoNamesakesNeverMerge) {
  ASSERT_OK(agg_.Apply("d1", Placed("东城街道", "110101001000", "东城区", "110101000000", {{"a", 4}})).status());
  ASSERT_OK(agg_.Apply("d2", Placed("东城街道", "441900003000", "东莞市", "441900000000", {{"a", 6}})).status());
  std::vector<apb::Rollup> township;
  ASSERT_OK(agg_.ForEachRollup([&](const apb::Rollup& r) {
    if (r.key().level() == common::v1::REGION_LEVEL_TOWNSHIP) township.push_back(r);
  }));
  ASSERT_EQ(township.size(), 2u);
  for (const auto& r : township) {
    EXPECT_EQ(r.key().region(), "东城街道");
    EXPECT_EQ(r.documents(), 1u);
    EXPECT_EQ(r.region_documents(), 1u);
    EXPECT_FALSE(r.key().region_code().empty());
  }
  EXPECT_NE(township[0].key().region_code(), township[1].key().region_code());
}

TEST_F(AggregatorTest, CountyLevelReportsAreTheirOwnFamilyWithoutATownship) {
  ASSERT_OK(agg_.Apply("t1", Placed("甲乡", "500238101000", "巫溪县", "500238000000", {{"a", 10}})).status());
  auto county_report = Doc("", "巫溪县", 2023, {{"a", 1000}});
  county_report.mutable_metadata()->set_county_code("500238000000");
  county_report.mutable_metadata()->set_unit_level(common::v1::REGION_LEVEL_COUNTY);
  ASSERT_OK(agg_.Apply("c1", county_report).status());
  std::vector<apb::Rollup> county;
  size_t township_rows = 0;
  ASSERT_OK(agg_.ForEachRollup([&](const apb::Rollup& r) {
    if (r.key().level() == common::v1::REGION_LEVEL_COUNTY) county.push_back(r);
    if (r.key().level() == common::v1::REGION_LEVEL_TOWNSHIP) ++township_rows;
  }));
  EXPECT_EQ(township_rows, 1u);  // the county's own report adds no (unknown) township
  ASSERT_EQ(county.size(), 2u);  // the townships' sum and the county's own figure, never added together
  for (const auto& r : county) {
    EXPECT_EQ(r.documents(), 1u);
    EXPECT_EQ(r.region_documents(), 1u);
    EXPECT_DOUBLE_EQ(r.sum(), r.key().source_level() == common::v1::REGION_LEVEL_COUNTY ? 1000 : 10);
  }
}

TEST_F(AggregatorTest, RatesAreNeverSummed) {
  for (auto [doc, rate] : {std::pair{"d1", 90.0}, {"d2", 100.0}, {"d3", 98.0}}) {
    auto r = Doc(doc, "某县", 2023, {});
    auto* m = r.add_metrics();
    m->set_metric_id("mediation.success_rate");
    m->set_value(rate);
    m->set_unit("%");
    m->set_kind(common::v1::QUANTITY_KIND_PERCENT);
    m->set_metric_kind(extract::v1::METRIC_KIND_RATE);
    m->set_canonical_unit("%");
    m->set_canonical_value(rate);
    ASSERT_OK(agg_.Apply(doc, r).status());
  }
  const apb::Rollup county = All(agg_).at("county/某县/2023/mediation.success_rate");
  EXPECT_EQ(county.statistic(), apb::ROLLUP_STATISTIC_MEAN);
  EXPECT_EQ(county.metric_kind(), extract::v1::METRIC_KIND_RATE);
  EXPECT_EQ(county.sum(), 0);
  EXPECT_DOUBLE_EQ(county.mean(), 96);
  EXPECT_DOUBLE_EQ(county.median(), 98);
  EXPECT_DOUBLE_EQ(county.min(), 90);
  EXPECT_DOUBLE_EQ(county.max(), 100);
}

TEST_F(AggregatorTest, ValuesRollUpInTheCanonicalUnit) {
  auto r = Doc("甲乡", "某县", 2023, {});
  auto add = [&](double v, const std::string& unit, double canonical) {
    auto* m = r.add_metrics();
    m->set_metric_id("funding.amount");
    m->set_value(v);
    m->set_unit(unit);
    m->set_kind(common::v1::QUANTITY_KIND_MONEY);
    m->set_metric_kind(extract::v1::METRIC_KIND_MONEY);
    m->set_canonical_unit("元");
    m->set_canonical_value(canonical);
  };
  add(0.5, "万元", 5000);
  add(3000, "元", 3000);
  ASSERT_OK(agg_.Apply("d1", r).status());
  auto r2 = Doc("乙乡", "某县", 2023, {});
  r = r2;
  add(1.2, "万元", 12000);
  ASSERT_OK(agg_.Apply("d2", r).status());
  const apb::Rollup county = All(agg_).at("county/某县/2023/funding.amount");
  EXPECT_EQ(county.unit(), "元");
  EXPECT_DOUBLE_EQ(county.sum(), 20000);
  EXPECT_EQ(county.units().at("万元"), 2u);
  EXPECT_EQ(county.units().at("元"), 1u);
}

TEST_F(AggregatorTest, ATotalAndItsPartsCountTheTotalOnce) {
  auto r = Doc("甲乡", "某县", 2023, {{"enforcement.cases", 390}, {"enforcement.cases", 110}, {"enforcement.cases", 280}});
  r.mutable_metrics(0)->set_total(true);
  for (int i : {1, 2}) {
    r.mutable_metrics(i)->set_role(extract::v1::QUANTITY_ROLE_PART);
    r.mutable_metrics(i)->set_parent(0);
  }
  ASSERT_OK(agg_.Apply("d1", r).status());
  const apb::Rollup township = All(agg_).at("township/甲乡/2023/enforcement.cases");
  EXPECT_DOUBLE_EQ(township.sum(), 390);
  EXPECT_EQ(township.count(), 1u);
  EXPECT_EQ(township.mentions(), 3u);
}

TEST_F(AggregatorTest, ReplacingADocumentRemovesItsValueUnderTheNewRules) {
  auto r = Doc("甲乡", "某县", 2023, {{"a", 5}, {"a", 5}, {"a", 7}});
  ASSERT_OK(agg_.Apply("d1", r).status());
  EXPECT_DOUBLE_EQ(All(agg_).at("township/甲乡/2023/a").sum(), 12);  // 5 stated twice counts once
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "某县", 2023, {{"a", 2}})).status());
  const apb::Rollup after = All(agg_).at("township/甲乡/2023/a");
  EXPECT_DOUBLE_EQ(after.sum(), 2);
  EXPECT_EQ(after.count(), 1u);
  EXPECT_EQ(after.mentions(), 1u);
  EXPECT_EQ(after.hist_values_size(), 1);
}

TEST_F(AggregatorTest, RollupsDerivedUnderEarlierRulesAreDerivedAgain) {
  ASSERT_OK_AND_ASSIGN(size_t fresh, agg_.RebuildRollupsIfStale());
  EXPECT_EQ(fresh, 0u);  // an empty store is current
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "某县", 2023, {{"a", 5}, {"a", 7}})).status());
  ASSERT_OK(agg_.Apply("d2", Doc("乙乡", "某县", 2023, {{"a", 3}})).status());
  const auto expected = testing::AggregatorRows(agg_);
  // An earlier version's store: another layout marker and a rollup under an old key.
  ASSERT_OK(store_->Put("meta", "rollup_layout", "1"));
  ASSERT_OK(store_->Put("rollups", std::string("4\0甲乡\0002023\0a", 15), "stale"));
  Aggregator reopened(store_.get());
  ASSERT_OK_AND_ASSIGN(size_t rederived, reopened.RebuildRollupsIfStale());
  EXPECT_EQ(rederived, 2u);
  EXPECT_EQ(testing::AggregatorRows(reopened), expected);
  ASSERT_OK_AND_ASSIGN(size_t again, Aggregator(store_.get()).RebuildRollupsIfStale());
  EXPECT_EQ(again, 0u);
}

// A township report segment placed in 巫溪县 (重庆市).
extract::v1::ExtractionResult InWuxi(const std::string& township, const std::string& code) {
  auto r = Placed(township, code, "巫溪县", "500238000000", {{"a", 1}});
  r.mutable_metadata()->mutable_place()->set_status(common::v1::PLACE_STATUS_RESOLVED);
  return r;
}

// 大河乡: five townships of that name in five provinces; the text names no parent.
extract::v1::ExtractionResult AmbiguousDahe() {
  auto r = Doc("大河乡", "", 2023, {{"a", 7}});
  auto* place = r.mutable_metadata()->mutable_place();
  place->set_status(common::v1::PLACE_STATUS_AMBIGUOUS);
  place->set_township_written("大河乡");
  for (const char* code : {"450303200000", "500238207000", "520502203000", "620721203000", "640303200000"}) {
    auto* c = place->add_candidates();
    c->set_township("大河乡");
    c->set_code(code);
  }
  r.mutable_metadata()->set_unit_level(common::v1::REGION_LEVEL_TOWNSHIP);
  return r;
}

// Region counts (coverage denominators), serialized and sorted.
std::vector<std::string> Regions(const Aggregator& agg) {
  std::vector<std::string> out;
  EXPECT_OK(agg.ForEachRegion([&](const apb::RegionCount& rc) { out.push_back(rc.SerializeAsString()); }));
  std::sort(out.begin(), out.end());
  return out;
}

std::string CountyOf(const Aggregator& agg, const std::string& doc_id) {
  apb::DocContribution c;
  EXPECT_OK(agg.GetContribution(doc_id, &c));
  return c.metadata().county();
}

TEST_F(AggregatorTest, TheBatchPlacesAnAmbiguousDocumentWhereTheOthersAre) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(agg_.Apply("w" + std::to_string(i), InWuxi("乡" + std::to_string(i), "50023810" + std::to_string(i) + "000")).status());
  }
  ASSERT_OK(agg_.Apply("dahe", AmbiguousDahe()).status());
  apb::DocContribution c;
  ASSERT_OK(agg_.GetContribution("dahe", &c));
  EXPECT_EQ(c.metadata().county(), "巫溪县");
  EXPECT_EQ(c.metadata().township_code(), "500238207000");
  EXPECT_EQ(c.metadata().place().status(), common::v1::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(c.metadata().place().sources(c.metadata().place().sources_size() - 1), common::v1::PLACE_SOURCE_BATCH);
  EXPECT_EQ(c.segment_metadata().place().status(), common::v1::PLACE_STATUS_AMBIGUOUS);
  EXPECT_EQ(All(agg_).at("county/巫溪县/2023/a").documents(), 6u);
}

TEST_F(AggregatorTest, BatchPlacementDoesNotDependOnArrivalOrder) {
  // The ambiguous document first: nothing decides it yet.
  ASSERT_OK(agg_.Apply("dahe", AmbiguousDahe()).status());
  EXPECT_EQ(CountyOf(agg_, "dahe"), "");
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(agg_.Apply("w" + std::to_string(i), InWuxi("乡" + std::to_string(i), "50023810" + std::to_string(i) + "000")).status());
  }
  EXPECT_EQ(CountyOf(agg_, "dahe"), "巫溪县");  // decided once the batch pointed at 巫溪县
  // The same documents in the other order give the same rollups.
  auto other = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator agg2(other.get());
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(agg2.Apply("w" + std::to_string(i), InWuxi("乡" + std::to_string(i), "50023810" + std::to_string(i) + "000")).status());
  }
  ASSERT_OK(agg2.Apply("dahe", AmbiguousDahe()).status());
  EXPECT_EQ(testing::AggregatorRows(agg_), testing::AggregatorRows(agg2));
  // When the batch no longer points anywhere (its documents move elsewhere), the decision is withdrawn.
  for (int i = 0; i < 5; ++i) {
    auto moved = InWuxi("乡" + std::to_string(i), "11010100" + std::to_string(i) + "000");
    moved.mutable_metadata()->set_county("东城区");
    moved.mutable_metadata()->set_county_code("110101000000");
    ASSERT_OK(agg_.Apply("w" + std::to_string(i), moved).status());
  }
  EXPECT_EQ(CountyOf(agg_, "dahe"), "");
  EXPECT_EQ(All(agg_).count("county/巫溪县/2023/a"), 0u);
}

// The places summary the aggregator keeps as groups change documents (new,
// replaced, decided by the batch and undecided again, withdrawn) equals one
// counted afresh from the store's heads after every step, and so does the
// document count announced to ingest.
TEST_F(AggregatorTest, ThePlacesSummaryKeptAsDocumentsChangeEqualsOneCountedFromTheStore) {
  auto check = [&](const char* step) {
    Result<apb::PlacesSummary> kept = agg_.PlacesSummary(10);
    ASSERT_OK(kept.status());
    Aggregator fresh(store_.get());
    Result<apb::PlacesSummary> counted = fresh.PlacesSummary(10);
    ASSERT_OK(counted.status());
    EXPECT_EQ(kept->SerializeAsString(), counted->SerializeAsString())
        << step << ": " << kept->ShortDebugString() << " vs " << counted->ShortDebugString();
    // The documents announced to ingest are the same count.
    Result<uint64_t> documents = agg_.DocumentCount();
    ASSERT_OK(documents.status());
    EXPECT_EQ(*documents, counted->documents()) << step;
  };
  check("empty");
  ASSERT_OK(agg_.Apply("dahe", AmbiguousDahe()).status());
  auto not_found = AmbiguousDahe();
  not_found.mutable_metadata()->mutable_place()->set_status(common::v1::PLACE_STATUS_NOT_FOUND);
  ASSERT_OK(agg_.Apply("nowhere", not_found).status());
  check("two undecided");
  EXPECT_EQ(agg_.PlacesSummary(10)->undecided(), 2u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(agg_.Apply("w" + std::to_string(i), InWuxi("乡" + std::to_string(i), "50023810" + std::to_string(i) + "000")).status());
  }
  check("the batch decides dahe");
  EXPECT_EQ(agg_.PlacesSummary(10)->undecided(), 1u);
  for (int i = 0; i < 5; ++i) {
    auto moved = InWuxi("乡" + std::to_string(i), "11010100" + std::to_string(i) + "000");
    moved.mutable_metadata()->set_county("东城区");
    moved.mutable_metadata()->set_county_code("110101000000");
    ASSERT_OK(agg_.Apply("w" + std::to_string(i), moved).status());
  }
  check("replaced, dahe undecided again");
  EXPECT_EQ(agg_.PlacesSummary(10)->undecided(), 2u);
  ASSERT_OK(agg_.Withdraw({{"nowhere", 1}, {"w0", 1}}).status());
  check("withdrawn");
  EXPECT_EQ(agg_.PlacesSummary(10)->documents(), 5u);
  EXPECT_EQ(agg_.PlacesSummary(1)->listed_size(), 1);
}

TEST_F(AggregatorTest, TooFewOrSplitDocumentsDecideNothing) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(agg_.Apply("w" + std::to_string(i), InWuxi("乡" + std::to_string(i), "50023810" + std::to_string(i) + "000")).status());
  }
  ASSERT_OK(agg_.Apply("dahe", AmbiguousDahe()).status());
  EXPECT_EQ(CountyOf(agg_, "dahe"), "");  // four documents are not a batch
}

// A quarantined document is withdrawn: everything it contributed leaves the
// rollups, region counts, batch tally and the places the batch decided, as if
// it had never been applied; a late result of a withdrawn attempt is refused,
// even after a restart; a later attempt (a replay) counts again, once.
TEST_F(AggregatorTest, AWithdrawnDocumentCountsAsIfNeverApplied) {
  auto wuxi = [](int i) { return InWuxi("乡" + std::to_string(i), "50023810" + std::to_string(i) + "000"); };
  // The reference: four documents in 巫溪县 (too few to decide dahe's place) and dahe.
  auto ref_store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator ref(ref_store.get());
  for (int i = 0; i < 4; ++i) ASSERT_OK(ref.Apply("w" + std::to_string(i), wuxi(i)).status());
  ASSERT_OK(ref.Apply("dahe", AmbiguousDahe()).status());

  // Five documents decide dahe's place; withdrawing the fifth undoes that too.
  for (int i = 0; i < 5; ++i) ASSERT_OK(agg_.Apply("w" + std::to_string(i), wuxi(i)).status());
  ASSERT_OK(agg_.Apply("dahe", AmbiguousDahe()).status());
  EXPECT_EQ(CountyOf(agg_, "dahe"), "巫溪县");
  ASSERT_OK_AND_ASSIGN(uint64_t before, agg_.DocumentCount());
  EXPECT_EQ(before, 6u);
  ASSERT_OK_AND_ASSIGN(auto change, agg_.Withdraw({{"w4", 2}}));
  EXPECT_EQ(change.removed, std::set<std::string>{"w4"});
  EXPECT_GT(change.rollups_changed, 0u);
  EXPECT_EQ(CountyOf(agg_, "dahe"), "");
  EXPECT_EQ(testing::AggregatorRows(agg_), testing::AggregatorRows(ref));
  ASSERT_OK_AND_ASSIGN(uint64_t after, agg_.DocumentCount());
  EXPECT_EQ(after, 5u);
  apb::DocContribution gone;
  EXPECT_EQ(agg_.GetContribution("w4", &gone).code(), StatusCode::kNotFound);

  // Idempotent: withdrawing again (or an older withdrawal arriving late) changes nothing.
  ASSERT_OK_AND_ASSIGN(auto again, agg_.Withdraw({{"w4", 1}, {"w4", 2}}));
  EXPECT_TRUE(again.removed.empty());
  EXPECT_EQ(testing::AggregatorRows(agg_), testing::AggregatorRows(ref));

  // A late result of attempt 1 or 2 is refused, also by a restarted aggregator and in a group.
  const auto w4 = wuxi(4), w0 = wuxi(0);
  ASSERT_OK_AND_ASSIGN(auto late, agg_.ApplyGroup({GroupDocument{"w4", &w4, 2}}));
  EXPECT_EQ(late.refused, std::set<std::string>{"w4"});
  EXPECT_EQ(Regions(agg_), Regions(ref));
  Aggregator restarted(store_.get());
  ASSERT_OK_AND_ASSIGN(size_t derived, restarted.RebuildRollupsIfStale());
  EXPECT_EQ(derived, 5u);
  ASSERT_OK_AND_ASSIGN(auto mixed, restarted.ApplyGroup({{"w0", &w0, 1}, {"w4", &w4, 1}}));
  EXPECT_EQ(mixed.refused, std::set<std::string>{"w4"});
  EXPECT_EQ(testing::AggregatorRows(restarted), testing::AggregatorRows(ref));
  ASSERT_OK_AND_ASSIGN(bool refuses, restarted.Refuses("w4", 2));
  EXPECT_TRUE(refuses);
  ASSERT_OK_AND_ASSIGN(refuses, restarted.Refuses("w4", 3));
  EXPECT_FALSE(refuses);

  // A withdrawn document without contribution only gets its tombstone.
  ASSERT_OK_AND_ASSIGN(auto never, restarted.Withdraw({{"nobody", 1}}));
  EXPECT_TRUE(never.removed.empty());
  EXPECT_EQ(testing::AggregatorRows(restarted), testing::AggregatorRows(ref));

  // The replay (attempt 3) counts once and lifts the tombstone; so does the full set.
  ASSERT_OK_AND_ASSIGN(auto replayed, restarted.ApplyGroup({{"w4", &w4, 3}, {"w4", &w4, 3}}));
  EXPECT_TRUE(replayed.refused.empty());
  ASSERT_OK_AND_ASSIGN(refuses, restarted.Refuses("w4", 1));
  EXPECT_FALSE(refuses);
  auto full_store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator full(full_store.get());
  for (int i = 0; i < 5; ++i) ASSERT_OK(full.Apply("w" + std::to_string(i), wuxi(i)).status());
  ASSERT_OK(full.Apply("dahe", AmbiguousDahe()).status());
  EXPECT_EQ(testing::AggregatorRows(restarted), testing::AggregatorRows(full));
  EXPECT_EQ(CountyOf(restarted, "dahe"), "巫溪县");
  EXPECT_EQ(Regions(restarted), Regions(full));
  ASSERT_OK_AND_ASSIGN(uint64_t count, restarted.DocumentCount());
  EXPECT_EQ(count, 6u);
  // What a reader derives from the store agrees.
  EXPECT_EQ(testing::AggregatorRows(Aggregator(store_.get())), testing::AggregatorRows(full));
}

}  // namespace
}  // namespace reportflow::aggregate

namespace reportflow::aggregate {
namespace {

// Group commit: a group gives exactly the rollups of applying its documents
// one by one (a document repeated in the group replaces its own earlier
// contribution), one event per touched rollup and region count (the last
// state), and sequence numbers that advance even when events are not built.
// Readers of places read the small heads family, not every whole
// contribution; a store written before it has none, is read through its
// contributions, and gets its heads before the service's first group.
TEST_F(AggregatorTest, HeadsFollowTheContributionsAndAnOlderStoreGetsThem) {
  ASSERT_OK(agg_.Apply("d1", Doc("甲乡", "某县", 2023, {{"a", 1}})).status());
  ASSERT_OK(agg_.Apply("d2", Doc("乙镇", "某县", 2023, {{"a", 2}})).status());
  auto heads = [&] {
    std::map<std::string, std::string> out;
    EXPECT_OK(agg_.ForEachContributionHead(
        [&](const apb::DocContributionHead& h) { out[h.doc_id()] = h.metadata().township(); }));
    return out;
  };
  const std::map<std::string, std::string> both = {{"d1", "甲乡"}, {"d2", "乙镇"}};
  EXPECT_EQ(heads(), both);
  std::string value;
  ASSERT_OK(store_->Get("heads", "d1", &value));
  apb::DocContributionHead d2;
  ASSERT_OK(agg_.GetContributionHead("d2", &d2));
  EXPECT_EQ(d2.metadata().township(), "乙镇");
  ASSERT_OK(agg_.Withdraw({{"d2", 1}}).status());
  EXPECT_EQ(store_->Get("heads", "d2", &value).code(), StatusCode::kNotFound);
  EXPECT_EQ(heads(), (std::map<std::string, std::string>{{"d1", "甲乡"}}));

  // An older store: contributions, no heads and no mark.
  ASSERT_OK(store_->Delete("heads", "d1"));
  ASSERT_OK(store_->Delete("meta", "heads"));
  Aggregator reader(store_.get());
  std::map<std::string, std::string> read;
  ASSERT_OK(reader.ForEachContributionHead(
      [&](const apb::DocContributionHead& h) { read[h.doc_id()] = h.metadata().township(); }));
  EXPECT_EQ(read, (std::map<std::string, std::string>{{"d1", "甲乡"}}));  // through the contributions
  Aggregator service(store_.get());
  ASSERT_OK(service.Apply("d3", Doc("丙乡", "某县", 2023, {{"a", 3}})).status());
  ASSERT_OK(store_->Get("meta", "heads", &value));
  ASSERT_OK(store_->Get("heads", "d1", &value));  // filled before the first group
  ASSERT_OK(store_->Get("heads", "d3", &value));
}

// Metric events are built in one reused message: each carries its own
// document, metadata, metric and section path, nothing left from the one
// before (a metric with a path followed by one without, a document with a
// source followed by one without).
TEST(AggregatorGroupTest, EachMetricEventCarriesOnlyItsOwnDocumentAndMetric) {
  extract::v1::ExtractionResult a =
      testing::Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 90}, {"training.sessions", 2}});
  a.set_source("甲乡.txt");
  a.mutable_metadata()->set_city("某市");
  a.mutable_metrics(0)->set_section(0);
  auto* h = a.add_sections();
  h->set_id(0);
  h->set_parent(-1);
  h->set_heading("一、主要成效");
  a.mutable_metrics(1)->set_section(-1);
  const extract::v1::ExtractionResult b = testing::Doc("乙镇", "他县", 2024, {{"training.sessions", 5}});
  auto store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator agg(store.get());
  auto change = agg.ApplyGroup({{"d1", &a}, {"d2", &b}});
  ASSERT_OK(change.status());
  std::vector<std::string> seen;
  for (const auto& e : testing::Decoded(change->events)) {
    if (!e.has_metric()) continue;
    const auto& m = e.metric();
    seen.push_back(m.doc_id() + "|" + m.source() + "|" + m.metadata().township() + "|" + m.metadata().city() + "|" +
                   m.metric().metric_id() + "|" + std::to_string(m.metric().section_path_size()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"d1|甲乡.txt|甲乡|某市|mediation.disputes_handled|1",
                                            "d1|甲乡.txt|甲乡|某市|training.sessions|0",
                                            "d2||乙镇||training.sessions|0"}));
}

// A contribution keeps its result's section headings once; a metric event
// carries its whole section path, since a subscriber sees each metric alone.
TEST(AggregatorGroupTest, ContributionsKeepSectionHeadingsAndEventsCarryThePath) {
  extract::v1::ExtractionResult r = testing::Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 90}});
  r.mutable_metrics(0)->set_section(3);
  auto add = [&](uint32_t id, int32_t parent, const char* heading) {
    auto* h = r.add_sections();
    h->set_id(id);
    h->set_parent(parent);
    h->set_heading(heading);
  };
  add(0, -1, "一、主要成效");
  add(3, 0, "（二）矛盾化解");
  auto store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator agg(store.get());
  const std::vector<GroupDocument> group = {{"d1", &r}};
  auto change = agg.ApplyGroup(group);
  ASSERT_OK(change.status());
  int metric_events = 0;
  for (const auto& e : testing::Decoded(change->events)) {
    if (!e.has_metric()) continue;
    ++metric_events;
    ASSERT_EQ(e.metric().metric().section_path_size(), 2);
    EXPECT_EQ(e.metric().metric().section_path(0), "一、主要成效");
    EXPECT_EQ(e.metric().metric().section_path(1), "（二）矛盾化解");
  }
  EXPECT_EQ(metric_events, 1);
  std::string value;
  ASSERT_OK(store->Get("contributions", "d1", &value));
  apb::DocContribution stored;
  ASSERT_TRUE(stored.ParseFromString(value));
  ASSERT_EQ(stored.sections_size(), 2);
  EXPECT_EQ(stored.metrics(0).section_path_size(), 0);  // not copied into every metric
  EXPECT_EQ(results::JoinedSectionPath(stored.sections(), stored.metrics(0), " > "), "一、主要成效 > （二）矛盾化解");
}

// The contribution borrows the result's metrics, sections and findings while
// it is applied (no copy): the result the caller gave is whole afterwards,
// whether it lives on an arena (the service's) or not, and what is stored
// holds all of it.
TEST(AggregatorGroupTest, ApplyingLeavesTheResultWholeAndStoresAllOfIt) {
  google::protobuf::Arena arena;
  auto* on_arena = google::protobuf::Arena::CreateMessage<extract::v1::ExtractionResult>(&arena);
  *on_arena = testing::Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 90}, {"training.sessions", 4}});
  on_arena->add_sections()->set_heading("一、主要成效");
  on_arena->add_findings()->set_code("rate_above_100");
  extract::v1::ExtractionResult on_heap = testing::Doc("乙镇", "某县", 2023, {{"training.sessions", 3}});
  on_heap.add_sections()->set_heading("二、存在问题");
  const std::string arena_before = on_arena->SerializeAsString();
  const std::string heap_before = on_heap.SerializeAsString();

  auto store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator agg(store.get());
  ASSERT_OK(agg.ApplyGroup({GroupDocument{"d1", on_arena}, GroupDocument{"d2", &on_heap}}).status());
  EXPECT_EQ(on_arena->SerializeAsString(), arena_before);
  EXPECT_EQ(on_heap.SerializeAsString(), heap_before);

  std::string value;
  ASSERT_OK(store->Get("contributions", "d1", &value));
  apb::DocContribution stored;
  ASSERT_TRUE(stored.ParseFromString(value));
  ASSERT_EQ(stored.metrics_size(), 2);
  EXPECT_EQ(stored.metrics(0).SerializeAsString(), on_arena->metrics(0).SerializeAsString());
  EXPECT_EQ(stored.metrics(1).SerializeAsString(), on_arena->metrics(1).SerializeAsString());
  ASSERT_EQ(stored.sections_size(), 1);
  EXPECT_EQ(stored.sections(0).heading(), "一、主要成效");
  ASSERT_EQ(stored.findings_size(), 1);
  EXPECT_EQ(stored.findings(0).code(), "rate_above_100");
  ASSERT_OK(store->Get("contributions", "d2", &value));
  ASSERT_TRUE(stored.ParseFromString(value));
  ASSERT_EQ(stored.metrics_size(), 1);
  EXPECT_EQ(stored.metrics(0).SerializeAsString(), on_heap.metrics(0).SerializeAsString());
}

TEST(AggregatorGroupTest, AGroupEqualsItsDocumentsAppliedOneByOne) {
  const std::vector<std::pair<std::string, extract::v1::ExtractionResult>> docs = {
      {"d1", testing::Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 90}})},
      {"d2", testing::Doc("乙镇", "某县", 2023, {{"mediation.disputes_handled", 10}, {"training.sessions", 4}})},
      {"d3", testing::Doc("甲乡", "某县", 2024, {{"training.sessions", 3}})},
      {"d1", testing::Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 70}})},  // re-delivered, changed
      {"d2", testing::Doc("乙镇", "某县", 2023, {{"mediation.disputes_handled", 10}, {"training.sessions", 4}})},
  };
  auto one_store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator one(one_store.get());
  for (const auto& [id, r] : docs) ASSERT_OK(one.Apply(id, r).status());

  auto group_store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator grouped(group_store.get());
  std::vector<GroupDocument> group;
  for (const auto& [id, r] : docs) group.push_back({id, &r});
  auto change = grouped.ApplyGroup(group);
  ASSERT_OK(change.status());
  EXPECT_EQ(testing::AggregatorRows(grouped), testing::AggregatorRows(one));

  // Coalesced: each touched rollup and region count appears once, with its final state.
  std::map<std::string, int> rollup_events;
  const std::vector<apb::StreamEvent> events = testing::Decoded(change->events);
  for (const auto& e : events) {
    if (e.has_rollup()) ++rollup_events[stream::EncodeRollupKey(e.rollup().key())];
  }
  EXPECT_EQ(rollup_events.size(), change->rollups_changed);
  for (const auto& [key, n] : rollup_events) EXPECT_EQ(n, 1) << key;
  // Consecutive sequence numbers, persisted with the group.
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].sequence(), i + 1);
  EXPECT_EQ(change->sequences_used, change->events.size());
  ASSERT_OK_AND_ASSIGN(uint64_t seq, grouped.LastSequence());
  EXPECT_EQ(seq, change->events.size());

  // Without events (nobody subscribes) the sequence still advances by the same amount.
  auto quiet_store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator quiet(quiet_store.get());
  GroupOptions options;
  options.build_events = false;
  auto quiet_change = quiet.ApplyGroup(group, options);
  ASSERT_OK(quiet_change.status());
  EXPECT_TRUE(quiet_change->events.empty());
  EXPECT_EQ(quiet_change->sequences_used, change->sequences_used);
  EXPECT_EQ(testing::AggregatorRows(quiet), testing::AggregatorRows(one));

  // The same group again changes nothing and writes nothing.
  auto again = grouped.ApplyGroup(group);
  ASSERT_OK(again.status());
  // d1 is delivered twice with different values: the group's last one stands,
  // which differs from the first, so the group is not a no-op.
  std::vector<GroupDocument> settled = {group[1], group[2], group[3]};
  auto settled_change = grouped.ApplyGroup(settled);
  ASSERT_OK(settled_change.status());
  EXPECT_TRUE(settled_change->unchanged);
}

}  // namespace
}  // namespace reportflow::aggregate

namespace reportflow::aggregate {
namespace {

// Rollups live in memory; the store keeps contributions on every group and
// rollups only at checkpoints. After a crash (no checkpoint since the last
// groups) the rollups are derived from the contributions; after a checkpoint
// they load as stored; a reader always sees the figures of the contributions.
TEST(AggregatorCheckpointTest, RestartDerivesOrLoadsTheSameRollups) {
  auto store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator writer(store.get());
  ASSERT_OK_AND_ASSIGN(size_t fresh, writer.RebuildRollupsIfStale());
  EXPECT_EQ(fresh, 0u);
  ASSERT_OK(writer.Apply("d1", testing::Doc("甲乡", "某县", 2023, {{"a", 5}, {"b", 2}})).status());
  ASSERT_OK(writer.Apply("d2", testing::Doc("乙乡", "某县", 2023, {{"a", 3}})).status());
  ASSERT_OK(writer.Checkpoint());
  EXPECT_FALSE(writer.NeedsCheckpoint());
  // Committed after the checkpoint: d2 replaced, d3 new; then the process dies.
  ASSERT_OK(writer.Apply("d2", testing::Doc("乙乡", "某县", 2023, {{"a", 4}})).status());
  ASSERT_OK(writer.Apply("d3", testing::Doc("丙乡", "某县", 2024, {{"b", 8}})).status());
  EXPECT_TRUE(writer.NeedsCheckpoint());
  const auto expected = testing::AggregatorRows(writer);

  // A reader of the store as it is (the service killed, not restarted).
  Aggregator reader(store.get());
  EXPECT_EQ(testing::AggregatorRows(reader), expected);

  // The restarted service derives the rollups from the 3 contributions.
  Aggregator restarted(store.get());
  ASSERT_OK_AND_ASSIGN(size_t derived, restarted.RebuildRollupsIfStale());
  EXPECT_EQ(derived, 3u);
  EXPECT_EQ(testing::AggregatorRows(restarted), expected);
  // ... and checkpointed them: the next start loads them as stored.
  ASSERT_OK_AND_ASSIGN(size_t loaded, Aggregator(store.get()).RebuildRollupsIfStale());
  EXPECT_EQ(loaded, 0u);
  // Re-delivery after the restart replaces, never double counts.
  ASSERT_OK(restarted.Apply("d2", testing::Doc("乙乡", "某县", 2023, {{"a", 4}})).status());
  EXPECT_EQ(testing::AggregatorRows(restarted), expected);
  ASSERT_OK(restarted.Apply("d3", testing::Doc("丙乡", "某县", 2024, {{"b", 1}})).status());
  ASSERT_OK(restarted.Apply("d3", testing::Doc("丙乡", "某县", 2024, {{"b", 8}})).status());
  EXPECT_EQ(testing::AggregatorRows(restarted), expected);
  ASSERT_OK(restarted.Checkpoint());
  Aggregator after(store.get());
  EXPECT_EQ(testing::AggregatorRows(after), expected);
  // A removed rollup is gone from the store at the next checkpoint.
  ASSERT_OK(restarted.Apply("d3", testing::Doc("丙乡", "某县", 2024, {})).status());
  ASSERT_OK(restarted.Checkpoint());
  size_t stored_2024 = 0;
  ASSERT_OK(Aggregator(store.get()).ForEachRollup([&](const apb::Rollup& r) { stored_2024 += r.key().year() == 2024; }));
  EXPECT_EQ(stored_2024, 0u);
}

// A checkpoint is written in several batches; one cut short between them
// (a crash, a full disk) is not trusted: the next start derives the rollups
// from the contributions, and the next whole checkpoint loads as stored.
TEST(AggregatorCheckpointTest, ACheckpointCutShortIsNotTrusted) {
  auto mem = storage::NewMemStore(Aggregator::ColumnFamilies());
  testing::FaultyStore store(mem.get());
  Aggregator writer(&store);
  writer.set_checkpoint_batch_bytes(256);  // a few rollups per batch
  ASSERT_OK(writer.RebuildRollupsIfStale().status());
  const char* townships[] = {"甲乡", "乙乡", "丙乡", "丁乡", "戊乡", "己乡"};
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(writer.Apply("d" + std::to_string(i),
                           testing::Doc(townships[i], "某县", 2023, {{"a", i + 1.0}, {"b", 2.0 * i}, {"c", 7}}))
                  .status());
  }
  const int before = store.writes;
  ASSERT_OK(writer.Checkpoint());  // whole: loads as stored
  // The mark's removal, the rollups' table files, batches of region counts, the mark.
  const int writes = store.writes - before;
  EXPECT_GE(writes, 3);
  ASSERT_OK_AND_ASSIGN(size_t loaded, Aggregator(&store).RebuildRollupsIfStale());
  EXPECT_EQ(loaded, 0u);
  ASSERT_OK(writer.Apply("d6", testing::Doc("庚乡", "某县", 2023, {{"a", 9}})).status());
  const auto expected = testing::AggregatorRows(writer);
  // Cut short at each step: before the rollups land, and with everything but the mark landed.
  for (int fail_at : {2, writes}) {
    store.writes = 0;
    store.fail_write_at = fail_at;
    EXPECT_FALSE(writer.Checkpoint().ok()) << fail_at;
    store.fail_write_at = 0;
  }
  // A reader and a restarted service see the contributions' figures, derived.
  EXPECT_EQ(testing::AggregatorRows(Aggregator(&store)), expected);
  Aggregator restarted(&store);
  ASSERT_OK_AND_ASSIGN(size_t derived, restarted.RebuildRollupsIfStale());
  EXPECT_EQ(derived, 7u);
  EXPECT_EQ(testing::AggregatorRows(restarted), expected);
  ASSERT_OK_AND_ASSIGN(size_t again, Aggregator(&store).RebuildRollupsIfStale());
  EXPECT_EQ(again, 0u);  // the restart's checkpoint was whole
  EXPECT_EQ(testing::AggregatorRows(Aggregator(&store)), expected);
}

// Every rollup with its histogram, region_documents and coverage, in order.
std::vector<std::string> FullRows(const Aggregator& agg);

// A checkpoint of many rollups is built and written by two threads, each half
// in its own batches: what it stores loads as the table had it, histograms
// included, and a restart trusts it (loads, does not derive).
TEST(AggregatorCheckpointTest, ALargeCheckpointWrittenOnTwoThreadsLoadsAsStored) {
  auto store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator writer(store.get());
  writer.set_checkpoint_batch_bytes(64 << 10);
  ASSERT_OK(writer.RebuildRollupsIfStale().status());
  for (int i = 0; i < 3500; ++i) {  // 3 metrics of a township of its own: over 10,000 rollups
    const std::string township = "第" + std::to_string(i) + "乡";
    const std::string county = "县" + std::to_string(i % 7);
    ASSERT_OK(writer.Apply("d" + std::to_string(i),
                           testing::Doc(township, county, 2020 + i % 5, {{"a", i % 13 + 1.0}, {"b", i % 29 * 1.5}, {"c", 7}}))
                  .status());
  }
  ASSERT_OK(writer.Checkpoint());
  const auto expected = FullRows(writer);
  ASSERT_GT(expected.size(), 10000u);
  Aggregator restarted(store.get());
  ASSERT_OK_AND_ASSIGN(size_t derived, restarted.RebuildRollupsIfStale());
  EXPECT_EQ(derived, 0u);  // the checkpoint is whole and current
  EXPECT_EQ(FullRows(restarted), expected);
}

// A start that derives its rollups while the store still holds those of a
// checkpoint cut short (its mark removed, its rollups written) replaces them
// all, on two threads. The removal of the stale rollups must be written
// before either half: queued in the first half's batch, it used to land after
// the other thread had written its half, and deleted it, while the mark still
// came back (a chaos run, SIGKILL and a full disk, left a checkpoint "current"
// with half its rollups).
TEST(AggregatorCheckpointTest, ADerivedCheckpointOverStaleRollupsKeepsBothHalves) {
  auto store = storage::NewMemStore(Aggregator::ColumnFamilies());
  std::vector<std::string> expected;
  {
    Aggregator writer(store.get());
    ASSERT_OK(writer.RebuildRollupsIfStale().status());
    for (int i = 0; i < 3500; ++i) {  // over 10,000 rollups: written on two threads
      ASSERT_OK(writer.Apply("d" + std::to_string(i),
                             testing::Doc("第" + std::to_string(i) + "乡", "县" + std::to_string(i % 7), 2020 + i % 5,
                                          {{"a", i % 13 + 1.0}, {"b", i % 29 * 1.5}, {"c", 7}}))
                      .status());
    }
    ASSERT_OK(writer.Checkpoint());
    expected = FullRows(writer);
  }
  ASSERT_GT(expected.size(), 10000u);
  // Cut short: the mark is gone, every rollup is still stored (store key layout, aggregator.h).
  storage::WriteBatch unmark;
  unmark.Delete("meta", "rollups_checkpoint");
  ASSERT_OK(store->Write(unmark));
  {
    Aggregator restarted(store.get());
    ASSERT_OK_AND_ASSIGN(size_t derived, restarted.RebuildRollupsIfStale());
    EXPECT_EQ(derived, 3500u);  // from every contribution, then checkpointed over the stale rollups
    EXPECT_EQ(FullRows(restarted), expected);
  }
  Aggregator again(store.get());
  ASSERT_OK_AND_ASSIGN(size_t derived_again, again.RebuildRollupsIfStale());
  EXPECT_EQ(derived_again, 0u) << "the restart's checkpoint is current";
  const auto stored = FullRows(again);
  EXPECT_EQ(stored.size(), expected.size()) << "rollups lost from the stored checkpoint";
  EXPECT_TRUE(stored == expected);
}

std::vector<std::string> FullRows(const Aggregator& agg) {
  std::vector<std::string> rows;
  EXPECT_OK(agg.ForEachRollup([&](const apb::Rollup& r) {
    apb::Rollup copy = r;
    copy.clear_units();  // a map: compared below in order
    std::string row = stream::EncodeRollupKey(r.key()) + "|" + copy.SerializeAsString();
    std::map<std::string, uint64_t> units(r.units().begin(), r.units().end());
    for (const auto& [unit, n] : units) row += "|" + unit + "=" + std::to_string(n);
    rows.push_back(std::move(row));
  }));
  return rows;
}

// Bounded memory: with a budget so small that every eviction writes and
// evicts every rollup, the figures (histograms included) equal those of a table that
// keeps everything, through new documents, replacements that move a document
// to another region, a rollup emptied and filled again before the next
// checkpoint (its stale stored form must not come back), withdrawals, a
// restart that loads the checkpoint lazily, and readers.
TEST(AggregatorMemoryTest, ABoundedTableGivesTheFiguresOfAnUnboundedOne) {
  auto full_store = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator full(full_store.get());
  full.set_rollup_memory_budget(0);  // never evicts
  auto small_store = storage::NewMemStore(Aggregator::ColumnFamilies());
  auto small = std::make_unique<Aggregator>(small_store.get());
  small->set_rollup_memory_budget(1);
  ASSERT_OK(small->RebuildRollupsIfStale().status());
  ASSERT_OK(full.RebuildRollupsIfStale().status());

  int steps = 0;
  auto both = [&](const std::string& id, const extract::v1::ExtractionResult& r, bool evict) {
    ASSERT_OK(full.Apply(id, r).status());
    ASSERT_OK(small->Apply(id, r).status());
    if (evict) {
      ASSERT_TRUE(small->OverMemoryBudget());
      if (++steps % 3 == 0) ASSERT_OK(small->Checkpoint());  // sometimes all clean, mostly changed
      ASSERT_OK_AND_ASSIGN(size_t evicted, small->BoundMemory());
      EXPECT_GT(evicted, 0u);
      EXPECT_EQ(small->RollupCount(), 0u);  // a budget of 1 byte: every rollup written and evicted
    }
    EXPECT_EQ(FullRows(*small), FullRows(full)) << "after " << id;
  };
  const char* townships[] = {"甲乡", "乙乡", "丙乡", "丁乡"};
  for (int i = 0; i < 12; ++i) {
    both("d" + std::to_string(i),
         testing::Doc(townships[i % 4], i % 2 ? "某县" : "他县", 2020 + i % 3,
             {{"mediation.disputes_handled", 10.0 * (i % 5)}, {"training.sessions", i + 0.5}}),
         true);
  }
  // d0 moves away from 甲乡/他县/2020 and comes back with another value, and
  // d4 leaves the same rollups empty in between, with no checkpoint between.
  both("d0", testing::Doc("戊乡", "某县", 2024, {{"mediation.disputes_handled", 3}}), false);
  both("d4", testing::Doc("戊乡", "某县", 2024, {{"training.sessions", 1}}), false);
  both("d8", testing::Doc("戊乡", "某县", 2024, {{"training.sessions", 2}}), false);
  both("d0", testing::Doc("甲乡", "他县", 2020, {{"mediation.disputes_handled", 77}}), true);
  both("d9", testing::Doc("甲乡", "他县", 2020, {{"mediation.disputes_handled", 77}}), true);

  std::vector<WithdrawDocument> gone = {{"d1", 1}, {"d0", 1}};
  ASSERT_OK(full.Withdraw(gone).status());
  ASSERT_OK(small->Withdraw(gone).status());
  EXPECT_EQ(FullRows(*small), FullRows(full));
  ASSERT_OK(small->Checkpoint());
  EXPECT_EQ(FullRows(*small), FullRows(full));

  // A restart loads the checkpoint lazily (no rollup in memory) and goes on.
  small = std::make_unique<Aggregator>(small_store.get());
  small->set_rollup_memory_budget(1);
  ASSERT_OK_AND_ASSIGN(size_t derived, small->RebuildRollupsIfStale());
  EXPECT_EQ(derived, 0u);
  EXPECT_EQ(small->RollupCount(), 0u);
  EXPECT_EQ(FullRows(*small), FullRows(full));
  both("d2", testing::Doc("乙乡", "某县", 2022, {{"mediation.disputes_handled", 5}}), false);
  both("d12", testing::Doc("丙乡", "他县", 2020, {{"training.sessions", 0.5}}), true);
  // A reader of the store, as the CLI opens it.
  EXPECT_EQ(FullRows(Aggregator(small_store.get())), FullRows(full));
}

// The histogram's blocks give the same statistics as a sorted array of every
// value, through inserts and removals of many values (blocks split and empty).
TEST(ValueHistogramTest, QuantilesAndSumsEqualASortedArray) {
  ValueHistogram h;
  std::multiset<double> all;
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  for (int i = 0; i < 5000; ++i) {
    const double v = static_cast<double>(next() % 1500) / 4;
    if (next() % 3 == 0 && all.count(v)) {
      h.Add(v, -1);
      all.erase(all.find(v));
    } else {
      h.Add(v, +1);
      all.insert(v);
    }
  }
  h.Add(-1, -1);  // absent: nothing
  ASSERT_EQ(h.total(), all.size());
  const std::vector<double> sorted(all.begin(), all.end());
  for (double q : {0.01, 0.25, 0.5, 0.9, 1.0}) {
    const size_t rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(q * sorted.size())));
    EXPECT_EQ(h.Quantile(q), sorted[rank - 1]) << q;
  }
  EXPECT_EQ(h.min(), sorted.front());
  EXPECT_EQ(h.max(), sorted.back());
  std::set<double> distinct(sorted.begin(), sorted.end());
  EXPECT_EQ(h.distinct(), distinct.size());
  double last = -2;
  h.Visit([&](double v, uint64_t n) {
    EXPECT_LT(last, v);
    EXPECT_EQ(n, all.count(v));
    last = v;
  });
  for (double v : sorted) h.Add(v, -1);
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.total(), 0u);
}

}  // namespace
}  // namespace reportflow::aggregate
