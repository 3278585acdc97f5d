// A metric's section path joined from the headings its document holds once.
#include "common/results/section_path.h"

#include <gtest/gtest.h>

namespace reportflow::results {
namespace {

using extract::v1::Metric;
using Path = std::vector<std::string_view>;

SectionHeadings Headings(std::initializer_list<std::tuple<uint32_t, int32_t, const char*>> list) {
  SectionHeadings out;
  for (const auto& [id, parent, heading] : list) {
    auto* h = out.Add();
    h->set_id(id);
    h->set_parent(parent);
    h->set_heading(heading);
  }
  return out;
}

Metric InSection(int32_t section) {
  Metric m;
  m.set_section(section);
  return m;
}

TEST(SectionPathTest, WalksFromTheInnermostSectionToTheTopLevel) {
  const SectionHeadings h = Headings({{0, -1, "一、主要成效"}, {2, 0, "（一）普法宣传"}, {5, 2, "1. 进村入户"}});
  EXPECT_EQ(SectionPath(h, InSection(5)), (Path{"一、主要成效", "（一）普法宣传", "1. 进村入户"}));
  EXPECT_EQ(SectionPath(h, InSection(2)), (Path{"一、主要成效", "（一）普法宣传"}));
  EXPECT_EQ(SectionPath(h, InSection(0)), (Path{"一、主要成效"}));
  EXPECT_EQ(JoinedSectionPath(h, InSection(5), " > "), "一、主要成效 > （一）普法宣传 > 1. 进村入户");
}

TEST(SectionPathTest, OutsideEverySectionOrUnknownIdIsEmpty) {
  const SectionHeadings h = Headings({{0, -1, "一、主要成效"}});
  EXPECT_TRUE(SectionPath(h, InSection(-1)).empty());
  EXPECT_TRUE(SectionPath(h, InSection(7)).empty());
  EXPECT_EQ(JoinedSectionPath(h, InSection(-1), " > "), "");
}

TEST(SectionPathTest, AMetricCarryingItsOwnPathKeepsIt) {
  // Stream events and results stored before per-document headings.
  const SectionHeadings h = Headings({{0, -1, "一、新"}});
  Metric m = InSection(0);
  m.add_section_path("一、旧");
  m.add_section_path("（一）旧");
  EXPECT_EQ(SectionPath(h, m), (Path{"一、旧", "（一）旧"}));
}

TEST(SectionPathTest, UnsortedHeadingsAreFoundAndACycleEnds) {
  const SectionHeadings unsorted = Headings({{4, 1, "（二）"}, {1, -1, "二、"}});
  EXPECT_EQ(SectionPath(unsorted, InSection(4)), (Path{"二、", "（二）"}));
  const SectionHeadings cycle = Headings({{0, 1, "甲"}, {1, 0, "乙"}});
  EXPECT_LE(SectionPath(cycle, InSection(0)).size(), 3u);
}

}  // namespace
}  // namespace reportflow::results
