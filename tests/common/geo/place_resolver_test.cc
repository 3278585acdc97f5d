// Place resolution rules, on evidence written for these tests (the segment
// tests feed the same rules from report text).
#include "common/geo/place_resolver.h"

#include <gtest/gtest.h>

#include "common/geo/batch_resolver.h"

namespace reportflow::geo {
namespace {

namespace pb = ::reportflow::common::v1;

std::u32string U32(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    char32_t cp;
    int n;
    if (c < 0x80) cp = c, n = 1;
    else if (c < 0xE0) cp = c & 0x1F, n = 2;
    else if (c < 0xF0) cp = c & 0x0F, n = 3;
    else cp = c & 0x07, n = 4;
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

Mention M(std::string_view name, pb::PlaceSource source, Level level = Level::kTownship,
          std::vector<Mention> chain = {}) {
  Mention m;
  m.name = U32(name);
  m.written = std::string(name);
  m.source = source;
  m.level = level;
  m.chain = std::move(chain);
  return m;
}

pb::DocumentMetadata Resolve(const PlaceEvidence& ev) {
  pb::DocumentMetadata meta;
  ResolvePlace(Gazetteer::Default(), ev, &meta);
  return meta;
}

std::vector<int> Sources(const pb::DocumentMetadata& m) {
  return std::vector<int>(m.place().sources().begin(), m.place().sources().end());
}

TEST(PlaceResolverTest, UniqueNameIsResolvedByTheGazetteer) {
  PlaceEvidence ev;
  ev.units.push_back(M("花台乡", pb::PLACE_SOURCE_TITLE));
  const auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.township(), "花台乡");
  EXPECT_EQ(meta.unit_type(), "乡");
  EXPECT_EQ(meta.county(), "巫溪县");
  EXPECT_EQ(meta.city(), "重庆市");
  EXPECT_EQ(meta.province(), "重庆市");
  EXPECT_EQ(meta.township_code(), "500238237000");
  EXPECT_EQ(meta.county_code(), "500238000000");
  EXPECT_EQ(meta.city_code(), "500000000000");
  EXPECT_EQ(meta.province_code(), "500000000000");
  EXPECT_EQ(meta.unit_level(), pb::REGION_LEVEL_TOWNSHIP);
  EXPECT_EQ(Sources(meta), (std::vector<int>{pb::PLACE_SOURCE_TITLE, pb::PLACE_SOURCE_GAZETTEER}));
  EXPECT_EQ(meta.place().township_written(), "花台乡");
}

TEST(PlaceResolverTest, SharedNameWithoutHintStaysAmbiguous) {
  PlaceEvidence ev;
  ev.units.push_back(M("大河乡", pb::PLACE_SOURCE_FIRST_SENTENCES));
  const auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_AMBIGUOUS);
  EXPECT_EQ(meta.township(), "大河乡");
  EXPECT_EQ(meta.unit_type(), "乡");
  EXPECT_EQ(meta.county(), "");
  EXPECT_EQ(meta.province(), "");
  EXPECT_EQ(meta.township_code(), "");
  // Five 大河乡 (大河苗族乡 is not read from 大河乡 when real 大河乡 exist).
  EXPECT_EQ(meta.place().candidates_size(), 5);
}

TEST(PlaceResolverTest, ChainParentDecides) {
  PlaceEvidence ev;
  ev.units.push_back(M("大河乡", pb::PLACE_SOURCE_TITLE, Level::kTownship,
                       {M("七星关区", pb::PLACE_SOURCE_TITLE, Level::kCounty)}));
  const auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.county(), "七星关区");
  EXPECT_EQ(meta.city(), "毕节市");
  EXPECT_EQ(meta.province(), "贵州省");
  EXPECT_EQ(meta.township_code(), "520502203000");
  EXPECT_EQ(meta.place().county_written(), "七星关区");
  EXPECT_EQ(meta.place().candidates_size(), 5);  // kept: a hint picked one of several
}

TEST(PlaceResolverTest, PrefixBeforeTheTownshipIsAParent) {
  PlaceEvidence ev;
  ev.units.push_back(M("滑县万古镇", pb::PLACE_SOURCE_ISSUER));
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.township(), "万古镇");
  EXPECT_EQ(meta.county(), "滑县");
  EXPECT_EQ(meta.city(), "安阳市");
  // An organ word before the name is dropped.
  ev.units = {M("人民政府素社街道", pb::PLACE_SOURCE_ISSUER)};
  meta = Resolve(ev);
  EXPECT_EQ(meta.township(), "素社街道");
  EXPECT_EQ(meta.county(), "海珠区");
  EXPECT_EQ(meta.unit_type(), "街道");
}

TEST(PlaceResolverTest, RegionMentionsDecideInOrder) {
  // Addressee 七星关区委、区政府：
  PlaceEvidence ev;
  ev.units.push_back(M("大河乡", pb::PLACE_SOURCE_TITLE));
  ev.regions.push_back(M("七星关区", pb::PLACE_SOURCE_ADDRESSEE, Level::kCounty));
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.county(), "七星关区");
  EXPECT_EQ(Sources(meta), (std::vector<int>{pb::PLACE_SOURCE_TITLE, pb::PLACE_SOURCE_ADDRESSEE}));
  // Body phrase: 在红寺堡区委的领导下.
  ev.regions = {M("红寺堡区", pb::PLACE_SOURCE_BODY, Level::kCounty)};
  meta = Resolve(ev);
  EXPECT_EQ(meta.county(), "红寺堡区");
  EXPECT_EQ(meta.province(), "宁夏回族自治区");
  // Document-number prefix: 巫溪府办发 -> short name 巫溪.
  Mention dn = M("巫溪", pb::PLACE_SOURCE_DOC_NUMBER, Level::kCounty);
  dn.short_name = true;
  ev.regions = {dn};
  meta = Resolve(ev);
  EXPECT_EQ(meta.county(), "巫溪县");
  EXPECT_EQ(meta.township_code(), "500238207000");
  // A region that fits no candidate, with none agreeing before it: the text
  // places the unit elsewhere (mismatch), nothing is attached.
  ev.regions = {M("静海区", pb::PLACE_SOURCE_BODY, Level::kCounty)};
  meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_NOT_FOUND);
  EXPECT_EQ(meta.county(), "静海区");
  EXPECT_EQ(meta.township_code(), "");
  // After a region that agrees, a contradicting body phrase is ignored...
  ev.regions = {M("七星关区", pb::PLACE_SOURCE_ADDRESSEE, Level::kCounty),
                M("静海区", pb::PLACE_SOURCE_BODY, Level::kCounty)};
  meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.county(), "七星关区");
  // ... but not a region written onto the unit's name (…静海区大河乡).
  ev.regions[1].attached = true;
  meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_NOT_FOUND);
  // A document-number prefix only narrows.
  ev.regions = {dn, M("巫溪县", pb::PLACE_SOURCE_BODY, Level::kCounty)};
  ev.regions[0].name = U"静海";
  meta = Resolve(ev);
  EXPECT_EQ(meta.county(), "巫溪县");
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
}

TEST(PlaceResolverTest, NameInSeveralProvincesResolvedByPath) {
  PlaceEvidence ev;
  ev.units.push_back(M("大河乡", pb::PLACE_SOURCE_TITLE));
  ev.path = "/data/reports/甘肃省/张掖市/2023/大河乡法治政府建设报告.docx";
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.county(), "肃南裕固族自治县");
  EXPECT_EQ(meta.province(), "甘肃省");
  EXPECT_EQ(Sources(meta), (std::vector<int>{pb::PLACE_SOURCE_TITLE, pb::PLACE_SOURCE_PATH}));
  // Short and traditional folder names: 貴州/畢節.
  ev.path = "in/貴州/畢節/x.txt";
  meta = Resolve(ev);
  EXPECT_EQ(meta.county(), "七星关区");
  // The file name itself is not evidence.
  ev.path = "in/重庆大河乡.txt";
  EXPECT_EQ(Resolve(ev).place().status(), pb::PLACE_STATUS_AMBIGUOUS);
}

TEST(PlaceResolverTest, NameInSeveralProvincesResolvedByScope) {
  PlaceEvidence ev;
  ev.units.push_back(M("大河乡", pb::PLACE_SOURCE_TITLE));
  ev.scope = {"宁夏回族自治区"};
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.township_code(), "640303200000");
  EXPECT_EQ(Sources(meta), (std::vector<int>{pb::PLACE_SOURCE_TITLE, pb::PLACE_SOURCE_SCOPE}));
  ev.scope = {"重庆"};
  EXPECT_EQ(Resolve(ev).county(), "巫溪县");
  ev.scope = {"45"};  // a code prefix: 广西
  EXPECT_EQ(Resolve(ev).township_code(), "450303200000");
  ev.scope = {"北京市"};  // fits no candidate: ignored
  EXPECT_EQ(Resolve(ev).place().status(), pb::PLACE_STATUS_AMBIGUOUS);
  // The path wins over the scope.
  ev.scope = {"重庆市"};
  ev.path = "甘肃/a.txt";
  EXPECT_EQ(Resolve(ev).province(), "甘肃省");
}

TEST(PlaceResolverTest, NameInSeveralProvincesResolvedByBatch) {
  PlaceEvidence ev;
  ev.units.push_back(M("大河乡", pb::PLACE_SOURCE_TITLE));
  pb::DocumentMetadata meta = Resolve(ev);
  ASSERT_EQ(meta.place().status(), pb::PLACE_STATUS_AMBIGUOUS);

  BatchTally tally;
  for (std::string_view name : {"花台乡", "柱山乡", "东溪镇"}) {
    PlaceEvidence other;
    other.units.push_back(M(name, pb::PLACE_SOURCE_TITLE));
    other.scope = {"重庆市"};
    tally.Add(Resolve(other));
  }
  EXPECT_EQ(tally.resolved, 2);  // 东溪镇 is twice in 重庆: still ambiguous, not counted
  EXPECT_FALSE(ResolveByBatch(meta.place(), tally).has_value());  // fewer than 5 resolved
  for (int i = 0; i < 3; ++i) {
    PlaceEvidence other;
    other.units.push_back(M("花台乡", pb::PLACE_SOURCE_TITLE));
    tally.Add(Resolve(other));
  }
  const auto pick = ResolveByBatch(meta.place(), tally);
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(pick->county(), "巫溪县");
  EXPECT_EQ(pick->code(), "500238207000");
  ASSERT_TRUE(ApplyBatchResolution(Gazetteer::Default(), tally, &meta));
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.county_code(), "500238000000");
  EXPECT_EQ(meta.city(), "重庆市");
  EXPECT_EQ(meta.place().sources(meta.place().sources_size() - 1), pb::PLACE_SOURCE_BATCH);

  // No dominance (2 of 7 elsewhere = 71%): nothing.
  PlaceEvidence other;
  other.units.push_back(M("静海区", pb::PLACE_SOURCE_TITLE, Level::kCounty));
  tally.Add(Resolve(other));
  tally.Add(Resolve(other));
  EXPECT_FALSE(ResolveByBatch(Resolve(ev).place(), tally).has_value());
}

TEST(PlaceResolverTest, BatchDoesNotPickAmongSeveralInsideTheDominantRegion) {
  pb::PlaceResolution amb;
  amb.set_status(pb::PLACE_STATUS_AMBIGUOUS);
  amb.add_candidates()->set_code("500110109000");  // 东溪镇 綦江区
  amb.add_candidates()->set_code("500233105000");  // 东溪镇 忠县
  amb.add_candidates()->set_code("510824121000");  // 东溪镇 苍溪县
  BatchTally tally;
  tally.resolved = 10;
  tally.provinces["50"] = 10;
  tally.cities["5001"] = 5;
  tally.cities["5002"] = 5;
  EXPECT_FALSE(ResolveByBatch(amb, tally).has_value());
  tally.cities["5001"] = 9;
  tally.cities["5002"] = 1;
  const auto pick = ResolveByBatch(amb, tally);
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(pick->code(), "500110109000");
}

TEST(PlaceResolverTest, UnknownNameKeepsTheTextAndItsParent) {
  // A renamed unit: the text's name and parent are kept, nothing is attached
  // to a same-named unit elsewhere.
  PlaceEvidence ev;
  ev.units.push_back(M("银杏大街街道", pb::PLACE_SOURCE_BODY));
  ev.regions.push_back(M("文峰区", pb::PLACE_SOURCE_BODY, Level::kCounty));
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_NOT_FOUND);
  EXPECT_EQ(meta.township(), "银杏大街街道");
  EXPECT_EQ(meta.township_code(), "");
  EXPECT_EQ(meta.county(), "文峰区");
  EXPECT_EQ(meta.county_code(), "410502000000");
  EXPECT_EQ(meta.city(), "安阳市");
  EXPECT_FALSE(meta.place().note().empty());
  // A title naming an unknown unit stops the search: a body mention of a
  // known unit is not taken instead.
  ev.units = {M("老城新乡", pb::PLACE_SOURCE_TITLE), M("花台乡", pb::PLACE_SOURCE_BODY)};
  ev.regions.clear();
  meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_NOT_FOUND);
  EXPECT_EQ(meta.township(), "老城新乡");
  EXPECT_EQ(meta.county(), "");
}

TEST(PlaceResolverTest, NameUnderAnotherParentIsAMismatch) {
  // 花台乡 exists only in 巫溪县; the text puts it under 万州区.
  PlaceEvidence ev;
  ev.units.push_back(M("花台乡", pb::PLACE_SOURCE_TITLE, Level::kTownship,
                       {M("万州区", pb::PLACE_SOURCE_TITLE, Level::kCounty)}));
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_NOT_FOUND);
  EXPECT_EQ(meta.township(), "花台乡");
  EXPECT_EQ(meta.township_code(), "");
  EXPECT_EQ(meta.county(), "万州区");
  EXPECT_NE(meta.place().note().find("万州区"), std::string::npos);
  // The same from an addressee line (万州区委、区政府：).
  ev.units = {M("花台乡", pb::PLACE_SOURCE_TITLE)};
  ev.regions = {M("万州区", pb::PLACE_SOURCE_ADDRESSEE, Level::kCounty)};
  meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_NOT_FOUND);
  EXPECT_EQ(meta.county(), "万州区");
}

TEST(PlaceResolverTest, ShortenedEthnicTownshipNeedsARegion) {
  // 大桥乡 is also how 大桥瑶族乡 may be written, but there are other 大桥乡;
  // 花溪乡 reads only as 花溪彝族苗族乡 (黔西市): unconfirmed, not attached.
  PlaceEvidence ev;
  ev.units.push_back(M("花溪乡", pb::PLACE_SOURCE_TITLE));
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_NOT_FOUND);
  EXPECT_EQ(meta.township(), "花溪乡");
  EXPECT_EQ(meta.county(), "");
  ev.regions.push_back(M("黔西市", pb::PLACE_SOURCE_ADDRESSEE, Level::kCounty));
  meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.township(), "花溪彝族苗族乡");
  EXPECT_EQ(meta.unit_type(), "民族乡");
  EXPECT_EQ(meta.place().township_written(), "花溪乡");
}

TEST(PlaceResolverTest, CountyLevelReports) {
  PlaceEvidence ev;
  ev.units.push_back(M("静海区", pb::PLACE_SOURCE_FIRST_SENTENCES, Level::kCounty));
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.unit_level(), pb::REGION_LEVEL_COUNTY);
  EXPECT_EQ(meta.township(), "");
  EXPECT_EQ(meta.county(), "静海区");
  EXPECT_EQ(meta.county_code(), "120118000000");
  EXPECT_EQ(meta.city(), "天津市");
  EXPECT_EQ(meta.province(), "天津市");
  // 朝阳区 is in 北京 and 长春: ambiguous until the scope says 北京.
  ev.units = {M("朝阳区", pb::PLACE_SOURCE_TITLE, Level::kCounty)};
  meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_AMBIGUOUS);
  EXPECT_EQ(meta.county(), "朝阳区");
  EXPECT_EQ(meta.county_code(), "");
  EXPECT_EQ(meta.city(), "");
  ev.scope = {"北京"};
  meta = Resolve(ev);
  EXPECT_EQ(meta.county_code(), "110105000000");
  EXPECT_EQ(meta.city(), "北京市");
}

TEST(PlaceResolverTest, NoUnitNamed) {
  PlaceEvidence ev;
  auto meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_UNKNOWN);
  EXPECT_EQ(meta.unit_level(), pb::REGION_LEVEL_UNSPECIFIED);
  EXPECT_EQ(meta.county(), "");
  // An addressee still places the document within its county.
  ev.regions.push_back(M("巫溪县", pb::PLACE_SOURCE_ADDRESSEE, Level::kCounty));
  meta = Resolve(ev);
  EXPECT_EQ(meta.place().status(), pb::PLACE_STATUS_UNKNOWN);
  EXPECT_EQ(meta.county(), "巫溪县");
  EXPECT_EQ(meta.township(), "");
}

}  // namespace
}  // namespace reportflow::geo
