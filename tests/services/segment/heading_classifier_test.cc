#include "services/segment/heading_classifier.h"

#include "services/segment/text_normalizer.h"

#include <gtest/gtest.h>

#include <optional>

namespace reportflow::segment {
namespace {

namespace pb = ::reportflow::segment::v1;

// Marker grammar works on the matching view, where full-width forms are ASCII.
struct MarkerCase {
  std::u32string_view text;
  MarkerStyle style;
  int number;
  size_t length;
};

class HeadingMarkerTest : public ::testing::TestWithParam<MarkerCase> {};

TEST_P(HeadingMarkerTest, Matches) {
  const MarkerCase& c = GetParam();
  const std::optional<HeadingMarker> m = MatchHeadingMarker(c.text);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->style, c.style);
  EXPECT_EQ(m->number, c.number);
  EXPECT_EQ(m->length, c.length);
}

INSTANTIATE_TEST_SUITE_P(
    Styles, HeadingMarkerTest,
    ::testing::Values(MarkerCase{U"一、总体情况", MarkerStyle::kChineseComma, 1, 2},
                      MarkerCase{U"三 、存在的问题", MarkerStyle::kChineseComma, 3, 3},
                      MarkerCase{U"十二、其他", MarkerStyle::kChineseComma, 12, 3},
                      MarkerCase{U"二十一.其他", MarkerStyle::kChineseComma, 21, 4},
                      MarkerCase{U"(一)强化组织领导", MarkerStyle::kParenChinese, 1, 3},
                      MarkerCase{U"( 二 ) 推进", MarkerStyle::kParenChinese, 2, 6},
                      MarkerCase{U"1.推行制度", MarkerStyle::kArabicDot, 1, 2},
                      MarkerCase{U"12、建立", MarkerStyle::kArabicDot, 12, 3},
                      MarkerCase{U"(3)加强", MarkerStyle::kParenArabic, 3, 3},
                      MarkerCase{U"2)落实", MarkerStyle::kParenArabic, 2, 2},
                      MarkerCase{U"第一部分 基本情况", MarkerStyle::kPart, 1, 5},
                      MarkerCase{U"第三章总结", MarkerStyle::kPart, 3, 3},
                      MarkerCase{U"②完善", MarkerStyle::kCircled, 2, 1}));

TEST(HeadingMarkerTest, RejectsNonMarkers) {
  for (std::u32string_view text :
       {U"2023年，全乡", U"6.26国际禁毒日", U"一是加强", U"一、二、三级", U"96.5%", U"第一责任人",
        U"(2023)", U"一项长期工作", U"十分重视", U"1.5万元", U"(一种)"}) {
    EXPECT_FALSE(MatchHeadingMarker(text).has_value()) << ToUtf8(text);
  }
}

TEST(ListMarkerTest, MatchesEnumerators) {
  struct Case {
    std::u32string_view text;
    int number;
    size_t length;
  };
  for (const Case& c : {Case{U"一是加强", 1, 2}, Case{U"二要抓住", 2, 2}, Case{U"十一是", 11, 3},
                        Case{U"—是为乡", 1, 2}, Case{U"第一,坚持", 1, 3}, Case{U"第二、完善", 2, 3},
                        Case{U"首先是党政", 1, 3}, Case{U"其次是集中", 2, 3}, Case{U"再次,以", 3, 3}}) {
    const auto m = MatchListMarker(c.text);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->number, c.number);
    EXPECT_EQ(m->length, c.length);
  }
  for (std::u32string_view text : {U"一、总体", U"第一责任人", U"首先", U"统一", U"一律"}) {
    EXPECT_FALSE(MatchListMarker(text).has_value());
  }
}

TEST(ChineseNumeralTest, ParsesOneToNinetyNine) {
  size_t len = 0;
  EXPECT_EQ(ParseChineseNumeral(U"一、", &len), 1);
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(ParseChineseNumeral(U"十、", &len), 10);
  EXPECT_EQ(ParseChineseNumeral(U"十七、", &len), 17);
  EXPECT_EQ(len, 2u);
  EXPECT_EQ(ParseChineseNumeral(U"四十二", &len), 42);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(ParseChineseNumeral(U"法", &len), 0);
  EXPECT_EQ(len, 0u);
}

TEST(ClassifySectionTest, KindsFromWording) {
  EXPECT_EQ(ClassifySection(U"一、2023年推进法治政府建设的主要举措和成效"), pb::SECTION_KIND_MEASURES);
  EXPECT_EQ(ClassifySection(U"一、工作任务进展及成效"), pb::SECTION_KIND_MEASURES);
  EXPECT_EQ(ClassifySection(U"一、2023年法治政府建设工作开展情况"), pb::SECTION_KIND_MEASURES);
  EXPECT_EQ(ClassifySection(U"二、创新经验及做法"), pb::SECTION_KIND_INNOVATIONS);
  EXPECT_EQ(ClassifySection(U"三 、存在的问题"), pb::SECTION_KIND_PROBLEMS);
  EXPECT_EQ(ClassifySection(U"三、2023年推进法治政府建设存在的不足和原因"), pb::SECTION_KIND_PROBLEMS);
  EXPECT_EQ(ClassifySection(U"四、下一步工作打算"), pb::SECTION_KIND_PLANS);
  EXPECT_EQ(ClassifySection(U"四、2024年推进法治政府建设的主要安排"), pb::SECTION_KIND_PLANS);
  EXPECT_EQ(ClassifySection(U"五、下一步工作目标和重点"), pb::SECTION_KIND_PLANS);
  EXPECT_EQ(ClassifySection(U"二、2023年党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况"),
            pb::SECTION_KIND_LEADERS_DUTIES);
  EXPECT_EQ(ClassifySection(U"三、党政主要负责人履行推进法治建设职责情况"), pb::SECTION_KIND_LEADERS_DUTIES);
  // The first cue wins when a heading names two topics.
  EXPECT_EQ(ClassifySection(U"三、存在问题及下一步打算"), pb::SECTION_KIND_PROBLEMS);
  EXPECT_EQ(ClassifySection(U"一、总体情况"), pb::SECTION_KIND_OTHER);
  // What was carried out: measures, even when a plan is named first.
  EXPECT_EQ(ClassifySection(U"一、2023年工作计划完成情况"), pb::SECTION_KIND_MEASURES);
  EXPECT_EQ(ClassifySection(U"二、上年度问题整改落实情况。"), pb::SECTION_KIND_MEASURES);
}

TEST(TerminatorTest, DecimalPointIsNotATerminator) {
  const std::u32string_view s = U"率96.5%。完成.好";
  EXPECT_FALSE(IsTerminatorAt(s, 3));
  EXPECT_TRUE(IsTerminatorAt(s, 6));
  EXPECT_TRUE(IsTerminatorAt(s, 9));
}

}  // namespace
}  // namespace reportflow::segment
