// The shared query filter, near matches for typos, and the exit code of a finished batch.
#include "cli/filters.h"

#include <gtest/gtest.h>

#include "cli/exit_codes.h"
#include "cli/near_match.h"
#include "tests/testing/test_util.h"

namespace reportflow::cli {
namespace {

namespace cpb = ::reportflow::common::v1;

FilterVocabulary Vocabulary() {
  FilterVocabulary v;
  v.regions = {{"贵州省", "520000000000"}, {"黔南布依族苗族自治州", "522700000000"}, {"塘坡县", "522799000000"},
               {"龙坪镇", "522799101000"}, {"重庆市", "500000000000"}, {"万州区", "500101000000"},
               {"新开乡", ""}};
  v.years = {0, 2023, 2024};
  v.metrics = {"mediation.disputes_handled", "mediation.success_rate", "legal_aid.cases"};
  return v;
}

cpb::DocumentMetadata Place(const std::string& township, const std::string& township_code, int year) {
  cpb::DocumentMetadata m;
  m.set_township(township);
  m.set_township_code(township_code);
  if (!township_code.empty()) {
    m.set_county("塘坡县");
    m.set_county_code("522799000000");
    m.set_city("黔南布依族苗族自治州");
    m.set_city_code("522700000000");
    m.set_province("贵州省");
    m.set_province_code("520000000000");
  }
  m.set_year(year);
  return m;
}

aggregate::v1::RollupKey Key(cpb::RegionLevel level, const std::string& region, const std::string& code, int year,
                             const std::string& metric) {
  aggregate::v1::RollupKey k;
  k.set_level(level);
  k.set_region(region);
  k.set_region_code(code);
  k.set_year(year);
  k.set_metric_id(metric);
  return k;
}

TEST(NearMatchTest, CountsEditsInCodePoints) {
  EXPECT_EQ(EditDistance("stauts", "status"), 2u);
  EXPECT_EQ(EditDistance("塘坡县", "塘坝县"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(NearMatches("stauts", {"run", "status", "docs", "subscribe"}), std::vector<std::string>{"status"});
  EXPECT_EQ(NearMatches("metric", {"metrics", "docs"}), std::vector<std::string>{"metrics"});
  EXPECT_TRUE(NearMatches("zzzzzz", {"run", "status"}).empty());
  EXPECT_EQ(DidYouMean({"status"}), "; did you mean 'status'?");
  EXPECT_EQ(DidYouMean({}), "");
}

TEST(RecordFilterTest, RegionByTraditionalNameMatchesEveryLevelBelowIt) {
  ASSERT_OK_AND_ASSIGN(RecordFilter f, RecordFilter::Create({"塘坡縣", 0, ""}, Vocabulary()));
  EXPECT_TRUE(f.KeepPlace(Place("龙坪镇", "522799101000", 2024)));  // a township of the county
  EXPECT_FALSE(f.KeepPlace(Place("新开乡", "", 2024)));             // no place under it
  EXPECT_TRUE(f.KeepRollup(Key(cpb::REGION_LEVEL_COUNTY, "塘坡县", "522799000000", 2024, "legal_aid.cases")));
  EXPECT_FALSE(f.KeepRollup(Key(cpb::REGION_LEVEL_PROVINCE, "贵州省", "520000000000", 2024, "legal_aid.cases")));
}

TEST(RecordFilterTest, RegionByCodeShortNameOrNameOnly) {
  ASSERT_OK_AND_ASSIGN(RecordFilter by_code, RecordFilter::Create({"5227", 0, ""}, Vocabulary()));
  EXPECT_TRUE(by_code.KeepPlace(Place("龙坪镇", "522799101000", 2023)));
  ASSERT_OK_AND_ASSIGN(RecordFilter short_name, RecordFilter::Create({"万州", 0, ""}, Vocabulary()));
  EXPECT_TRUE(short_name.KeepRollup(Key(cpb::REGION_LEVEL_COUNTY, "万州区", "500101000000", 2023, "x")));
  ASSERT_OK_AND_ASSIGN(RecordFilter name_only, RecordFilter::Create({"新开乡", 0, ""}, Vocabulary()));
  EXPECT_TRUE(name_only.KeepPlace(Place("新开乡", "", 2023)));
  EXPECT_FALSE(name_only.KeepPlace(Place("龙坪镇", "522799101000", 2023)));
  ASSERT_OK_AND_ASSIGN(RecordFilter unknown, RecordFilter::Create({"(unknown)", 0, ""}, Vocabulary()));
  EXPECT_TRUE(unknown.KeepPlace(cpb::DocumentMetadata()));
  EXPECT_FALSE(unknown.KeepPlace(Place("新开乡", "", 2023)));
}

TEST(RecordFilterTest, UnknownRegionMetricOrYearIsAnErrorWithNearMatches) {
  auto region = RecordFilter::Create({"塘坝縣", 0, ""}, Vocabulary());
  ASSERT_FALSE(region.ok());
  EXPECT_EQ(region.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(region.status().message().find("did you mean '塘坡县'"), std::string::npos) << region.status().message();
  auto metric = RecordFilter::Create({"", 0, "mediaton."}, Vocabulary());
  ASSERT_FALSE(metric.ok());
  EXPECT_NE(metric.status().message().find("did you mean 'mediation.'"), std::string::npos)
      << metric.status().message();
  auto typo = RecordFilter::Create({"", 0, "typo.metric"}, Vocabulary());
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("no metric id starting with 'typo.metric'"), std::string::npos);
  auto year = RecordFilter::Create({"", 2031, ""}, Vocabulary());
  ASSERT_FALSE(year.ok());
  EXPECT_NE(year.status().message().find("years: 2023, 2024"), std::string::npos) << year.status().message();
  auto code = RecordFilter::Create({"522798", 0, ""}, Vocabulary());
  ASSERT_FALSE(code.ok());
  EXPECT_NE(code.status().message().find("522799000000"), std::string::npos) << code.status().message();
}

TEST(RecordFilterTest, YearAndMetricPrefix) {
  ASSERT_OK_AND_ASSIGN(RecordFilter f, RecordFilter::Create({"", 2024, "mediation."}, Vocabulary()));
  EXPECT_TRUE(f.KeepRollup(Key(cpb::REGION_LEVEL_COUNTY, "塘坡县", "522799000000", 2024, "mediation.success_rate")));
  EXPECT_FALSE(f.KeepRollup(Key(cpb::REGION_LEVEL_COUNTY, "塘坡县", "522799000000", 2023, "mediation.success_rate")));
  EXPECT_FALSE(f.KeepRollup(Key(cpb::REGION_LEVEL_COUNTY, "塘坡县", "522799000000", 2024, "legal_aid.cases")));
  google::protobuf::RepeatedPtrField<extract::v1::Metric> metrics;
  metrics.Add()->set_metric_id("legal_aid.cases");
  EXPECT_FALSE(f.KeepDocument(Place("龙坪镇", "522799101000", 2024), metrics));
  metrics.Add()->set_metric_id("mediation.disputes_handled");
  EXPECT_TRUE(f.KeepDocument(Place("龙坪镇", "522799101000", 2024), metrics));
  EXPECT_FALSE(f.KeepDocument(Place("龙坪镇", "522799101000", 2023), metrics));
}

pipeline::v1::BatchStatus Finished(uint32_t docs, uint32_t rejected, uint32_t duplicates, uint32_t quarantined) {
  pipeline::v1::BatchStatus st;
  st.set_scan_done(true);
  st.set_done(true);
  st.set_files_found(docs + rejected);
  st.set_documents(docs);
  st.set_completed(docs - quarantined);
  st.set_quarantined(quarantined);
  st.set_rejected(rejected);
  st.set_duplicates(duplicates);
  return st;
}

TEST(BatchExitCodeTest, ZeroOnlyWhenEveryInputBecameADocument) {
  EXPECT_EQ(BatchExitCode(Finished(5, 0, 0, 0), false), kExitOk);
  EXPECT_EQ(BatchExitCode(Finished(5, 1, 1, 0), false), kExitOk);  // a duplicate is a document
  EXPECT_EQ(BatchExitCode(Finished(5, 2, 1, 0), false), kExitRejected);
  EXPECT_EQ(BatchExitCode(Finished(5, 2, 1, 0), true), kExitOk);
  EXPECT_EQ(BatchExitCode(Finished(5, 2, 0, 1), true), kExitQuarantined);
  EXPECT_EQ(BatchExitCode(Finished(0, 0, 0, 0), false), kExitNothingToDo);
  pipeline::v1::BatchStatus missing = Finished(0, 1, 0, 0);
  missing.add_rejections()->set_reason(kNoSuchPath);
  EXPECT_EQ(BatchExitCode(missing, false), kExitNothingToDo);
  missing.mutable_rejections(0)->set_reason("not a regular file (device, socket or pipe)");
  EXPECT_EQ(BatchExitCode(missing, false), kExitRejected);
}

}  // namespace
}  // namespace reportflow::cli
