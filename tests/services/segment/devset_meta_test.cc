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

// Where the gazetteer places each sample (gold_meta.jsonl records what the
// text itself states; the gazetteer adds the rest).
struct ExpectedPlace {
  const char* file;
  const char* county;
  const char* city;
  const char* province;
  const char* township_code;
  common::v1::PlaceStatus status;
  int candidates;
};
constexpr ExpectedPlace kExpected[] = {
    // 花台乡 is unique nationwide; the text's 巫溪府办发 agrees.
    {"000_dcd7630493403724.txt", "巫溪县", "重庆市", "重庆市", "500238237000", common::v1::PLACE_STATUS_RESOLVED, 0},
    // 娘子神乡 is unique nationwide.
    {"001_3ed92bd71da045e5.txt", "静乐县", "忻州市", "山西省", "140926208000", common::v1::PLACE_STATUS_RESOLVED, 0},
    // 重庆市万州区柱山乡 in the issuer lines (and unique).
    {"002_a6fefeade6ba0466.txt", "万州区", "重庆市", "重庆市", "500101201000", common::v1::PLACE_STATUS_RESOLVED, 0},
    // 大桥瑶族乡 is unique nationwide.
    {"003_1c944b72cf063491.txt", "蓝山县", "永州市", "湖南省", "431127204000", common::v1::PLACE_STATUS_RESOLVED, 0},
    // 东关镇: 保德县 (山西) and 永春县 (福建); the text says only 县委、县政府.
    {"004_7ab535f76b944261.txt", "", "", "", "", common::v1::PLACE_STATUS_AMBIGUOUS, 2},
};

void ExpectPlace(const std::string& file, const common::v1::DocumentMetadata& meta, const json& gold) {
  // The text's own names: the township as written, and the county and
  // province/city the text states agree with the resolved ones.
  EXPECT_EQ(meta.township(), OrEmpty(gold.at("township")));
  EXPECT_EQ(meta.place().township_written(), OrEmpty(gold.at("township")));
  if (!gold.at("county_or_district").is_null()) {
    EXPECT_EQ(meta.county(), OrEmpty(gold.at("county_or_district")));
  }
  if (!gold.at("province_or_city").is_null()) {
    EXPECT_EQ(meta.province(), OrEmpty(gold.at("province_or_city")));
  }
  EXPECT_EQ(meta.unit_level(), common::v1::REGION_LEVEL_TOWNSHIP);
  for (const ExpectedPlace& e : kExpected) {
    if (file != e.file) continue;
    EXPECT_EQ(meta.place().status(), e.status);
    EXPECT_EQ(meta.county(), e.county);
    EXPECT_EQ(meta.city(), e.city);
    EXPECT_EQ(meta.province(), e.province);
    EXPECT_EQ(meta.township_code(), e.township_code);
    EXPECT_EQ(meta.place().candidates_size(), e.candidates);
    return;
  }
  ADD_FAILURE() << "no expected place for " << file;
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

  ExpectPlace(file, meta, gold);
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
  ExpectPlace(file, meta, gold);
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
