#include "services/aggregate/document_values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;
namespace epb = ::reportflow::extract::v1;

class DocumentValuesTest : public ::testing::Test {
 protected:
  epb::Metric* Add(const std::string& id, double value, const std::string& unit = "件",
                   epb::MetricKind kind = epb::METRIC_KIND_COUNT) {
    epb::Metric* m = metrics_.Add();
    m->set_metric_id(id);
    m->set_value(value);
    m->set_unit(unit);
    m->set_metric_kind(kind);
    m->set_approx(cpb::APPROX_EXACT);
    return m;
  }
  std::vector<DocValue> Values() const { return DocumentValues(metrics_); }

  google::protobuf::RepeatedPtrField<epb::Metric> metrics_;
};

TEST_F(DocumentValuesTest, DistinctMentionsAddUpAndARestatementCountsOnce) {
  Add("legal_awareness.events", 12);
  Add("legal_awareness.events", 5);
  Add("legal_awareness.events", 12);  // the summary repeats the first figure
  const auto v = Values();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].value, 17);
  EXPECT_EQ(v[0].mentions, 3u);
}

TEST_F(DocumentValuesTest, ATotalWinsOverOtherMentions) {
  Add("mediation.disputes_handled", 30);
  Add("mediation.disputes_handled", 90)->set_total(true);
  Add("mediation.disputes_handled", 20);
  const auto v = Values();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].value, 90);
}

TEST_F(DocumentValuesTest, PartsNeverAddToTheirParent) {
  Add("enforcement.cases", 390)->set_total(true);
  for (double part : {110.0, 280.0}) {
    epb::Metric* m = Add("enforcement.cases", part);
    m->set_role(epb::QUANTITY_ROLE_PART);
    m->set_parent(0);
  }
  const auto v = Values();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].value, 390);
  EXPECT_EQ(v[0].mentions, 3u);
}

TEST_F(DocumentValuesTest, APartWithAFinerMetricCountsThere) {
  Add("mediation.disputes_handled", 50)->set_total(true);
  epb::Metric* m = Add("mediation.disputes_resolved", 48);
  m->set_role(epb::QUANTITY_ROLE_PART);
  m->set_parent(0);
  const auto v = Values();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].metric_id, "mediation.disputes_resolved");
  EXPECT_DOUBLE_EQ(v[1].value, 48);
}

TEST_F(DocumentValuesTest, TargetsAndChangesAreNotValues) {
  Add("training.sessions", 4);
  Add("training.sessions", 10)->set_role(epb::QUANTITY_ROLE_TARGET);
  Add("petitions.received", 12, "%", epb::METRIC_KIND_RATE)->set_role(epb::QUANTITY_ROLE_CHANGE);
  const auto v = Values();
  ASSERT_EQ(v.size(), 1u);  // the change has no achievement beside it: no value
  EXPECT_EQ(v[0].metric_id, "training.sessions");
  EXPECT_DOUBLE_EQ(v[0].value, 4);
  EXPECT_EQ(v[0].mentions, 2u);
}

TEST_F(DocumentValuesTest, RatesAreAveragedNeverAdded) {
  Add("petitions.resolution_rate", 100, "%", epb::METRIC_KIND_RATE);
  Add("petitions.resolution_rate", 96, "%", epb::METRIC_KIND_RATE);
  const auto v = Values();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].value, 98);
  EXPECT_EQ(StatisticOf(v[0].kind), apb::ROLLUP_STATISTIC_MEAN);
}

TEST_F(DocumentValuesTest, CanonicalUnitsMergeSpellingsAndScaleMoney) {
  epb::Metric* a = Add("mediation.disputes_handled", 40, "件次");
  a->set_canonical_unit("件");
  a->set_canonical_value(40);
  epb::Metric* b = Add("mediation.disputes_handled", 2, "起");
  b->set_canonical_unit("件");
  b->set_canonical_value(2);
  epb::Metric* c = Add("funding.amount", 0.5, "万元", epb::METRIC_KIND_MONEY);
  c->set_canonical_unit("元");
  c->set_canonical_value(5000);
  c->set_approx(cpb::APPROX_MORE_THAN);
  const auto v = Values();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric_id, "funding.amount");
  EXPECT_EQ(v[0].unit, "元");
  EXPECT_DOUBLE_EQ(v[0].value, 5000);
  EXPECT_TRUE(v[0].approx);
  EXPECT_EQ(v[1].unit, "件");
  EXPECT_DOUBLE_EQ(v[1].value, 42);
  // Units as written, in byte order, with their mentions.
  using Written = std::pair<std::string_view, uint32_t>;
  EXPECT_THAT(v[1].units_written, ::testing::ElementsAre(Written{"件次", 1u}, Written{"起", 1u}));
}

TEST_F(DocumentValuesTest, KindFallsBackToTheQuantityKind) {
  epb::Metric m;
  m.set_kind(cpb::QUANTITY_KIND_PERCENT);
  EXPECT_EQ(KindOf(m), epb::METRIC_KIND_RATE);
  m.set_kind(cpb::QUANTITY_KIND_MONEY);
  EXPECT_EQ(KindOf(m), epb::METRIC_KIND_MONEY);
  m.set_metric_kind(epb::METRIC_KIND_COUNT);
  EXPECT_EQ(KindOf(m), epb::METRIC_KIND_COUNT);
  EXPECT_EQ(StatisticOf(epb::METRIC_KIND_MONEY), apb::ROLLUP_STATISTIC_SUM);
  EXPECT_EQ(StatisticOf(epb::METRIC_KIND_OTHER), apb::ROLLUP_STATISTIC_MEAN);
}

}  // namespace
}  // namespace reportflow::aggregate
