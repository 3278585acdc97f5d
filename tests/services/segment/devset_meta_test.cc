// Acceptance gate: on every sample report, the segmenter's metadata and
// top-level headings equal the gold annotations in
// tests/testdata/devset/gold_meta.jsonl (conventions in its README.md).
#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "services/segment/segmenter.h"
#include "tests/testing/test_util.h"

namespace reportflow::segment {
namespace {

namespace pb = ::reportflow::segment::v1;
using nlohmann::json;

std::string OrEmpty(const json& j) { return j.is_null() ? std::string() : j.get<std::string>(); }

std::vector<json> LoadGold() {
  const auto path = testing::SourceDir() / "tests" / "testdata" / "devset" / "gold_meta.jsonl";
  std::ifstream in(path);
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

class DevsetMetaTest : public ::testing::TestWithParam<size_t> {
 protected:
  static void SetUpTestSuite() { gold_ = new std::vector<json>(LoadGold()); }
  static void TearDownTestSuite() {
    delete gold_;
    gold_ = nullptr;
  }
  static std::vector<json>* gold_;
};
std::vector<json>* DevsetMetaTest::gold_ = nullptr;

TEST(DevsetGoldFile, HasAllFiveSamples) { EXPECT_EQ(LoadGold().size(), 5u); }

TEST_P(DevsetMetaTest, MetadataAndTopLevelHeadingsMatchGold) {
  ASSERT_LT(GetParam(), gold_->size());
  const json& gold = (*gold_)[GetParam()];
  const std::string file = gold.at("file").get<std::string>();
  SCOPED_TRACE(file);
  const std::string text =
      testing::ReadFileOrDie(testing::SourceDir() / "samples" / "reports" / file);
  ASSERT_FALSE(text.empty());

  ASSERT_OK_AND_ASSIGN(auto segmenter, Segmenter::Create());
  pb::SegmentedDocument doc;
  ASSERT_OK(segmenter->Segment(text, &doc));
  const auto& meta = doc.metadata();

  EXPECT_EQ(meta.township(), OrEmpty(gold.at("township")));
  EXPECT_EQ(meta.county(), OrEmpty(gold.at("county_or_district")));
  // Gold has one field for "province or city", set only when stated.
  const std::string province_or_city = !meta.province().empty() ? meta.province() : meta.city();
  EXPECT_EQ(province_or_city, OrEmpty(gold.at("province_or_city")));
  if (gold.at("report_year").is_null()) {
    EXPECT_FALSE(meta.has_year());
  } else {
    ASSERT_TRUE(meta.has_year());
    EXPECT_EQ(meta.year(), gold.at("report_year").get<int>());
  }
  EXPECT_EQ(meta.report_date(), OrEmpty(gold.at("report_date")));

  std::vector<std::string> doc_numbers(meta.doc_numbers().begin(), meta.doc_numbers().end());
  EXPECT_EQ(doc_numbers, gold.at("doc_numbers").get<std::vector<std::string>>());
  std::vector<std::string> laws(meta.cited_laws().begin(), meta.cited_laws().end());
  EXPECT_EQ(laws, gold.at("cited_laws").get<std::vector<std::string>>());

  std::vector<std::string> top_level;
  for (const pb::Section& s : doc.sections()) {
    if (s.parent() == -1) top_level.push_back(s.heading());
  }
  EXPECT_EQ(top_level, gold.at("sections").get<std::vector<std::string>>());
}

// The same report stored as one line (every line break removed) must give
// the same metadata and top-level headings: nothing may depend on lines.
TEST_P(DevsetMetaTest, SameResultWhenTheReportIsOneLine) {
  ASSERT_LT(GetParam(), gold_->size());
  const json& gold = (*gold_)[GetParam()];
  const std::string file = gold.at("file").get<std::string>();
  SCOPED_TRACE(file);
  std::string text = testing::ReadFileOrDie(testing::SourceDir() / "samples" / "reports" / file);
  std::erase_if(text, [](char c) { return c == '\n' || c == '\r'; });

  ASSERT_OK_AND_ASSIGN(auto segmenter, Segmenter::Create());
  pb::SegmentedDocument doc;
  ASSERT_OK(segmenter->Segment(text, &doc));
  const auto& meta = doc.metadata();
  EXPECT_EQ(meta.township(), OrEmpty(gold.at("township")));
  EXPECT_EQ(meta.county(), OrEmpty(gold.at("county_or_district")));
  EXPECT_EQ(!meta.province().empty() ? meta.province() : meta.city(),
            OrEmpty(gold.at("province_or_city")));
  ASSERT_TRUE(meta.has_year());
  EXPECT_EQ(meta.year(), gold.at("report_year").get<int>());
  EXPECT_EQ(meta.report_date(), OrEmpty(gold.at("report_date")));
  EXPECT_EQ(std::vector<std::string>(meta.doc_numbers().begin(), meta.doc_numbers().end()),
            gold.at("doc_numbers").get<std::vector<std::string>>());
  EXPECT_EQ(std::vector<std::string>(meta.cited_laws().begin(), meta.cited_laws().end()),
            gold.at("cited_laws").get<std::vector<std::string>>());
  std::vector<std::string> top_level;
  for (const pb::Section& s : doc.sections()) {
    if (s.parent() == -1) top_level.push_back(s.heading());
  }
  EXPECT_EQ(top_level, gold.at("sections").get<std::vector<std::string>>());
}

INSTANTIATE_TEST_SUITE_P(AllSamples, DevsetMetaTest, ::testing::Range<size_t>(0, 5));

}  // namespace
}  // namespace reportflow::segment
