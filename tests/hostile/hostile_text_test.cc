// Hostile text at segment and extract (issue 10): pathological but valid
// UTF-8 finishes in bounded time and memory with sane output. The time bound
// is the ctest TIMEOUT of this test (no wall clock in assertions); memory is
// checked through the process's peak resident size.
#include <sys/resource.h>

#include <cmath>

#include "services/extract/extractor.h"
#include "services/segment/segmenter.h"
#include "tests/testing/test_util.h"

namespace reportflow {
namespace {

class HostileTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(segmenter_, segment::Segmenter::Create());
    ASSERT_OK_AND_ASSIGN(auto taxonomy, extract::Taxonomy::Default());
    ASSERT_OK_AND_ASSIGN(extractor_, extract::Extractor::Create(taxonomy));
  }

  // Segments and extracts `text`; checks the invariants every output must keep.
  extract::v1::ExtractionResult Run(const std::string& text, segment::v1::SegmentedDocument* doc_out = nullptr) {
    segment::v1::SegmentedDocument doc;
    Status s = segmenter_->Segment(text, &doc);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (const auto& sentence : doc.sentences()) {
      EXPECT_LE(sentence.span().begin(), sentence.span().end());
      EXPECT_LE(sentence.span().end(), text.size());
    }
    extract::v1::ExtractionResult result;
    s = extractor_->Extract(doc, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (const auto& m : result.metrics()) {
      EXPECT_TRUE(std::isfinite(m.value())) << m.text();
      EXPECT_GE(m.value(), 0) << m.text();
      if (m.has_value_max()) {
        EXPECT_TRUE(std::isfinite(m.value_max())) << m.text();
      }
      EXPECT_LE(m.span().end(), text.size());
      EXPECT_EQ(text.substr(m.span().begin(), m.span().end() - m.span().begin()), m.text());
    }
    if (doc_out) *doc_out = std::move(doc);
    return result;
  }

  std::unique_ptr<segment::Segmenter> segmenter_;
  std::unique_ptr<extract::Extractor> extractor_;
};

TEST_F(HostileTextTest, MillionDigitNumberIsNoQuantity) {
  const std::string text = "一、工作情况\n全年开展普法宣传活动" + std::string(1000000, '7') + "场次，调解纠纷12件。\n";
  auto result = Run(text);
  // The ordinary quantity in the same sentence survives; the million digits are not a count.
  bool twelve = false;
  for (const auto& m : result.metrics()) {
    EXPECT_LT(m.text().size(), 1000u) << "a metric spans the digit run";
    if (m.text() == "12件") twelve = true;
  }
  EXPECT_TRUE(twelve);
}

TEST_F(HostileTextTest, NumbersBeyond64BitsStayFinite) {
  const std::string text =
      "一、工作情况\n调解矛盾纠纷18446744073709551616件。发放资料99999999999999999999999份。"
      "覆盖群众九千九百九十九亿亿亿人。投入资金1.8e308万元。化解信访-9223372036854775809件。"
      "完成率达到340282366920938463463374607431768211456%。\n";
  Run(text);
}

TEST_F(HostileTextTest, ThousandsOfHeadings) {
  std::string text = "某镇2023年法治政府建设工作报告\n";
  static const char* kNumerals[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
  for (int i = 0; i < 5000; ++i) {
    text += std::string(kNumerals[i % 10]) + "、第" + std::to_string(i) + "项工作\n";
    text += "（" + std::string(kNumerals[(i / 10) % 10]) + "）开展活动" + std::to_string(i % 97) + "场次\n";
  }
  segment::v1::SegmentedDocument doc;
  Run(text, &doc);
  EXPECT_LE(doc.sections_size(), 10001);
}

TEST_F(HostileTextTest, NoPunctuationAtAll) {
  std::string text;
  while (text.size() < (1u << 20)) text += "全年开展普法宣传活动12场次覆盖群众3000余人调解矛盾纠纷45件";
  segment::v1::SegmentedDocument doc;
  Run(text, &doc);
  EXPECT_GE(doc.sentences_size(), 1);
}

TEST_F(HostileTextTest, MixedScriptsAndMarks) {
  std::string text = "一、Работа 工作 عمل ཀ 😀 e\xCC\x81\xCC\x81\xCC\x81 \xE2\x80\x8F\xE2\x80\xAE עברית\n";
  for (int i = 0; i < 2000; ++i) {
    text += "开展 legal aid 活动" + std::to_string(i) + "次，مجموع ٣٤ جلسة，Ⅻ场，①②③，\xEF\xBC\x91\xEF\xBC\x92场次；";
    text += "\xF0\x9F\x87\xA8\xF0\x9F\x87\xB3\xE2\x80\x8D\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9";
    text += (i % 50 == 49) ? "\n" : "";
  }
  Run(text);
}

TEST_F(HostileTextTest, PeakMemoryStaysBounded) {
  // Runs after (or without) the cases above in this process; generous bound:
  // the largest input is about 2 MB.
  std::string text;
  while (text.size() < (2u << 20)) text += "全年开展普法宣传活动12场次，覆盖群众3000余人。";
  Run(text);
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_SELF, &usage), 0);
  EXPECT_LT(usage.ru_maxrss, 2L << 20) << "peak RSS in KiB";  // < 2 GiB
}

}  // namespace
}  // namespace reportflow
