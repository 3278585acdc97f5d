#include "services/segment/metadata_extractor.h"

#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace reportflow::segment {
namespace {

using Strings = std::vector<std::string>;

class MetadataExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override { normalizer_ = &TextNormalizer::Get(); }

  Strings Laws(const std::string& text) {
    MatchText m;
    EXPECT_TRUE(normalizer_->Normalize(text, &m));
    return FindCitedLaws(text, m);
  }
  Strings DocNumbers(const std::string& text) {
    MatchText m;
    EXPECT_TRUE(normalizer_->Normalize(text, &m));
    return FindDocNumbers(text, m);
  }
  std::optional<segment::Date> ParseDateText(std::string_view text) {
    MatchText m;
    EXPECT_TRUE(normalizer_->Normalize(text, &m));
    return ParseDate(m.chars());
  }

  const TextNormalizer* normalizer_ = nullptr;
};

TEST_F(MetadataExtractorTest, ParsesDateForms) {
  for (std::string_view text : {"2024年2月28日", "2024年02月28日", "２０２４年２月２８日", "二〇二四年二月二十八日",
                                "2024.2.28", "2024-02-28", "2024/2/28", "（2024年2月28日）", "2024年 2月 28日"}) {
    const auto d = ParseDateText(text);
    ASSERT_TRUE(d.has_value()) << text;
    EXPECT_EQ(FormatIsoDate(*d), "2024-02-28") << text;
  }
  EXPECT_EQ(FormatIsoDate(*ParseDateText("二〇一九年十二月三十一日")), "2019-12-31");
  for (std::string_view text : {"2024年13月1日", "2024年2月", "2024年2月28日前", "6.26", "2024年2月0日"}) {
    EXPECT_FALSE(ParseDateText(text).has_value()) << text;
  }
}

TEST_F(MetadataExtractorTest, FindsTrailingDate) {
  const std::u32string s = U"重庆市万州区柱山乡人民政府2024年2月28日";
  EXPECT_EQ(FindTrailingDate(s), 13u);
  EXPECT_EQ(FindTrailingDate(U"开展活动3次。"), std::u32string_view::npos);
}

TEST_F(MetadataExtractorTest, DocumentNumbersKeepTheirIssuerCode) {
  EXPECT_EQ(DocNumbers("认真落实《关于印发2023年全县法治政府建设工作要点的通知》（巫溪府办发〔2023〕38号）文件要求"),
            Strings{"巫溪府办发〔2023〕38号"});
  EXPECT_EQ(DocNumbers("根据渝府发[2021]5号和万州府办〔2022〕12号文件，再次落实渝府发[2021]5号"),
            (Strings{"渝府发[2021]5号", "万州府办〔2022〕12号"}));
  EXPECT_EQ(DocNumbers("印发万府发〔2024〕第３号"), Strings{"万府发〔2024〕第３号"});
  EXPECT_EQ(DocNumbers("按照【2020】3号"), Strings{});
  EXPECT_EQ(DocNumbers("2023年完成38号楼"), Strings{});
}

TEST_F(MetadataExtractorTest, BracketedLawsExcludeNoticesPlansAndStandards) {
  EXPECT_EQ(Laws("学习《中华人民共和国宪法》《中华人民共和国民法典》和《中国共产党章程》，"
                 "研究制定《2023年度法治建设工作要点》《关于印发…的通知》《中央党内法规制定工作规划纲要（2023—2027年）》，"
                 "根据《政府信息分类规范》，贯彻《政府信息公开条例》《信访工作办法》《行政处罚法（2021年修订）》。"),
            (Strings{"中华人民共和国宪法", "中华人民共和国民法典", "中国共产党章程", "政府信息公开条例",
                     "信访工作办法", "行政处罚法（2021年修订）"}));
}

TEST_F(MetadataExtractorTest, UnbracketedLawsAfterACitingVerb) {
  EXPECT_EQ(Laws("严格执行行政监察法、公务员法、行政机关公务员处分条例、党政领导干部问责规定，及时开展提醒谈话。"),
            (Strings{"行政监察法", "公务员法", "行政机关公务员处分条例", "党政领导干部问责规定"}));
  EXPECT_EQ(Laws("深入学习宪法和民法典等法律。"), (Strings{"宪法", "民法典"}));
  EXPECT_EQ(Laws("严格按照《行政处罚法》《道路交通法》等法律法规规定开展执法工作，贯彻落实安全生产法。"),
            (Strings{"行政处罚法", "道路交通法", "安全生产法"}));
}

TEST_F(MetadataExtractorTest, OrdinaryWordsEndingInFaAreNotLaws) {
  EXPECT_EQ(Laws("决策程序严格按照相关法律法规规定执行，按规定给予处分，严格按照县政府有关规定，"
                 "学习相关法律法规、依法、执法、普法，建立健全重大事项决策程序规定、办公会议制度，"
                 "宣传学法、用法、守法，利用宪法宣传周开展活动，学习工作方法。"),
            Strings{});
}

TEST_F(MetadataExtractorTest, LawsAreDeduplicatedInOrderOfFirstAppearance) {
  EXPECT_EQ(Laws("贯彻《宪法》，执行民法典、宪法，学习《宪法》。"), (Strings{"宪法", "民法典"}));
}

TEST(OrganSuffixTest, RecognisesIssuingBodies) {
  EXPECT_TRUE(EndsWithOrganSuffix(U"重庆市万州区柱山乡人民政府"));
  EXPECT_TRUE(EndsWithOrganSuffix(U"中共重庆市万州区柱山乡委员会"));
  EXPECT_TRUE(EndsWithOrganSuffix(U"望京街道办事处 "));
  EXPECT_FALSE(EndsWithOrganSuffix(U"法治政府建设工作报告"));
}

}  // namespace
}  // namespace reportflow::segment
