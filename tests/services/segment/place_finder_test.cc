// Places from report text written for these tests: each source of evidence
// (title, issuer, signature, addressee, first sentences, body, document
// number, path, scope), the variants real reports use (no title, 街 forms,
// prefixes, traditional characters, ASCII punctuation, one line, county-level
// reports, 苏木) and the rules for names the gazetteer lacks.
#include <gtest/gtest.h>

#include "common/text/encoding.h"
#include "services/segment/segmenter.h"
#include "tests/testing/test_util.h"

namespace reportflow::segment {
namespace {

namespace pb = ::reportflow::segment::v1;
namespace cpb = ::reportflow::common::v1;

cpb::DocumentMetadata Meta(std::string_view text, std::string_view path = "",
                           std::vector<std::string> scope = {}) {
  SegmenterOptions options;
  options.scope = std::move(scope);
  auto segmenter = Segmenter::Create(std::move(options));
  EXPECT_TRUE(segmenter.ok());
  pb::SegmentedDocument doc;
  doc.set_source(std::string(path));
  EXPECT_TRUE((*segmenter)->Segment(text, &doc).ok());
  return doc.metadata();
}

const char kBody[] =
    "一、主要工作\n全面推进依法行政，开展法治宣传活动12场。\n二、存在问题\n执法力量薄弱。\n";

TEST(PlaceFinderTest, FirstSentenceOnly) {
  const auto m = Meta(std::string("2024年,五常街道深入学习贯彻习近平法治思想,全面推进法治政府建设。\n") + kBody);
  EXPECT_EQ(m.township(), "五常街道");
  EXPECT_EQ(m.unit_type(), "街道");
  EXPECT_EQ(m.county(), "余杭区");
  EXPECT_EQ(m.city(), "杭州市");
  EXPECT_EQ(m.province(), "浙江省");
  EXPECT_EQ(m.township_code(), "330110005000");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED);
  ASSERT_GT(m.place().sources_size(), 0);
  EXPECT_EQ(m.place().sources(0), cpb::PLACE_SOURCE_FIRST_SENTENCES);
  EXPECT_EQ(m.year(), 2024);
}

TEST(PlaceFinderTest, FirstSentenceAndBodyPhrase) {
  // 东溪镇 is in 綦江区, 忠县 and 苍溪县; 在綦江区委 decides.
  const auto m = Meta(std::string("东溪镇认真贯彻落实党中央决策部署，在綦江区委、区政府的坚强领导下推进法治建设。\n") +
                      kBody);
  EXPECT_EQ(m.township(), "东溪镇");
  EXPECT_EQ(m.county(), "綦江区");
  EXPECT_EQ(m.county_code(), "500110000000");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(m.place().county_written(), "綦江区");
  EXPECT_EQ(m.place().candidates_size(), 3);
}

TEST(PlaceFinderTest, BodyWithOrganWord) {
  const auto m = Meta(std::string("一、主要工作\n今年以来，全面推进依法行政。\n（一）普法宣传\n开展普法12场。\n"
                                  "（二）执法\n礼让街街道办事处在区委的领导下开展联合执法。\n"
                                  "二、存在问题\n执法力量薄弱。\n"));
  EXPECT_EQ(m.township(), "礼让街街道");
  EXPECT_EQ(m.county(), "城中区");
  EXPECT_EQ(m.city(), "西宁市");
  ASSERT_GT(m.place().sources_size(), 0);
  EXPECT_EQ(m.place().sources(0), cpb::PLACE_SOURCE_BODY);
}

TEST(PlaceFinderTest, UnknownUnitKeepsTheTextsNameAndParent) {
  // Not in the 2023 table: kept as written, under the county the text names,
  // never attached to another unit.
  const auto m = Meta(std::string("2023年，银杏大街街道在文峰区委的坚强领导下推进法治建设。银杏大街街道全年开展普法12场。\n") +
                      kBody);
  EXPECT_EQ(m.township(), "银杏大街街道");
  EXPECT_EQ(m.township_code(), "");
  EXPECT_EQ(m.county(), "文峰区");
  EXPECT_EQ(m.city(), "安阳市");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_NOT_FOUND);
  EXPECT_FALSE(m.place().note().empty());
}

TEST(PlaceFinderTest, JieForm) {
  const auto m = Meta(std::string("鹤龙街2023年法治政府建设工作报告\n") + kBody);
  EXPECT_EQ(m.township(), "鹤龙街道");
  EXPECT_EQ(m.place().township_written(), "鹤龙街");
  EXPECT_EQ(m.county(), "白云区");
  EXPECT_EQ(m.city(), "广州市");
}

TEST(PlaceFinderTest, PrefixesBeforeTheName) {
  auto m = Meta(std::string("广州市海珠区人民政府素社街道办事处\n关于2023年法治政府建设情况的报告\n") + kBody);
  EXPECT_EQ(m.township(), "素社街道");
  EXPECT_EQ(m.county(), "海珠区");
  ASSERT_GT(m.place().sources_size(), 0);
  EXPECT_EQ(m.place().sources(0), cpb::PLACE_SOURCE_ISSUER);
  m = Meta(std::string("滑县万古镇2023年法治政府建设工作报告\n") + kBody);
  EXPECT_EQ(m.township(), "万古镇");
  EXPECT_EQ(m.county(), "滑县");
  EXPECT_EQ(m.city(), "安阳市");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED);
}

TEST(PlaceFinderTest, TraditionalCharactersAndAsciiPunctuation) {
  const auto m = Meta("2023年,東溪鎮在綦江區委的領導下,推進法治政府建設.\n一、主要工作\n開展普法12場.\n");
  EXPECT_EQ(m.township(), "东溪镇");
  EXPECT_EQ(m.place().township_written(), "東溪鎮");
  EXPECT_EQ(m.county(), "綦江区");
  EXPECT_EQ(m.place().county_written(), "綦江區");
}

TEST(PlaceFinderTest, SignatureAndAddressee) {
  // 大河乡: five counties. The addressee names 七星关区.
  auto m = Meta(std::string("七星关区委、区政府：\n现将大河乡2023年法治政府建设情况报告如下：\n") + kBody +
                "大河乡人民政府\n2024年1月10日\n");
  EXPECT_EQ(m.township(), "大河乡");
  EXPECT_EQ(m.county(), "七星关区");
  EXPECT_EQ(m.province(), "贵州省");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED);
  // The signature alone: ambiguous, five candidates, no county.
  m = Meta(std::string(kBody) + "大河乡人民政府\n2024年1月10日\n");
  EXPECT_EQ(m.township(), "大河乡");
  EXPECT_EQ(m.county(), "");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_AMBIGUOUS);
  EXPECT_EQ(m.place().candidates_size(), 5);
  ASSERT_GT(m.place().sources_size(), 0);
  EXPECT_EQ(m.place().sources(0), cpb::PLACE_SOURCE_SIGNATURE);
}

TEST(PlaceFinderTest, ChainInTheTitle) {
  const auto m = Meta(std::string("贵州省毕节市七星关区大河乡2023年法治政府建设工作报告\n") + kBody);
  EXPECT_EQ(m.county(), "七星关区");
  EXPECT_EQ(m.city(), "毕节市");
  EXPECT_EQ(m.place().province_written(), "贵州省");
  EXPECT_EQ(m.place().city_written(), "毕节市");
  EXPECT_EQ(m.township_code(), "520502203000");
}

TEST(PlaceFinderTest, CitedBannerInTheBody) {
  // 巴彦塔拉苏木: 巴林右旗 and 扎鲁特旗.
  const auto m = Meta(std::string("巴彦塔拉苏木2023年法治政府建设工作报告\n"
                                  "根据扎鲁特旗全面依法治旗委员会的要求，巴彦塔拉苏木扎实推进法治政府建设。\n") +
                      kBody);
  EXPECT_EQ(m.township(), "巴彦塔拉苏木");
  EXPECT_EQ(m.unit_type(), "苏木");
  EXPECT_EQ(m.county(), "扎鲁特旗");
  EXPECT_EQ(m.city(), "通辽市");
  EXPECT_EQ(m.province(), "内蒙古自治区");
}

TEST(PlaceFinderTest, NameInSeveralProvincesByPathAndScope) {
  const std::string report = std::string("大河乡2023年法治政府建设工作报告\n") + kBody;
  auto m = Meta(report);
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_AMBIGUOUS);
  m = Meta(report, "/reports/甘肃省/张掖市/大河乡.docx");
  EXPECT_EQ(m.county(), "肃南裕固族自治县");
  ASSERT_GT(m.place().sources_size(), 1);
  EXPECT_EQ(m.place().sources(1), cpb::PLACE_SOURCE_PATH);
  m = Meta(report, "/reports/batch1/a.txt", {"宁夏"});
  EXPECT_EQ(m.county(), "红寺堡区");
  ASSERT_GT(m.place().sources_size(), 1);
  EXPECT_EQ(m.place().sources(1), cpb::PLACE_SOURCE_SCOPE);
  // The text comes before path and scope.
  m = Meta(std::string("大河乡在巫溪县委的领导下推进法治建设。\n") + kBody, "/reports/甘肃省/a.txt", {"宁夏"});
  EXPECT_EQ(m.county(), "巫溪县");
}

TEST(PlaceFinderTest, CountyLevelReports) {
  auto m = Meta(std::string("下陆区2025年法治政府建设工作情况报告\n") +
                "2025年，下陆区坚持以习近平法治思想为指导。团城山街道、东方山街道开展普法活动。\n" + kBody);
  EXPECT_EQ(m.unit_level(), cpb::REGION_LEVEL_COUNTY);
  EXPECT_EQ(m.township(), "");
  EXPECT_EQ(m.county(), "下陆区");
  EXPECT_EQ(m.city(), "黄石市");
  EXPECT_EQ(m.province(), "湖北省");
  EXPECT_EQ(m.county_code(), "420204000000");
  // One line, no title.
  m = Meta("静海区2023年法治政府建设情况。2023年,静海区全面推进依法行政,全年办理行政复议案件12件。");
  EXPECT_EQ(m.unit_level(), cpb::REGION_LEVEL_COUNTY);
  EXPECT_EQ(m.county(), "静海区");
  EXPECT_EQ(m.city(), "天津市");
  EXPECT_EQ(m.year(), 2023);
  // 在区委 names a superior, not the reporting unit.
  m = Meta("2023年，在静海区委的领导下，全面推进依法行政。\n");
  EXPECT_EQ(m.unit_level(), cpb::REGION_LEVEL_UNSPECIFIED);
  EXPECT_EQ(m.county(), "");
}

TEST(PlaceFinderTest, CountyGovernmentTitleAndSignature) {
  auto m = Meta(std::string("静海区人民政府关于2023年法治政府建设情况的报告\n天津市人民政府：\n") + kBody);
  EXPECT_EQ(m.unit_level(), cpb::REGION_LEVEL_COUNTY);
  EXPECT_EQ(m.county(), "静海区");
  EXPECT_EQ(m.province(), "天津市");
  // No title; only the signature names the county government.
  m = Meta(std::string(kBody) + "下陆区人民政府\n2024年2月1日\n");
  EXPECT_EQ(m.unit_level(), cpb::REGION_LEVEL_COUNTY);
  EXPECT_EQ(m.county(), "下陆区");
  ASSERT_GT(m.place().sources_size(), 0);
  EXPECT_EQ(m.place().sources(0), cpb::PLACE_SOURCE_SIGNATURE);
}

TEST(PlaceFinderTest, Gb18030Report) {
  // Ingest decodes GB18030 to UTF-8 before segmentation; the place survives.
  const std::string utf8 = std::string("2023年，五常街道深入推进依法行政。\n") + kBody;
  auto gb = text::ConvertFromUtf8(utf8, "GB18030");
  ASSERT_TRUE(gb.ok());
  auto decoded = text::DecodeToUtf8(*gb);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->encoding, "GB18030");
  const auto m = Meta(decoded->utf8);
  EXPECT_EQ(m.township(), "五常街道");
  EXPECT_EQ(m.county(), "余杭区");
}

TEST(PlaceFinderTest, EthnicTownshipWrittenShortNeedsItsCounty) {
  // 花溪彝族苗族乡 (黔西市) written 花溪乡: only with 黔西市 named.
  auto m = Meta(std::string("花溪乡2023年法治政府建设工作报告\n") + kBody);
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_NOT_FOUND);
  EXPECT_EQ(m.county(), "");
  m = Meta(std::string("花溪乡2023年法治政府建设工作报告\n黔西市委、市政府：\n") + kBody);
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(m.township(), "花溪彝族苗族乡");
  EXPECT_EQ(m.unit_type(), "民族乡");
  EXPECT_EQ(m.county(), "黔西市");
  EXPECT_EQ(m.city(), "毕节市");
}

TEST(PlaceFinderTest, TitleWordsAreNotUnits) {
  // A county report about its townships: 全县各乡 is no unit.
  const auto m = Meta(std::string("关于全县各乡镇法治政府建设情况的报告\n") +
                      "2023年，静海区全面推进依法行政。\n" + kBody);
  EXPECT_EQ(m.township(), "");
  EXPECT_EQ(m.unit_level(), cpb::REGION_LEVEL_COUNTY);
  EXPECT_EQ(m.county(), "静海区");
}

TEST(PlaceFinderTest, GazetteerQuirks) {
  // 乾 folds to 干 in the matching text; the gazetteer is folded the same way.
  auto m = Meta(std::string("乾县2023年法治政府建设工作情况报告\n2023年，乾县全面推进依法行政。\n") + kBody);
  EXPECT_EQ(m.unit_level(), cpb::REGION_LEVEL_COUNTY);
  EXPECT_EQ(m.county(), "乾县");
  // Some gazetteer names carry their county: 濮阳县习城乡.
  m = Meta(std::string("濮阳县习城乡2023年法治政府建设工作报告\n") + kBody);
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(m.township(), "濮阳县习城乡");
  EXPECT_EQ(m.county(), "濮阳县");
  // A county name the header grammar stops on (向) still narrows: 向阳区桥南街道.
  m = Meta(std::string("向阳区桥南街道2023年法治政府建设工作报告\n") + kBody);
  EXPECT_EQ(m.township(), "桥南街道");
  EXPECT_EQ(m.county(), "向阳区");
  EXPECT_EQ(m.city(), "佳木斯市");
  // One-character names in a header: 莒镇 (and never 全镇/本镇).
  m = Meta(std::string(kBody) + "莒镇人民政府\n2024年1月10日\n");
  EXPECT_EQ(m.township(), "莒镇");
  EXPECT_EQ(m.county(), "禹城市");
  m = Meta(std::string("本镇2023年法治政府建设工作报告\n") + kBody);
  EXPECT_EQ(m.township(), "");
  // Long autonomous-county names in a 县委 phrase.
  m = Meta(std::string("良田镇2023年法治政府建设工作报告\n2023年，良田镇在镇宁布依族苗族自治县委的领导下推进依法行政。\n") +
           kBody);
  EXPECT_EQ(m.county(), "镇宁布依族苗族自治县");
  EXPECT_EQ(m.city(), "安顺市");
}

TEST(PlaceFinderTest, TitleNamingAnUnknownUnitIsNotReplaced) {
  const auto m = Meta(std::string("老城新乡2023年法治政府建设工作报告\n") +
                      "2023年，老城新乡全面推进依法行政。与花台乡人民政府开展联合执法。\n" + kBody);
  EXPECT_EQ(m.township(), "老城新乡");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_NOT_FOUND);
  EXPECT_EQ(m.county(), "");
}

TEST(PlaceFinderTest, ScopeMustNameARegion) {
  for (const char* ok : {"重庆市", "重庆", "萬州區", "50", "500101", "500000000000", "内蒙古"}) {
    SegmenterOptions options;
    options.scope = {ok};
    EXPECT_TRUE(Segmenter::Create(options).ok()) << ok;
  }
  for (const char* bad : {"重庆省", "花台乡", "99", ""}) {
    SegmenterOptions options;
    options.scope = {bad};
    EXPECT_FALSE(Segmenter::Create(options).ok()) << bad;
  }
}

TEST(PlaceFinderTest, ScopeChangesTheProcessingVersion) {
  SegmenterOptions options;
  options.scope = {"重庆市"};
  auto scoped = Segmenter::Create(options);
  ASSERT_TRUE(scoped.ok());
  EXPECT_NE((*scoped)->version(), Segmenter::Version());
  auto plain = Segmenter::Create();
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)->version(), Segmenter::Version());
}


namespace probes {

// Bug probes (issue 15 follow-up): texts written for these tests.

TEST(PlaceFinderProbeTest, YearWordIsNotPartOfTheName) {
  // One line, ASCII punctuation: 年度 after a year must not leak into the name.
  for (const char* lead : {"2019年度", "2019年", "2019年上半年", "2019年下半年", "2019年全年"}) {
    const auto m = Meta(std::string(lead) +
                        "和平镇法治政府建设工作总结. 2019年,我镇在县委县政府领导下,开展普法宣传活动15场. "
                        "和平镇人民政府 2020年1月6日");
    EXPECT_EQ(m.township(), "和平镇") << lead;
    EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_AMBIGUOUS) << lead;
    EXPECT_EQ(m.county(), "") << lead;
    EXPECT_EQ(m.year(), 2019) << lead;
  }
}

TEST(PlaceFinderProbeTest, ChainSplitPrefersGazetteerUnits) {
  // 荔城区 + 镇海街道, not 荔城区镇.
  const auto m = Meta(std::string("福建省荔城区镇海街道人民政府\n") +
                      "镇海街道在荔城区委、区政府的领导下，全面推进法治建设。\n" + kBody);
  EXPECT_EQ(m.township(), "镇海街道");
  EXPECT_EQ(m.county(), "荔城区");
  EXPECT_EQ(m.township_code(), "350304001000");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED);
}

TEST(PlaceFinderProbeTest, UnknownUnitBeforeItsSuperiorKeepsTheTextsName) {
  // 林荫大道街道, 梧桐大街街道 are not in the gazetteer; 文峰区 (安阳市) is.
  for (const char* name : {"林荫大道街道", "梧桐大街街道"}) {
  const auto m = Meta(std::string(name) + "在文峰区委、区政府的领导下，2024年开展了法治宣传进社区活动。\n" +
                      kBody);
  EXPECT_EQ(m.township(), name);
  EXPECT_EQ(m.township_code(), "");
  EXPECT_EQ(m.county(), "文峰区");
  EXPECT_EQ(m.city(), "安阳市");
  EXPECT_EQ(m.province(), "河南省");
  EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_NOT_FOUND);
  EXPECT_FALSE(m.place().note().empty());
  }
}

TEST(PlaceFinderProbeTest, CountyLevelNameWithChengxiangIsNotATownship) {
  const auto m = Meta(std::string("平顶山市城乡一体化示范区2023年法治政府建设工作报告\n") +
                      "2023年，示范区全面推进依法行政。\n" + kBody);
  EXPECT_EQ(m.township(), "");
  EXPECT_EQ(m.county(), "平顶山市城乡一体化示范区");
  EXPECT_EQ(m.city(), "平顶山市");
  EXPECT_EQ(m.unit_level(), cpb::REGION_LEVEL_COUNTY);
}

TEST(PlaceFinderProbeTest, ATownWhoseNameEndsInJieIsNotAJieForm) {
  // 新丰街镇 (南城县) is a town; 新丰街 would be the 街 form of 新丰街道 elsewhere.
  const auto m = Meta(std::string("2023年，新丰街镇在南城县委、南城县政府的正确领导下，推进依法行政。\n") + kBody);
  EXPECT_EQ(m.township(), "新丰街镇");
  EXPECT_EQ(m.county(), "南城县");
  EXPECT_EQ(m.township_code(), "361021107000");
}

TEST(PlaceFinderProbeTest, RegionNamesThatStartWithASuffixCharacter) {
  // 镇康县, 乡城县, 市中区: a region suffix character starts the name. The
  // chain is not cut before it (云南省镇 is not a town).
  struct Case {
    const char* title;
    const char* township;
    const char* county;
    const char* code;
  };
  for (const Case& c : {Case{"云南省镇康县军赛佤族拉祜族傈僳族德昂族乡人民政府", "军赛佤族拉祜族傈僳族德昂族乡",
                             "镇康县", "530924205000"},
                        Case{"四川省乡城县青德镇人民政府", "青德镇", "乡城县", "513336101000"},
                        Case{"山东省济南市市中区杆石桥街道办事处", "杆石桥街道", "市中区", "370103003000"}}) {
    const auto m = Meta(std::string(c.title) + "\n2024年法治政府建设工作报告\n" +
                        "2024年，我们坚持以习近平法治思想为指导，扎实推进法治政府建设。\n" + kBody);
    EXPECT_EQ(m.township(), c.township) << c.title;
    EXPECT_EQ(m.county(), c.county) << c.title;
    EXPECT_EQ(m.township_code(), c.code) << c.title;
    EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED) << c.title;
  }
}

TEST(PlaceFinderProbeTest, LongEthnicTownshipNames) {
  // Names of 11 to 14 characters (several peoples named): whole, wherever written.
  for (const char* lead : {"月亮河彝族布依族苗族乡2024年法治政府建设工作报告\n2024年，我乡",
                           "2024年，月亮河彝族布依族苗族乡"}) {
    const auto m = Meta(std::string(lead) + "在六枝特区委、特区政府的领导下，扎实推进法治政府建设。\n" + kBody);
    EXPECT_EQ(m.township(), "月亮河彝族布依族苗族乡") << lead;
    EXPECT_EQ(m.county(), "六枝特区") << lead;
    EXPECT_EQ(m.township_code(), "520203214000") << lead;
    EXPECT_EQ(m.place().status(), cpb::PLACE_STATUS_RESOLVED) << lead;
  }
}

}  // namespace probes

}  // namespace
}  // namespace reportflow::segment
