// Metric meaning on labelled sentences written for this test (not taken from
// any report): each quantity's acceptable metric ids, roles, parents, totals
// and canonical units. Covers clause-final numbers that take the activity
// named earlier, units that decide between people and sessions, titles in
// 《》 and names in “” that never choose a topic, rates that keep their own
// qualifier, 其中 sub-counts, shared rates, changes and targets.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "services/extract/extractor.h"
#include "tests/services/extract/doc_builder.h"
#include "tests/testing/test_util.h"

namespace reportflow::extract {
namespace {

namespace pb = ::reportflow::extract::v1;
using testing::MakeDoc;

struct Labelled {
  std::string sentence;
  std::string text;                 // the quantity's span
  std::vector<std::string> ok;      // acceptable metric ids
};

class MetricMeaningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto taxonomy, Taxonomy::Default());
    ASSERT_OK_AND_ASSIGN(extractor_, Extractor::Create(taxonomy));
  }
  pb::ExtractionResult Run(const std::string& text, int section = -1) {
    pb::ExtractionResult out;
    const Status st = extractor_->Extract(MakeDoc(text, section), &out);
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }
  const pb::Metric* Find(const pb::ExtractionResult& out, const std::string& text) {
    for (const auto& m : out.metrics()) {
      if (m.text() == text) return &m;
    }
    return nullptr;
  }
  std::unique_ptr<Extractor> extractor_;
};

// Every kind of sentence the issue names, in our own words.
const std::vector<Labelled>& Cases() {
  static const std::vector<Labelled> cases = {
      // the counted thing is named earlier in the clause or sentence
      {"组织普法志愿者深入开展“法律进社区”活动，走进社区开展2场次。", "2场次", {"legal_awareness.events"}},
      {"坚持开展法治宣传进集市活动，全年累计开展20余次。", "20余次", {"legal_awareness.events"}},
      {"举办村干部法治培训班，覆盖500余人次。", "500余人次", {"training.participants"}},
      {"围绕民法典开展专题培训，累计参训800余人次。", "800余人次", {"training.participants"}},
      {"开展送法下乡活动12场，覆盖群众3000余人次。", "3000余人次", {"legal_awareness.audience"}},
      {"印制发放民法典小册子2000余册。", "2000余册", {"legal_awareness.materials"}},
      {"张贴法治宣传海报150张，悬挂横幅30条。", "150张", {"legal_awareness.materials"}},
      {"深入排查安全隐患，整改到位12处。", "12处", {"safety.hazards"}},
      // units decide: people are never sessions, villages never advisors
      {"组织15名党政主要负责人现场述法。", "15名", {"law_reporting.reporters"}},
      {"全镇11个村社均配备了法律顾问。", "11个", {"unclassified"}},
      {"开展法律知识培训6期，培训干部职工320人。", "6期", {"training.sessions"}},
      {"开展法律知识培训6期，培训干部职工320人。", "320人", {"training.participants"}},
      {"聘请律师担任法律顾问3名。", "3名", {"legal_advisors.count"}},
      {"全镇15个村（社区）实现法律顾问全覆盖。", "15个", {"unclassified"}},
      {"组织干部参加年度学法考试，参考人员86人。", "86人", {"exam.participants"}},
      {"为全乡230户农户送去法治宣传资料。", "230户", {"legal_awareness.audience"}},
      // titles and names never choose a topic
      {"组织学习《民法典》《信访工作条例》等法律法规5次。", "5次", {"training.sessions"}},
      {"召开《行政复议法》专题学习会2次。", "2次", {"training.sessions"}},
      {"发放《反电信网络诈骗法》宣传资料800份。", "800份", {"legal_awareness.materials"}},
      // rates keep their own qualifier
      {"执结率87.5%，按期办结率100%，公示率98.3%。", "87.5%", {"enforcement.case_closure_rate", "unclassified"}},
      {"执结率87.5%，按期办结率100%，公示率98.3%。", "100%", {"petitions.resolution_rate"}},
      {"执结率87.5%，按期办结率100%，公示率98.3%。", "98.3%", {"enforcement.disclosure_rate", "unclassified"}},
      {"村级法律顾问覆盖率达100%。", "100%", {"legal_advisors.coverage_rate"}},
      {"全年行政诉讼败诉率为0%。", "0%", {"litigation.loss_rate"}},
      {"执法人员持证率达到100%。", "100%", {"enforcement.certification_rate"}},
      {"组织全体干部参加法治理论考试，参考率100%，合格率98%。", "98%", {"exam.pass_rate"}},
      {"评查行政执法案卷45卷，合格率96%。", "96%", {"enforcement.case_file_pass_rate"}},
      // new ids real reports need
      {"开展行政执法检查42次。", "42次", {"enforcement.inspections"}},
      {"共计立案查处各类违法案件39件。", "39件", {"enforcement.cases"}},
      {"办理行政复议案件2件，行政应诉案件3件。", "2件", {"litigation.reconsideration_cases"}},
      {"办理行政复议案件2件，行政应诉案件3件。", "3件", {"litigation.cases"}},
      {"报送规范性文件备案审查4件。", "4件", {"legal_review.normative_documents"}},
      {"网格员上报处置网格事件1260件。", "1260件", {"grid.events"}},
      {"划分综治网格35个，配备专职网格员35名。", "35个", {"grid.grids"}},
      {"划分综治网格35个，配备专职网格员35名。", "35名", {"grid.members"}},
      {"坚持党委会会前学法，全年开展会前学法12次。", "12次", {"training.study_meetings"}},
      {"全年投入法治建设经费12.5万元。", "12.5万元", {"finance.funding"}},
      {"受理法律援助案件18件。", "18件", {"legal_aid.services"}},
      {"解答群众法律咨询260余次。", "260余次", {"legal_awareness.consultations"}},
      {"主动公开政府信息156条。", "156条", {"government.information_disclosures"}},
      {"审查各类合同25份。", "25份", {"legal_review.contracts"}},
      {"对3项重大行政决策进行合法性审查。", "3项", {"legal_review.decisions"}},
      {"培育法律明白人120名。", "120名", {"legal_awareness.legal_literates"}},
      {"全镇共有人民调解委员会14个。", "14个", {"mediation.committees"}},
      {"建成村级公共法律服务工作室16个。", "16个", {"public_legal_service.stations"}},
      {"罚没金额0.5万余元。", "0.5万余元", {"enforcement.fines"}},
      {"累计开展警示教育4场。", "4场", {"supervision.warning_education"}},
      {"成功调解矛盾纠纷56件。", "56件", {"mediation.disputes_resolved"}},
      {"接待群众来访120人次。", "120人次", {"petitions.visitors"}},
      {"办理12345热线工单86件。", "86件", {"petitions.received"}},
      // a subject that names something else stays unclassified
      {"新建文化广场3个。", "3个", {"unclassified"}},
      {"完成高标准农田建设1200亩。", "1200亩", {"unclassified"}},
  };
  return cases;
}

TEST_F(MetricMeaningTest, LabelledSentencesGetAnAcceptableId) {
  int correct = 0;
  std::string wrong;
  for (const Labelled& c : Cases()) {
    const auto out = Run(c.sentence);
    const pb::Metric* m = Find(out, c.text);
    if (m == nullptr) {
      wrong += "  not extracted: " + c.text + " in " + c.sentence + "\n";
      continue;
    }
    if (std::find(c.ok.begin(), c.ok.end(), m->metric_id()) != c.ok.end()) {
      ++correct;
    } else {
      wrong += "  " + c.text + " in " + c.sentence + ": got " + m->metric_id() + " (subject " + m->subject() +
               "), ok " + c.ok[0] + "\n";
    }
  }
  EXPECT_EQ(correct, static_cast<int>(Cases().size())) << wrong;
}

TEST_F(MetricMeaningTest, SubCountsLinkToTheirTotal) {
  const auto out = Run("全年共计立案查处390件（其中简易程序110件，普通程序280件），受理咨询50次。");
  ASSERT_EQ(out.metrics_size(), 4);
  EXPECT_TRUE(out.metrics(0).total());
  EXPECT_EQ(out.metrics(0).metric_id(), "enforcement.cases");
  for (int i : {1, 2}) {
    EXPECT_EQ(out.metrics(i).role(), pb::QUANTITY_ROLE_PART) << i;
    ASSERT_TRUE(out.metrics(i).has_parent());
    EXPECT_EQ(out.metrics(i).parent(), 0u);
    EXPECT_EQ(out.metrics(i).metric_id(), "enforcement.cases");  // no finer id: the parent's
  }
  EXPECT_EQ(out.metrics(3).role(), pb::QUANTITY_ROLE_VALUE);  // after the bracket closes
  EXPECT_FALSE(out.metrics(3).has_parent());
}

TEST_F(MetricMeaningTest, SubCountsInTheNextSentenceAndTheirOwnIds) {
  const auto out = Run("全年开展普法宣传活动19次。其中集中宣传9次，法律进农村4次，受教育群众2000余人次。");
  ASSERT_EQ(out.metrics_size(), 4);
  EXPECT_EQ(out.metrics(1).role(), pb::QUANTITY_ROLE_PART);
  EXPECT_EQ(out.metrics(1).parent(), 0u);
  EXPECT_EQ(out.metrics(2).role(), pb::QUANTITY_ROLE_PART);
  EXPECT_EQ(out.metrics(2).metric_id(), "legal_awareness.events");
  // Another unit is not a part of a count of events.
  EXPECT_EQ(out.metrics(3).role(), pb::QUANTITY_ROLE_VALUE);
  EXPECT_EQ(out.metrics(3).metric_id(), "legal_awareness.audience");
}

TEST_F(MetricMeaningTest, PartsNeverExceedTheirTotal) {
  const auto out = Run("共受理矛盾纠纷20件，其中邻里纠纷12件，婚姻家庭纠纷15件。");
  ASSERT_EQ(out.metrics_size(), 3);
  EXPECT_EQ(out.metrics(1).role(), pb::QUANTITY_ROLE_PART);
  EXPECT_EQ(out.metrics(2).role(), pb::QUANTITY_ROLE_VALUE);  // 12 + 15 > 20
}

TEST_F(MetricMeaningTest, SharedRatesGiveOneMetricPerNamedRate) {
  const auto out = Run("信访事项按期办结率、群众满意率均为100%。");
  ASSERT_EQ(out.metrics_size(), 2);
  EXPECT_EQ(out.metrics(0).metric_id(), "petitions.resolution_rate");
  EXPECT_EQ(out.metrics(1).metric_id(), "public_service.satisfaction_rate");
  EXPECT_EQ(out.metrics(1).metric_kind(), pb::METRIC_KIND_RATE);
}

TEST_F(MetricMeaningTest, ChangesAreNotRates) {
  const auto out = Run("全年受理矛盾纠纷60件，同比下降15%，调解成功率较上年提高3个百分点。");
  ASSERT_EQ(out.metrics_size(), 3);
  EXPECT_EQ(out.metrics(0).role(), pb::QUANTITY_ROLE_VALUE);
  EXPECT_EQ(out.metrics(1).role(), pb::QUANTITY_ROLE_CHANGE);
  EXPECT_EQ(out.metrics(1).metric_id(), "unclassified");
  EXPECT_EQ(out.metrics(2).role(), pb::QUANTITY_ROLE_CHANGE);
}

TEST_F(MetricMeaningTest, TargetsInPlanClausesAndSections) {
  auto out = Run("力争全年调解成功率达到98%以上。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).role(), pb::QUANTITY_ROLE_TARGET);
  EXPECT_EQ(out.metrics(0).metric_id(), "mediation.success_rate");
  out = Run("下一步，我们将组织法治培训4次。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).role(), pb::QUANTITY_ROLE_TARGET);
  // A sentence in a plans section (by heading) is a target.
  segment::v1::SegmentedDocument doc = MakeDoc("开展普法活动10场。", 0);
  auto* sec = doc.add_sections();
  sec->set_heading("三、2025年工作计划");
  sec->set_parent(-1);
  pb::ExtractionResult r;
  ASSERT_OK(extractor_->Extract(doc, &r));
  ASSERT_EQ(r.metrics_size(), 1);
  EXPECT_EQ(r.metrics(0).role(), pb::QUANTITY_ROLE_TARGET);
  // Elsewhere the same sentence is an achievement.
  out = Run("开展普法活动10场。");
  EXPECT_EQ(out.metrics(0).role(), pb::QUANTITY_ROLE_VALUE);
  // Planned in the clause: a target; done according to plan: an achievement.
  out = Run("计划开展法治讲座6场。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).role(), pb::QUANTITY_ROLE_TARGET);
  out = Run("按计划开展法治讲座6场。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).role(), pb::QUANTITY_ROLE_VALUE);
  // 争取 before money is what was secured; before anything else it is a target.
  out = Run("争取上级法治建设专项资金8万元。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).role(), pb::QUANTITY_ROLE_VALUE);
  EXPECT_EQ(out.metrics(0).metric_id(), "finance.funding");
  out = Run("争取全年调解成功率达到98%。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).role(), pb::QUANTITY_ROLE_TARGET);
}

TEST_F(MetricMeaningTest, TotalsAreFlagged) {
  const auto out = Run("全年累计调解矛盾纠纷90余件，调解成功率100%。");
  ASSERT_EQ(out.metrics_size(), 2);
  EXPECT_TRUE(out.metrics(0).total());
  EXPECT_FALSE(out.metrics(1).total());
  EXPECT_FALSE(Run("开展公共法律服务5次。").metrics(0).total());  // 公共 is not 共
}

TEST_F(MetricMeaningTest, CanonicalUnitsAndValues) {
  struct Case {
    std::string sentence, text, unit, canonical_unit;
    double canonical_value;
    pb::MetricKind kind;
  };
  const std::vector<Case> cases = {
      {"罚没金额0.5万余元。", "0.5万余元", "万元", "元", 5000, pb::METRIC_KIND_MONEY},
      {"投入经费1.2亿元。", "1.2亿元", "亿元", "元", 1.2e8, pb::METRIC_KIND_MONEY},
      {"调解矛盾纠纷35件次。", "35件次", "件次", "件", 35, pb::METRIC_KIND_COUNT},
      {"调处邻里纠纷8起。", "8起", "起", "件", 8, pb::METRIC_KIND_COUNT},
      {"聘请法律顾问2位。", "2位", "位", "人", 2, pb::METRIC_KIND_COUNT},
      {"开展法治宣传活动12场次。", "12场次", "场次", "场", 12, pb::METRIC_KIND_COUNT},
      {"集中学习320场(次)。", "320场(次)", "场次", "场", 320, pb::METRIC_KIND_COUNT},
      {"发放宣传资料500册。", "500册", "册", "份", 500, pb::METRIC_KIND_COUNT},
      {"调解成功率达96%。", "96%", "%", "%", 96, pb::METRIC_KIND_RATE},
      {"新建文化广场3个。", "3个", "个", "个", 3, pb::METRIC_KIND_COUNT},
  };
  for (const Case& c : cases) {
    const auto out = Run(c.sentence);
    const pb::Metric* m = Find(out, c.text);
    ASSERT_NE(m, nullptr) << c.sentence;
    EXPECT_EQ(m->unit(), c.unit) << c.sentence;
    EXPECT_EQ(m->canonical_unit(), c.canonical_unit) << c.sentence;
    EXPECT_DOUBLE_EQ(m->canonical_value(), c.canonical_value) << c.sentence;
    EXPECT_EQ(m->metric_kind(), c.kind) << c.sentence;
  }
  const auto out = Run("罚没金额0.5万余元。");
  EXPECT_EQ(out.metrics(0).approx(), common::v1::APPROX_MORE_THAN);
  EXPECT_DOUBLE_EQ(out.metrics(0).value(), 0.5);
}

TEST_F(MetricMeaningTest, FalseQuantities) {
  EXPECT_EQ(Run("今年是“十四五”规划承上启下的关键一年。").metrics_size(), 0);
  EXPECT_EQ(Run("贯彻落实法治政府建设实施纲要（20212025年）。").metrics_size(), 0);
  EXPECT_EQ(Run("整治行动历时一年。").metrics_size(), 1);  // a measured duration stays
}

}  // namespace
}  // namespace reportflow::extract
