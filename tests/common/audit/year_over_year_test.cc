#include "common/audit/year_over_year.h"

#include <gtest/gtest.h>

namespace reportflow::audit {
namespace {

YoyObservation Obs(const std::string& unit, int year, const std::string& metric, double value, bool rate = false,
                   const std::string& doc = "d") {
  YoyObservation o;
  o.unit_key = unit;
  o.unit_name = unit;
  o.year = year;
  o.metric_id = metric;
  o.unit = rate ? "%" : "件";
  o.rate = rate;
  o.value = value;
  o.doc_id = doc + std::to_string(year);
  return o;
}

TEST(JumpRuleTest, RatiosPointsAndZero) {
  AuditOptions o;
  EXPECT_EQ(JumpRule(false, 10, 100, o), "ratio");
  EXPECT_EQ(JumpRule(false, 100, 10, o), "ratio");
  EXPECT_EQ(JumpRule(false, 10, 99, o), "");
  EXPECT_EQ(JumpRule(false, 0, 3, o), "");
  EXPECT_EQ(JumpRule(false, 0, 12, o), "ratio");
  EXPECT_EQ(JumpRule(true, 95, 60, o), "rate_points");
  EXPECT_EQ(JumpRule(true, 95, 65, o), "");  // exactly 30 points is no jump
  EXPECT_EQ(JumpRule(true, 5, 50, o), "rate_points");  // rates never compare by ratio
  o.yoy_factor = 3;
  EXPECT_EQ(JumpRule(false, 10, 30, o), "ratio");
}

TEST(YearOverYearTest, PairsYearNWithNMinusOneOfTheSameUnitMetricAndUnit) {
  const std::vector<YoyObservation> obs = {
      Obs("A", 2022, "mediation.disputes_handled", 90), Obs("A", 2023, "mediation.disputes_handled", 120),
      Obs("A", 2021, "mediation.disputes_handled", 5),  Obs("B", 2023, "mediation.disputes_handled", 40),
      Obs("A", 2023, "mediation.success_rate", 98, true), Obs("A", 2022, "mediation.success_rate", 60, true),
  };
  const auto rows = YearOverYear(obs, AuditOptions());
  ASSERT_EQ(rows.size(), 6u);
  // A, disputes: 2021 (no partner), 2022 (vs 2021: x18 = jump), 2023 (vs 2022).
  EXPECT_EQ(rows[0].year, 2021);
  EXPECT_FALSE(rows[0].previous.has_value());
  EXPECT_EQ(rows[1].year, 2022);
  EXPECT_EQ(*rows[1].previous, 5);
  EXPECT_EQ(rows[1].jump, "ratio");
  EXPECT_EQ(rows[2].year, 2023);
  EXPECT_EQ(*rows[2].change, 30);
  EXPECT_EQ(rows[2].jump, "");
  ASSERT_EQ(rows[2].before.size(), 1u);
  EXPECT_EQ(rows[2].before[0].doc_id, "d2022");
  // A, rate: 60 -> 98 is 38 points.
  EXPECT_EQ(rows[4].metric_id, "mediation.success_rate");
  EXPECT_EQ(rows[4].jump, "rate_points");
  // B has no 2022: shown without a partner.
  EXPECT_EQ(rows[5].unit_key, "B");
  EXPECT_FALSE(rows[5].previous.has_value());
  EXPECT_FALSE(rows[5].change.has_value());
}

TEST(YearOverYearTest, SeveralDocumentsOfAUnitYearAddForCountsAndAverageForRates) {
  const std::vector<YoyObservation> obs = {
      Obs("A", 2023, "c", 10, false, "x"), Obs("A", 2023, "c", 20, false, "y"),
      Obs("A", 2023, "r", 90, true, "x"),  Obs("A", 2023, "r", 100, true, "y"),
  };
  const auto rows = YearOverYear(obs, AuditOptions());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].value, 30);
  EXPECT_EQ(rows[1].value, 95);
  EXPECT_EQ(rows[0].current.size(), 2u);
}

TEST(YearOverYearTest, AYearGapIsNoPair) {
  const auto rows = YearOverYear({Obs("A", 2021, "c", 10), Obs("A", 2023, "c", 500)}, AuditOptions());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[1].previous.has_value());
  EXPECT_EQ(rows[1].jump, "");
}

}  // namespace
}  // namespace reportflow::audit
