#include "common/audit/coverage.h"

#include <gtest/gtest.h>

#include "common/geo/place_resolver.h"
#include "tests/testing/test_util.h"

namespace reportflow::audit {
namespace {

TEST(CoverageTest, ScopeByNameOrCodeAndClearErrors) {
  const auto& g = geo::Gazetteer::Default();
  ASSERT_OK_AND_ASSIGN(geo::UnitId wuxi, ResolveScope(g, "巫溪县"));
  EXPECT_EQ(g.Code12(wuxi), "500238000000");
  ASSERT_OK_AND_ASSIGN(geo::UnitId by_code, ResolveScope(g, "500238"));
  EXPECT_EQ(by_code, wuxi);
  ASSERT_OK_AND_ASSIGN(geo::UnitId by_code12, ResolveScope(g, "500238000000"));
  EXPECT_EQ(by_code12, wuxi);
  EXPECT_FALSE(ResolveScope(g, "没有这个县").ok());
  auto namesake = ResolveScope(g, "朝阳区");  // Beijing and Changchun
  ASSERT_FALSE(namesake.ok());
  EXPECT_NE(namesake.status().message().find("give its code"), std::string::npos);
}

TEST(CoverageTest, EveryUnitOfTheCountyWithItsReportsOrMissing) {
  const auto& g = geo::Gazetteer::Default();
  ASSERT_OK_AND_ASSIGN(geo::UnitId wuxi, ResolveScope(g, "巫溪县"));
  // The county's reporting units from the gazetteer, independently of ComputeCoverage.
  std::vector<geo::UnitId> units;
  for (geo::UnitId id = 0; id < static_cast<geo::UnitId>(g.size()); ++id) {
    if (g.level(id) == geo::Level::kTownship && g.IsWithin(id, wuxi) && !geo::UnitTypeOf(g.name32(id)).empty()) {
      units.push_back(id);
    }
  }
  ASSERT_GT(units.size(), 10u);
  std::vector<FiledDocument> docs;
  auto doc = [&](geo::UnitId id, int year, const std::string& name) {
    FiledDocument d;
    d.doc_id = name;
    d.township = g.name(id);
    d.township_code = g.Code12(id);
    d.county_code = g.Code12(wuxi);
    d.year = year;
    docs.push_back(d);
  };
  doc(units[0], 2023, "a");
  doc(units[0], 2023, "a2");  // two reports of one unit
  doc(units[1], 2023, "b");
  doc(units[2], 2022, "c");   // another year: missing in 2023
  FiledDocument county_report;  // the county's own report: in the scope, at no unit
  county_report.doc_id = "county";
  county_report.county_code = g.Code12(wuxi);
  county_report.year = 2023;
  docs.push_back(county_report);
  FiledDocument elsewhere;  // another county: ignored
  elsewhere.doc_id = "x";
  elsewhere.township_code = "110101001000";
  elsewhere.county_code = "110101000000";
  elsewhere.year = 2023;
  docs.push_back(elsewhere);

  const Coverage c = ComputeCoverage(g, wuxi, 2023, docs);
  ASSERT_EQ(c.units.size(), units.size());
  EXPECT_EQ(c.filed, 2);
  ASSERT_EQ(c.counties.size(), 1u);
  EXPECT_EQ(c.counties[0].name, "巫溪县");
  EXPECT_EQ(c.counties[0].units, static_cast<int>(units.size()));
  EXPECT_EQ(c.counties[0].filed, 2);
  EXPECT_EQ(c.units[0].reports.size(), 2u);
  EXPECT_TRUE(c.units[2].reports.empty());
  ASSERT_EQ(c.unplaced.size(), 1u);
  EXPECT_EQ(c.unplaced[0].doc_id, "county");
  EXPECT_NEAR(c.share(), 2.0 / units.size(), 1e-12);
}

}  // namespace
}  // namespace reportflow::audit
