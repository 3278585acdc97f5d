// The embedded gazetteer: counts, codes, look-ups, variants and the rules
// for the statistical table's pseudo-units.
#include "common/geo/gazetteer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>

namespace reportflow::geo {

extern const std::string_view kDefaultGazetteerTsv;  // gazetteer_tsv.cc

namespace {

const Gazetteer& G() { return Gazetteer::Default(); }

std::vector<std::string> Codes(const std::vector<UnitId>& ids) {
  std::vector<std::string> out;
  for (UnitId id : ids) out.push_back(G().Code12(id));
  return out;
}

// The tables compiled in at build time (gazetteer_image_gen) are, byte for
// byte, what parsing and indexing the table gives at run time.
TEST(GazetteerTest, TheCompiledTablesAreTheParsedOnes) {
  auto parsed = Gazetteer::Parse(kDefaultGazetteerTsv);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Gazetteer::Tables& want = (*parsed)->tables();
  const Gazetteer::Tables& got = G().tables();
  auto same_units = [](std::span<const Gazetteer::Unit> a, std::span<const Gazetteer::Unit> b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].code != b[i].code || a[i].name_offset != b[i].name_offset || a[i].name_length != b[i].name_length ||
          a[i].level != b[i].level || a[i].parent != b[i].parent) {
        return false;
      }
    }
    return true;
  };
  auto same_keys = [](std::span<const Gazetteer::Key> a, std::span<const Gazetteer::Key> b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].offset != b[i].offset || a[i].length != b[i].length || a[i].variant != b[i].variant ||
          a[i].unit != b[i].unit) {
        return false;
      }
    }
    return true;
  };
  EXPECT_TRUE(same_units(got.units, want.units));
  EXPECT_EQ(got.names, want.names);
  EXPECT_EQ(got.keys, want.keys);
  EXPECT_TRUE(same_keys(got.full_index, want.full_index));
  EXPECT_TRUE(same_keys(got.short_index, want.short_index));
  EXPECT_TRUE(std::equal(got.filter.begin(), got.filter.end(), want.filter.begin(), want.filter.end()));
  EXPECT_EQ(got.longest_name, want.longest_name);
  EXPECT_EQ(got.units.size(), 44703u);
  // Look-ups answer alike over either.
  for (const char* name : {"东城街道", "巫溪县", "大桥乡", "花溪乡", "广西", "乾县"}) {
    EXPECT_EQ(G().Find(std::string_view(name)), (*parsed)->Find(std::string_view(name))) << name;
  }
}

TEST(GazetteerTest, HoldsTheWholeTable) {
  int by_level[5] = {0, 0, 0, 0, 0};
  for (UnitId id = 0; id < static_cast<UnitId>(G().size()); ++id) ++by_level[static_cast<int>(G().level(id))];
  EXPECT_EQ(by_level[1], 31);
  EXPECT_EQ(by_level[2], 342);
  EXPECT_EQ(by_level[3], 2978);
  EXPECT_EQ(by_level[4], 41352);
}

TEST(GazetteerTest, TwelveDigitCodes) {
  const auto wuxi = G().Find(std::string_view("巫溪县"));
  ASSERT_EQ(wuxi.size(), 1u);
  EXPECT_EQ(G().Code12(wuxi[0]), "500238000000");
  const auto huatai = G().Find(std::string_view("花台乡"));
  ASSERT_EQ(huatai.size(), 1u);
  EXPECT_EQ(G().Code12(huatai[0]), "500238237000");
  EXPECT_EQ(G().Code12(G().ProvinceOf(huatai[0])), "500000000000");
}

TEST(GazetteerTest, SameNameManyUnits) {
  EXPECT_EQ(G().Find(std::string_view("东城街道")).size(), 39u);
  EXPECT_EQ(Codes(G().Find(std::string_view("东关镇"))),
            (std::vector<std::string>{"140931100000", "350525114000"}));
  EXPECT_TRUE(G().Find(std::string_view("不存在的乡")).empty());
  EXPECT_FALSE(G().Contains(U"不存在的乡"));
  EXPECT_TRUE(G().Contains(U"花台乡"));
}

TEST(GazetteerTest, MunicipalityIsItsOwnCity) {
  const auto id = G().Find(std::string_view("花台乡"))[0];
  EXPECT_EQ(G().name(G().CountyOf(id)), "巫溪县");
  EXPECT_EQ(G().name(G().CityOf(id)), "重庆市");  // not the pseudo-city 县
  EXPECT_EQ(G().Code12(G().CityOf(id)), "500000000000");
  const auto zhushan = G().Find(std::string_view("柱山乡"))[0];
  EXPECT_EQ(G().name(G().CityOf(zhushan)), "重庆市");  // not 市辖区
}

TEST(GazetteerTest, PseudoCitiesAndCitiesWithoutCounties) {
  // 济源市 lies under 省直辖县级行政区划 (4190): no city.
  const auto jiyuan = G().Find(std::string_view("济源市"));
  ASSERT_FALSE(jiyuan.empty());
  EXPECT_EQ(G().CityOf(jiyuan[0]), kNone);
  EXPECT_EQ(G().name(G().ProvinceOf(jiyuan[0])), "河南省");
  // 东莞市 has no counties: its townships have a city and no county.
  UnitId dongguan_town = kNone;
  for (UnitId id = 0; id < static_cast<UnitId>(G().size()); ++id) {
    if (G().level(id) == Level::kTownship && G().Code12(id).starts_with("441900")) dongguan_town = id;
  }
  ASSERT_NE(dongguan_town, kNone);
  EXPECT_EQ(G().CountyOf(dongguan_town), kNone);
  EXPECT_EQ(G().name(G().CityOf(dongguan_town)), "东莞市");
}

TEST(GazetteerTest, TownshipVariants) {
  // 街 for 街道, an ethnic township without its ethnic part.
  EXPECT_EQ(Codes(G().Find(std::string_view("鹤龙街"))), Codes(G().Find(std::string_view("鹤龙街道"))));
  EXPECT_EQ(Codes(G().Find(std::string_view("大桥乡"))).size() >= 1, true);
  bool has_yao = false;
  for (UnitId id : G().Find(std::string_view("大桥乡"))) has_yao |= G().name(id) == "大桥瑶族乡";
  EXPECT_TRUE(has_yao);
  // Canonical names come before variants.
  EXPECT_EQ(G().name(G().Find(std::string_view("大桥瑶族乡"))[0]), "大桥瑶族乡");
}

TEST(GazetteerTest, ShortRegionNames) {
  EXPECT_EQ(ShortRegionName(U"巫溪县"), U"巫溪");
  EXPECT_EQ(ShortRegionName(U"恩施土家族苗族自治州"), U"恩施");
  EXPECT_EQ(ShortRegionName(U"广西壮族自治区"), U"广西");
  EXPECT_EQ(ShortRegionName(U"新疆维吾尔自治区"), U"新疆");
  EXPECT_EQ(ShortRegionName(U"滑县"), U"滑县");  // one character would be left
  const auto wuxi = G().FindShort(U"巫溪");
  ASSERT_EQ(wuxi.size(), 1u);
  EXPECT_EQ(G().name(wuxi[0]), "巫溪县");
  EXPECT_FALSE(G().FindShort(U"重庆").empty());
}

TEST(GazetteerTest, LookupsFoldTraditionalCharactersLikeReportText) {
  // ICU folds 乾 to 干; report text is matched folded, so both spellings find 乾县.
  ASSERT_EQ(G().Find(std::string_view("乾县")).size(), 1u);
  EXPECT_EQ(G().Find(std::string_view("干县")), G().Find(std::string_view("乾县")));
  EXPECT_EQ(G().Find(std::string_view("巫溪縣")), G().Find(std::string_view("巫溪县")));
  EXPECT_TRUE(G().HasCounty(U"干县"));
  EXPECT_TRUE(G().HasTownship(U"花台鄉"));
  EXPECT_FALSE(G().HasTownship(U"巫溪县"));
  EXPECT_TRUE(G().HasRegion(U"巫溪县"));
}

TEST(GazetteerTest, RegionScopes) {
  for (const char* ok : {"重庆市", "重庆", "萬州區", "万州区", "50", "5001", "500101", "500000000000", "广西"}) {
    EXPECT_TRUE(G().IsRegionScope(ok)) << ok;
  }
  for (const char* bad : {"", "重庆省", "花台乡", "99", "5"}) {
    EXPECT_FALSE(G().IsRegionScope(bad)) << bad;
  }
}

TEST(GazetteerTest, ParseRejectsBadTables) {
  EXPECT_FALSE(Gazetteer::Parse("").ok());
  EXPECT_FALSE(Gazetteer::Parse("11\n").ok());
  EXPECT_FALSE(Gazetteer::Parse("123\tx\n").ok());
  EXPECT_FALSE(Gazetteer::Parse("1101\t市辖区\n").ok());  // parent missing
  ASSERT_TRUE(Gazetteer::Parse("# c\n11\t北京市\n1101\t市辖区\n110101\t东城区\n").ok());
}

// Look-up speed is measured by bench/segment_bench (BM_GazetteerLookup), not here.
TEST(GazetteerTest, RepeatedLookupsGiveTheSameUnits) {
  size_t found = 0;
  for (int i = 0; i < 1000; ++i) found += G().Find(U"东城街道").size() + G().FindShort(U"巫溪").size();
  EXPECT_EQ(found, 1000u * 40);
}

}  // namespace
}  // namespace reportflow::geo
