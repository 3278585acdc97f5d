#include "services/extract/evaluation.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "tests/services/extract/doc_builder.h"
#include "tests/testing/test_util.h"

namespace reportflow::extract {
namespace {

namespace pb = ::reportflow::extract::v1;
namespace cpb = ::reportflow::common::v1;

TEST(ParseGoldTest, ParsesFieldsAndDoubtful) {
  const std::string content =
      R"({"file": "a.txt", "text": "调处纠纷12余件", "value": 12, "unit": "件", "approx": "more_than", "kind": "count", "subject": "调处纠纷"})"
      "\n\n"
      R"({"file": "a.txt", "text": "三级", "value": 3, "unit": "级", "approx": "exact", "kind": "other", "subject": "层级", "doubtful": true})"
      "\n";
  ASSERT_OK_AND_ASSIGN(auto gold, ParseGoldJsonl(content));
  ASSERT_EQ(gold.size(), 2u);
  EXPECT_EQ(gold[0].text, "调处纠纷12余件");
  EXPECT_EQ(gold[0].approx, cpb::APPROX_MORE_THAN);
  EXPECT_EQ(gold[0].kind, cpb::QUANTITY_KIND_COUNT);
  EXPECT_FALSE(gold[0].doubtful);
  EXPECT_TRUE(gold[1].doubtful);
  EXPECT_EQ(gold[1].line, 3);
}

TEST(ParseGoldTest, RejectsMalformedLines) {
  for (const std::string& bad : {
           std::string("not json\n"),
           std::string(R"({"file": "a.txt", "text": "x", "unit": "件", "approx": "exact", "kind": "count", "subject": "s"})"),
           std::string(R"({"file": "a.txt", "text": "x", "value": 1, "unit": "件", "approx": "roughly", "kind": "count", "subject": "s"})"),
           std::string(R"({"file": "a.txt", "text": "x", "value": 1, "unit": "件", "approx": "exact", "kind": "mass", "subject": "s"})"),
           std::string(R"({"file": "a.txt", "text": "x", "value": 1, "unit": "件", "approx": "exact", "kind": "count", "subject": "s", "doubtful": "yes"})"),
       }) {
    EXPECT_FALSE(ParseGoldJsonl(bad).ok()) << bad;
  }
}

GoldItem Gold(const std::string& text, double value, const std::string& unit, cpb::Approx approx,
              bool doubtful = false) {
  GoldItem g;
  g.file = "a.txt";
  g.text = text;
  g.value = value;
  g.unit = unit;
  g.approx = approx;
  g.doubtful = doubtful;
  return g;
}

void AddMetric(pb::ExtractionResult* r, const std::string& doc, const std::string& text, double value,
               const std::string& unit, cpb::Approx approx) {
  pb::Metric* m = r->add_metrics();
  const size_t p = doc.find(text);
  ASSERT_NE(p, std::string::npos);
  m->mutable_span()->set_begin(static_cast<uint32_t>(p));
  m->mutable_span()->set_end(static_cast<uint32_t>(p + text.size()));
  m->set_text(text);
  m->set_value(value);
  m->set_unit(unit);
  m->set_approx(approx);
}

TEST(ScoreTest, CountsTruePositivesMissesFalsePositivesAndDoubtful) {
  const std::string doc = "全年调处纠纷12余件，成功11件，乡村两级联动，开展宣传5场，2023年结束。";
  std::vector<GoldItem> gold = {
      Gold("调处纠纷12余件", 12, "件", cpb::APPROX_MORE_THAN),
      Gold("成功11件", 11, "件", cpb::APPROX_EXACT),
      Gold("乡村两级", 2, "级", cpb::APPROX_EXACT, /*doubtful=*/true),
      Gold("开展宣传5场", 5, "场", cpb::APPROX_EXACT),
  };
  ASSERT_OK(LocateGold({{"a.txt", doc}}, &gold));
  pb::ExtractionResult r;
  AddMetric(&r, doc, "12余件", 12, "件", cpb::APPROX_MORE_THAN);  // TP
  AddMetric(&r, doc, "11件", 11, "件", cpb::APPROX_MORE_THAN);    // wrong approx: FP + miss
  AddMetric(&r, doc, "两级", 2, "级", cpb::APPROX_EXACT);          // doubtful: neutral
  AddMetric(&r, doc, "5场", 5, "场", cpb::APPROX_EXACT);           // TP
  AddMetric(&r, doc, "2023年", 2023, "年", cpb::APPROX_EXACT);     // FP
  const EvalReport report = Score(gold, {{"a.txt", r}, {"b.txt", pb::ExtractionResult()}});
  EXPECT_EQ(report.gold, 3);
  EXPECT_EQ(report.doubtful, 1);
  EXPECT_EQ(report.extracted, 5);
  EXPECT_EQ(report.true_positives, 2);
  EXPECT_EQ(report.false_positives, 2);
  EXPECT_EQ(report.neutral, 1);
  EXPECT_EQ(report.misses, 1);
  EXPECT_DOUBLE_EQ(report.precision, 0.5);
  EXPECT_DOUBLE_EQ(report.recall, 2.0 / 3.0);
  ASSERT_EQ(report.files.size(), 2u);
  EXPECT_EQ(report.files[1].file, "b.txt");
  EXPECT_EQ(report.files[1].extracted, 0);
  ASSERT_EQ(report.missed.size(), 1u);
  EXPECT_EQ(report.missed[0].text, "成功11件");
  EXPECT_NE(report.missed[0].detail.find("more_than"), std::string::npos);
  ASSERT_EQ(report.false_positive_list.size(), 2u);
  const std::string printed = report.ToString();
  EXPECT_NE(printed.find("precision 0.5000"), std::string::npos) << printed;
  EXPECT_NE(printed.find("成功11件"), std::string::npos);
}

TEST(ScoreTest, AnUnextractedDoubtfulItemIsNotAMiss) {
  const std::string doc = "乡村两级联动。";
  std::vector<GoldItem> gold = {Gold("乡村两级", 2, "级", cpb::APPROX_EXACT, true)};
  ASSERT_OK(LocateGold({{"a.txt", doc}}, &gold));
  const EvalReport report = Score(gold, {{"a.txt", pb::ExtractionResult()}});
  EXPECT_EQ(report.misses, 0);
  EXPECT_DOUBLE_EQ(report.recall, 1.0);
  EXPECT_DOUBLE_EQ(report.precision, 1.0);
}

TEST(LocateGoldTest, RequiresAUniqueSpanInAKnownFile) {
  std::vector<GoldItem> gold = {Gold("3次", 3, "次", cpb::APPROX_EXACT)};
  EXPECT_FALSE(LocateGold({{"a.txt", "开展3次，又3次。"}}, &gold).ok());
  EXPECT_FALSE(LocateGold({{"a.txt", "没有"}}, &gold).ok());
  EXPECT_FALSE(LocateGold({{"b.txt", "开展3次"}}, &gold).ok());
  ASSERT_OK(LocateGold({{"a.txt", "开展3次。"}}, &gold));
  EXPECT_EQ(gold[0].begin, 6u);
  EXPECT_EQ(gold[0].end, 10u);
}

TEST(EvaluateReportsTest, RunsSegmentExtractAndScoreOverADirectory) {
  reportflow::testing::TempDir dir;
  {
    std::ofstream(dir / "r1.txt") << "全年开展普法宣传活动8场，发放资料约600份。\n";
    std::ofstream(dir / "r2.txt") << "2023年，我乡统一部署。\n";
    std::ofstream(dir / "notes.md") << "ignored";
    std::ofstream(dir / "gold.jsonl")
        << R"({"file": "r1.txt", "text": "开展普法宣传活动8场", "value": 8, "unit": "场", "approx": "exact", "kind": "count", "subject": "普法宣传活动"})"
        << "\n"
        << R"({"file": "r1.txt", "text": "发放资料约600份", "value": 600, "unit": "份", "approx": "about", "kind": "count", "subject": "发放资料"})"
        << "\n";
  }
  ASSERT_OK_AND_ASSIGN(auto taxonomy, Taxonomy::Default());
  ASSERT_OK_AND_ASSIGN(auto extractor, Extractor::Create(taxonomy));
  int segmented = 0;
  SegmentFn segment = [&](std::string_view text, segment::v1::SegmentedDocument* out) {
    ++segmented;
    const std::string source = out->source();
    *out = testing::MakeDoc(text);
    out->set_source(source);
    return Status::OK();
  };
  ASSERT_OK_AND_ASSIGN(EvalReport report, EvaluateReports((dir / "gold.jsonl").string(), dir.path().string(),
                                                          segment, *extractor));
  EXPECT_EQ(segmented, 2);
  EXPECT_EQ(report.files.size(), 2u);
  EXPECT_EQ(report.true_positives, 2);
  EXPECT_EQ(report.false_positives, 0);
  EXPECT_DOUBLE_EQ(report.recall, 1.0);
  // A failing segmenter is reported, not ignored.
  SegmentFn failing = [](std::string_view, segment::v1::SegmentedDocument*) {
    return Status::InvalidArgument("boom");
  };
  EXPECT_FALSE(EvaluateReports((dir / "gold.jsonl").string(), dir.path().string(), failing, *extractor).ok());
  EXPECT_FALSE(EvaluateReports((dir / "missing.jsonl").string(), dir.path().string(), segment, *extractor).ok());
}

}  // namespace
}  // namespace reportflow::extract
