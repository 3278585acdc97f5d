#include "services/segment/text_normalizer.h"

#include <string>

#include "tests/testing/test_util.h"

namespace reportflow::segment {
namespace {

class TextNormalizerTest : public ::testing::Test {
 protected:
  void SetUp() override { normalizer_ = &TextNormalizer::Get(); }

  std::u32string Normalize(std::string_view text) {
    MatchText m;
    EXPECT_TRUE(normalizer_->Normalize(text, &m));
    return std::u32string(m.chars());
  }

  const TextNormalizer* normalizer_ = nullptr;
};

TEST_F(TextNormalizerTest, FullWidthFormsMatchAscii) {
  EXPECT_EQ(Normalize("（一）２０２３年，完成９６．５％；"), U"(一)2023年,完成96.5%;");
  EXPECT_EQ(Normalize("(一)2023年,完成96.5%;"), U"(一)2023年,完成96.5%;");
  EXPECT_EQ(Normalize("区委、区政府："), U"区委、区政府:");
  EXPECT_EQ(Normalize("\u3000\u3000正文"), U"  正文");
}

TEST_F(TextNormalizerTest, TraditionalMatchesSimplified) {
  EXPECT_EQ(Normalize("花臺鄉法治政府建設工作報告"), U"花台乡法治政府建设工作报告");
  EXPECT_EQ(Normalize("「關鍵少數」"), U"“关键少数”");
  // Simplified text is unchanged.
  EXPECT_EQ(Normalize("花台乡法治政府建设工作报告"), U"花台乡法治政府建设工作报告");
}

TEST_F(TextNormalizerTest, LineEndingsBecomeLineFeeds) {
  EXPECT_EQ(Normalize("甲\r\n乙\r丙\n丁\u2028戊"), U"甲\n乙\n丙\n丁\n戊");
}

TEST_F(TextNormalizerTest, DropsWordResidueAndInvisibleCharacters) {
  EXPECT_EQ(Normalize("[bookmark: _GoBack]全面推进"), U"全面推进");
  EXPECT_EQ(Normalize("前[image: media/image1.png]后"), U"前后");
  EXPECT_EQ(Normalize("零\u200b宽\ufeff字"), U"零宽字");
  // Brackets that are not residue are kept.
  EXPECT_EQ(Normalize("[2023]38号"), U"[2023]38号");
  EXPECT_EQ(Normalize("[注:见附件"), U"[注:见附件");
}

TEST_F(TextNormalizerTest, OffsetsPointIntoTheOriginalBytes) {
  const std::string text = "[bookmark: _GoBack]（一）\r\n２０";
  MatchText m;
  ASSERT_TRUE(normalizer_->Normalize(text, &m));
  ASSERT_EQ(m.chars(), U"(一)\n20");
  // "（" starts right after the residue and is 3 bytes long.
  EXPECT_EQ(m.ByteBegin(0), 19u);
  EXPECT_EQ(m.ByteEnd(1), 22u);
  // The CRLF is one char covering two bytes.
  EXPECT_EQ(text.substr(m.ByteBegin(3), m.ByteEnd(4) - m.ByteBegin(3)), "\r\n");
  EXPECT_EQ(text.substr(m.ByteBegin(4), m.ByteEnd(6) - m.ByteBegin(4)), "２０");
}

TEST_F(TextNormalizerTest, ReportsInvalidUtf8) {
  MatchText m;
  EXPECT_FALSE(normalizer_->Normalize(std::string("ab\xff\xfe", 4), &m));
  EXPECT_FALSE(normalizer_->Normalize(std::string("\xe4\xb8", 2), &m));
  EXPECT_TRUE(normalizer_->Normalize("\xef\xbf\xbd", &m));  // a literal U+FFFD
}

TEST_F(TextNormalizerTest, ReusedBuffersDoNotLeakPreviousText) {
  MatchText m;
  ASSERT_TRUE(normalizer_->Normalize("一二三四五六七八九十", &m));
  ASSERT_TRUE(normalizer_->Normalize("甲乙", &m));
  EXPECT_EQ(m.chars(), U"甲乙");
  EXPECT_EQ(m.size(), 2u);
}

}  // namespace
}  // namespace reportflow::segment
