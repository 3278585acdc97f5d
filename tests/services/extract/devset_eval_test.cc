// Acceptance gate: on the devset (samples/reports + tests/testdata/devset/gold.jsonl),
// segmented by the real Segmenter, extraction must reach recall 1.0 and
// precision >= 0.98 (doubtful gold items may go either way).
#include <gtest/gtest.h>

#include "common/results/section_path.h"
#include "services/extract/evaluation.h"
#include "services/extract/extractor.h"
#include "services/segment/segmenter.h"
#include "common/base/macros.h"
#include "tests/testing/test_util.h"

namespace reportflow::extract {
namespace {

// The samples segmented by the real Segmenter and scored against a gold file
// of tests/testdata/devset.
Result<EvalReport> EvaluateDevset(const std::string& gold_file) {
  const auto root = reportflow::testing::SourceDir();
  ASSIGN_OR_RETURN(auto segmenter, segment::Segmenter::Create());
  ASSIGN_OR_RETURN(auto taxonomy, Taxonomy::Default());
  ASSIGN_OR_RETURN(auto extractor, Extractor::Create(taxonomy));
  SegmentFn segment = [&](std::string_view text, segment::v1::SegmentedDocument* out) {
    return segmenter->Segment(text, out);
  };
  return EvaluateReports((root / "tests/testdata/devset" / gold_file).string(), (root / "samples/reports").string(),
                         segment, *extractor);
}

TEST(DevsetEvaluationTest, RecallOneAndPrecisionAtLeast098) {
  ASSERT_OK_AND_ASSIGN(EvalReport report, EvaluateDevset("gold.jsonl"));
  const std::string printed = report.ToString();
  EXPECT_EQ(report.files.size(), 5u) << printed;
  EXPECT_EQ(report.gold, 49) << printed;  // 50 lines, one doubtful
  EXPECT_DOUBLE_EQ(report.recall, 1.0) << printed;
  EXPECT_GE(report.precision, 0.98) << printed;
  std::cout << printed;
}

// Metric meaning: at least 98% of the matched devset quantities carry a metric
// id from their `ok_metrics` (tests/testdata/devset/gold_metrics.jsonl), and
// extraction itself stays perfect.
TEST(DevsetEvaluationTest, MetricAccuracyAtLeast098) {
  ASSERT_OK_AND_ASSIGN(EvalReport report, EvaluateDevset("gold_metrics.jsonl"));
  const std::string printed = report.ToString();
  EXPECT_DOUBLE_EQ(report.recall, 1.0) << printed;
  EXPECT_DOUBLE_EQ(report.precision, 1.0) << printed;
  EXPECT_EQ(report.metric_scored, 49) << printed;
  EXPECT_GE(report.metric_accuracy, 0.98) << printed;
  std::cout << printed;
}

TEST(DevsetEvaluationTest, MetricsCarrySectionPathsFromTheSegmenter) {
  const auto root = reportflow::testing::SourceDir();
  ASSERT_OK_AND_ASSIGN(auto segmenter, segment::Segmenter::Create());
  ASSERT_OK_AND_ASSIGN(auto taxonomy, Taxonomy::Default());
  ASSERT_OK_AND_ASSIGN(auto extractor, Extractor::Create(taxonomy));
  const std::string text = reportflow::testing::ReadFileOrDie(root / "samples/reports/000_dcd7630493403724.txt");
  segment::v1::SegmentedDocument doc;
  doc.set_source("000_dcd7630493403724.txt");
  ASSERT_OK(segmenter->Segment(text, &doc));
  v1::ExtractionResult out;
  ASSERT_OK(extractor->Extract(doc, &out));
  ASSERT_GT(out.metrics_size(), 0);
  for (const auto& m : out.metrics()) {
    EXPECT_EQ(doc.text().substr(m.span().begin(), m.span().end() - m.span().begin()), m.text());
    EXPECT_LE(m.sentence_span().begin(), m.span().begin());
    EXPECT_GE(m.sentence_span().end(), m.span().end());
    if (m.section() >= 0) {
      const std::vector<std::string_view> path = results::SectionPath(out.sections(), m);
      ASSERT_FALSE(path.empty()) << m.text();
      EXPECT_EQ(path.back(), doc.sections(m.section()).heading());
      // Every heading on the path, top level down, is an ancestor's.
      int at = m.section();
      for (size_t i = path.size(); i-- > 0;) {
        ASSERT_GE(at, 0) << m.text();
        EXPECT_EQ(path[i], doc.sections(at).heading());
        at = doc.sections(at).parent();
      }
      EXPECT_EQ(at, -1) << m.text();
    }
  }
}

}  // namespace
}  // namespace reportflow::extract
