#include "cli/corpus_generator.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "common/text/encoding.h"
#include "services/extract/evaluation.h"
#include "services/segment/segmenter.h"
#include "tests/testing/test_util.h"

namespace reportflow::cli {
namespace {
namespace fs = std::filesystem;

std::map<std::string, std::string> ReadTree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = testing::ReadFileOrDie(e.path());
  }
  return files;
}

TEST(CorpusGeneratorTest, SameSeedSameBytesOtherSeedOtherBytes) {
  testing::TempDir a, b, c;
  ASSERT_OK(GenerateCorpus({120, 42, a.path().string()}).status());
  ASSERT_OK(GenerateCorpus({120, 42, b.path().string()}).status());
  ASSERT_OK(GenerateCorpus({120, 43, c.path().string()}).status());
  const auto ta = ReadTree(a.path());
  EXPECT_EQ(ta, ReadTree(b.path()));
  EXPECT_NE(ta, ReadTree(c.path()));
}

TEST(CorpusGeneratorTest, GoldSpansOccurOnceInTheDecodedReports) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(CorpusStats stats, GenerateCorpus({200, 9, dir.path().string()}));
  EXPECT_EQ(stats.text_files + stats.archived, 200);
  ASSERT_GT(stats.gold_items, 200);
  std::map<std::string, std::string> texts;
  std::set<std::string> encodings;
  for (const auto& e : fs::directory_iterator(dir / "reports")) {
    if (e.path().extension() != ".txt") continue;
    ASSERT_OK_AND_ASSIGN(auto decoded, text::DecodeToUtf8(testing::ReadFileOrDie(e.path())));
    encodings.insert(decoded.encoding);
    texts[e.path().filename().string()] = decoded.utf8;
  }
  EXPECT_EQ(encodings, (std::set<std::string>{"UTF-8", "GB18030"}));
  ASSERT_OK_AND_ASSIGN(auto gold, extract::ParseGoldJsonl(testing::ReadFileOrDie(dir / "gold.jsonl")));
  EXPECT_EQ(static_cast<int>(gold.size()), stats.gold_items);
  ASSERT_OK(extract::LocateGold(texts, &gold));  // every span exactly once
  int metas = 0;
  for (const auto& line : testing::Lines(testing::ReadFileOrDie(dir / "gold_meta.jsonl"))) {
    auto m = nlohmann::json::parse(line);
    EXPECT_TRUE(texts.count(m["file"].get<std::string>()));
    EXPECT_GE(m["report_year"].get<int>(), 2019);
    EXPECT_LE(m["report_year"].get<int>(), 2025);
    ++metas;
  }
  EXPECT_EQ(metas, stats.text_files);
}

TEST(CorpusGeneratorTest, ExtractionOnAGeneratedCorpusIsScoredByEval) {
  testing::TempDir dir;
  ASSERT_OK(GenerateCorpus({60, 5, dir.path().string()}).status());
  ASSERT_OK_AND_ASSIGN(auto segmenter, segment::Segmenter::Create());
  ASSERT_OK_AND_ASSIGN(auto taxonomy, extract::Taxonomy::Default());
  ASSERT_OK_AND_ASSIGN(auto extractor, extract::Extractor::Create(taxonomy));
  ASSERT_OK_AND_ASSIGN(
      auto report,
      extract::EvaluateReports((dir / "gold.jsonl").string(), (dir / "reports").string(),
                               [&](std::string_view t, segment::v1::SegmentedDocument* out) {
                                 return segmenter->Segment(t, out);
                               },
                               *extractor));
  // A sanity bound only: the figures are reported by `reportflow eval`, not tuned here.
  EXPECT_GT(report.recall, 0.5) << report.ToString();
  EXPECT_GT(report.precision, 0.5) << report.ToString();
}

TEST(CorpusGeneratorTest, RejectsBadOptions) {
  testing::TempDir dir;
  EXPECT_FALSE(GenerateCorpus({0, 1, dir.path().string()}).ok());
}

}  // namespace
}  // namespace reportflow::cli
