// Extractor unit tests on sentences written for these tests (not taken from
// the devset): every numeral form, qualifier, unit, exclusion, shared values,
// subjects, provenance and consistency findings.
#include "services/extract/extractor.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/results/section_path.h"
#include "tests/services/extract/doc_builder.h"
#include "tests/testing/test_util.h"

namespace reportflow::extract {
namespace {

namespace pb = ::reportflow::extract::v1;
namespace cpb = ::reportflow::common::v1;
using testing::MakeDoc;

constexpr auto kExact = cpb::APPROX_EXACT;
constexpr auto kMore = cpb::APPROX_MORE_THAN;
constexpr auto kAbout = cpb::APPROX_ABOUT;
constexpr auto kLess = cpb::APPROX_LESS_THAN;
constexpr auto kAtLeast = cpb::APPROX_AT_LEAST;
constexpr auto kCount = cpb::QUANTITY_KIND_COUNT;
constexpr auto kPercent = cpb::QUANTITY_KIND_PERCENT;
constexpr auto kMoney = cpb::QUANTITY_KIND_MONEY;
constexpr auto kOther = cpb::QUANTITY_KIND_OTHER;

class ExtractorTest : public ::testing::Test {
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

  std::unique_ptr<Extractor> extractor_;
};

struct Expect {
  std::string sentence;
  std::string text;  // expected surface span
  double value;
  std::string unit;
  cpb::Approx approx;
  cpb::QuantityKind kind;
  std::optional<double> value_max = std::nullopt;
};

void CheckSingle(ExtractorTest* t, const pb::ExtractionResult& out, const Expect& e) {
  SCOPED_TRACE(e.sentence);
  ASSERT_EQ(out.metrics_size(), 1);
  const pb::Metric& m = out.metrics(0);
  EXPECT_EQ(m.text(), e.text);
  EXPECT_DOUBLE_EQ(m.value(), e.value);
  EXPECT_EQ(m.unit(), e.unit);
  EXPECT_EQ(m.approx(), e.approx) << cpb::Approx_Name(m.approx());
  EXPECT_EQ(m.kind(), e.kind) << cpb::QuantityKind_Name(m.kind());
  EXPECT_EQ(m.has_value_max(), e.value_max.has_value());
  if (e.value_max && m.has_value_max()) {
    EXPECT_DOUBLE_EQ(m.value_max(), *e.value_max);
  }
}

// ---------------------------------------------------------------------------
// Numeral forms
// ---------------------------------------------------------------------------

TEST_F(ExtractorTest, NumeralForms) {
  const std::vector<Expect> cases = {
      {"今年共办理行政复议案件35件。", "35件", 35, "件", kExact, kCount},
      {"组织执法人员培训２０次。", "２０次", 20, "次", kExact, kCount},
      {"群众知晓率提升到87.5%。", "87.5%", 87.5, "%", kExact, kPercent},
      {"向沿街商户发放告知书1,250份。", "1,250份", 1250, "份", kExact, kCount},
      {"举办法治讲座十二场。", "十二场", 12, "场", kExact, kCount},
      {"走访困难群众一百二十户。", "一百二十户", 120, "户", kExact, kCount},
      {"受理来信来访一百零五件。", "一百零五件", 105, "件", kExact, kCount},
      {"覆盖辖区群众三千人。", "三千人", 3000, "人", kExact, kCount},
      {"辐射村民一千二百人。", "一千二百人", 1200, "人", kExact, kCount},
      {"线上答题参与者一千二人。", "一千二人", 1200, "人", kExact, kCount},
      {"普法短视频浏览量达5万人次。", "5万人次", 50000, "人次", kExact, kCount},
      {"网络普法覆盖1.2万人。", "1.2万人", 12000, "人", kExact, kCount},
      {"线下活动吸引两万余人参与。", "两万余人", 20000, "人", kMore, kCount},
      {"开展送法下乡十余场。", "十余场", 10, "场", kMore, kCount},
      {"配备专职调解员两名。", "两名", 2, "名", kExact, kCount},
      {"新建法治文化长廊三四个。", "三四个", 3, "个", kAbout, kCount, 4},
      {"普法答卷合格率达百分之九十五。", "百分之九十五", 95, "%", kExact, kPercent},
      {"网上办件比例为百分之80。", "百分之80", 80, "%", kExact, kPercent},
      {"累计收到群众建议0件。", "0件", 0, "件", kExact, kCount},
      {"参训村干部贰拾名。", "贰拾名", 20, "名", kExact, kCount},
      {"普法短视频累计播放一亿二千万人次。", "一亿二千万人次", 120000000, "人次", kExact, kCount},
      {"普法短视频累计播放一亿二人次。", "一亿二人次", 120000000, "人次", kExact, kCount},
      {"全镇常住人口三万零五百人。", "三万零五百人", 30500, "人", kExact, kCount},
      {"争取上级资金三亿元。", "三亿元", 3, "亿元", kExact, kMoney},
  };
  for (const Expect& e : cases) CheckSingle(this, Run(e.sentence), e);
}

// ---------------------------------------------------------------------------
// Qualifiers and ranges
// ---------------------------------------------------------------------------

TEST_F(ExtractorTest, Qualifiers) {
  const std::vector<Expect> cases = {
      {"化解邻里矛盾120余件。", "120余件", 120, "件", kMore, kCount},
      {"印发宣传折页300多份。", "300多份", 300, "份", kMore, kCount},
      {"参加宪法宣誓的干部500人以上。", "500人以上", 500, "人", kMore, kCount},
      {"线上学法人数超过800人。", "超过800人", 800, "人", kMore, kCount},
      {"法治集市吸引群众逾1500人。", "逾1500人", 1500, "人", kMore, kCount},
      {"法治讲堂听众逾千人。", "逾千人", 1000, "人", kMore, kCount},
      {"宣传活动惠及上千人。", "上千人", 1000, "人", kMore, kCount},
      {"宪法宣传周覆盖近万人。", "近万人", 10000, "人", kLess, kCount},
      {"全年接待咨询约260人次。", "约260人次", 260, "人次", kAbout, kCount},
      {"开展巡回宣讲15场左右。", "15场左右", 15, "场", kAbout, kCount},
      {"排查矛盾隐患近90条。", "近90条", 90, "条", kLess, kCount},
      {"覆盖率不到60%。", "不到60%", 60, "%", kLess, kPercent},
      {"每场活动人数不超过50人。", "不超过50人", 50, "人", kLess, kCount},
      {"通过集中采购节约资金12万元。", "12万元", 12, "万元", kExact, kMoney},
      {"每个村配备法律明白人至少5名。", "至少5名", 5, "名", kAtLeast, kCount},
      {"全年审核行政合同达42份。", "42份", 42, "份", kExact, kCount},
      {"全年共开展法治体检17家。", "17家", 17, "家", kExact, kCount},
      {"今年累计培训网格员64人。", "64人", 64, "人", kExact, kCount},
      {"各村参学率均为100%。", "100%", 100, "%", kExact, kPercent},
      {"每季度召开联席会议3至5场。", "3至5场", 3, "场", kExact, kCount, 5},
      {"组织旁听庭审3-5次。", "3-5次", 3, "次", kExact, kCount, 5},
      {"各村配备调解员三至五名。", "三至五名", 3, "名", kExact, kCount, 5},
      {"目标完成率为90%-95%。", "90%-95%", 90, "%", kExact, kPercent, 95},
      {"每场活动吸引群众三至五万人。", "三至五万人", 30000, "人", kExact, kCount, 50000},
      {"每村投入资金三至五万元。", "三至五万元", 3, "万元", kExact, kMoney, 5},
      {"每村投入资金3至5万元。", "3至5万元", 3, "万元", kExact, kMoney, 5},
      {"线上覆盖3-5万人。", "3-5万人", 30000, "人", kExact, kCount, 50000},
  };
  for (const Expect& e : cases) CheckSingle(this, Run(e.sentence), e);
}

// ---------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------

TEST_F(ExtractorTest, CountingMeasureWords) {
  const std::vector<std::string> units = {"件", "次", "场", "场次", "人", "名", "个", "份", "册", "人次", "件次",
                                          "起", "家", "户", "项", "期", "条", "篇", "部", "所", "村", "位", "批"};
  for (const std::string& unit : units) {
    const std::string sentence = "全年统计在册数量为7" + unit + "。";
    CheckSingle(this, Run(sentence), {sentence, "7" + unit, 7, unit, kExact, kCount});
  }
}

TEST_F(ExtractorTest, OneWithAMeasureWordAtTheClauseEndIsACount) {
  for (const std::string& sentence : {std::string("聘请法律顾问一名。"), std::string("新建调解室一个，配备调解员两名。"),
                                      std::string("全年聘请法律顾问一名，审查合同5件。"),
                                      std::string("聘请法律顾问一名.组织学习《行政处罚法》.")}) {
    const auto out = Run(sentence);
    SCOPED_TRACE(sentence);
    ASSERT_GE(out.metrics_size(), 1);
    EXPECT_EQ(out.metrics(0).value(), 1);
    EXPECT_EQ(out.metrics(0).kind(), kCount);
  }
  // ... but not as an article before a noun phrase.
  EXPECT_EQ(Run("建立一名调解员负责制度。").metrics_size(), 0);
}

TEST_F(ExtractorTest, PercentMoneyAndOtherUnits) {
  const std::vector<Expect> cases = {
      {"案卷评查优良率为93%。", "93%", 93, "%", kExact, kPercent},
      {"案卷评查优良率为93％。", "93％", 93, "%", kExact, kPercent},
      {"落实普法经费8000元。", "8000元", 8000, "元", kExact, kMoney},
      {"落实普法经费3.5万元。", "3.5万元", 3.5, "万元", kExact, kMoney},
      {"落实普法经费五万元。", "五万元", 5, "万元", kExact, kMoney},
      {"争取项目资金1.2亿元。", "1.2亿元", 1.2, "亿元", kExact, kMoney},
      {"追回拖欠工资20余万元。", "20余万元", 20, "万元", kMore, kMoney},
      {"集中整治行动持续45天。", "45天", 45, "天", kExact, kOther},
      {"平均办理时限压缩至3个工作日。", "3个工作日", 3, "个工作日", kExact, kOther},
      {"清理违规占道经营面积800平方米。", "800平方米", 800, "平方米", kExact, kOther},
      // An unknown measure word at a clause end is kept, as written, kind other.
      {"获评法治示范奖牌3枚。", "3枚", 3, "枚", kExact, kOther},
  };
  for (const Expect& e : cases) CheckSingle(this, Run(e.sentence), e);
}

TEST_F(ExtractorTest, MeasureWordPlusCiIsAFrequencyUnit) {
  const std::string s = "出动执法车辆40余台次。";
  CheckSingle(this, Run(s), {s, "40余台次", 40, "台次", kMore, kCount});
}

TEST_F(ExtractorTest, BareNumberStatedAsAValue) {
  // No unit written: a rate stated this way is a percentage, anything else is `other`.
  std::string s = "行政诉讼案件败诉率为0。";
  CheckSingle(this, Run(s), {s, "0", 0, "%", kExact, kPercent});
  s = "本年度新增网格数为12。";
  CheckSingle(this, Run(s), {s, "12", 12, "", kExact, kOther});
  // Without a predicate a bare number is not a claim (codes, markers, numbers in names).
  EXPECT_EQ(Run("咨询电话12348，").metrics_size(), 0);
  EXPECT_EQ(Run("联系电话为13800000000。").metrics_size(), 0);
  EXPECT_EQ(Run("邮政编码是404000。").metrics_size(), 0);
}

TEST_F(ExtractorTest, SecondMeasureOfTheSameSubject) {
  const auto out = Run("上半年共接待群众来访46批112人次。");
  ASSERT_EQ(out.metrics_size(), 2);
  EXPECT_EQ(out.metrics(0).unit(), "批");
  EXPECT_EQ(out.metrics(1).unit(), "人次");
  EXPECT_EQ(out.metrics(1).subject(), out.metrics(0).subject());
  EXPECT_EQ(out.metrics(0).metric_id(), "petitions.received");
  EXPECT_EQ(out.metrics(1).metric_id(), "petitions.visitors");  // people, not cases
}

TEST_F(ExtractorTest, ArabicNumberFollowedByNounWithoutMeasureWordIsAName) {
  EXPECT_EQ(Run("群众可拨打12345热线反映诉求。").metrics_size(), 0);
  const auto out = Run("全年转办12345热线工单31件。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).text(), "31件");
  EXPECT_EQ(out.metrics(0).subject(), "转办12345热线工单");
}

// ---------------------------------------------------------------------------
// Exclusions
// ---------------------------------------------------------------------------

TEST_F(ExtractorTest, ExcludesYearsDatesAndDocumentNumbers) {
  for (const std::string s : {
           "2022年，我镇坚持依法行政。",
           "2022年度法治建设考核结果为优秀。",
           "制定2021—2025年普法规划。",
           "会议于2023年3月15日召开。",
           "二〇二二年以来，我乡持续推进普法。",
           "根据《关于推进基层法治建设的通知》（某府办发〔2022〕12号）要求推进工作。",
           "近三年来，执法队伍持续壮大。",
       }) {
    EXPECT_EQ(Run(s).metrics_size(), 0) << s;
  }
}

TEST_F(ExtractorTest, ExcludesListMarkersAndOrdinals) {
  for (const std::string s : {
           "一是压实责任。二要强化督导。",
           "第一，健全制度。第三次会议审议通过。",
           "1.完善工作台账；2.加强督查考核。",
           "（1）落实学法制度。",
           "首先是抓学习，其次是抓落实。",
           "每人每年学法不少于规定课时。",
       }) {
    EXPECT_EQ(Run(s).metrics_size(), 0) << s;
  }
}

TEST_F(ExtractorTest, ExcludesNamesAndSlogans) {
  for (const std::string s : {
           "深入开展“七五”普法总结验收。",
           "扎实推进“八五”普法规划实施。",
           "严格落实三项制度。",
           "牢固树立四个意识，做到两个维护。",
           "统筹推进五位一体总体布局。",
           "全面推行一村一法律顾问制度。",
           "坚持“三会一课”制度。",
           "着力打通服务群众最后一公里。",
           "努力让办事群众只跑一次路。",
           "利用“3·15”消费者权益日开展宣传。",
           "落实“一岗双责”要求。",
           "借助5G网络开展线上普法。",
           "认真学习党的二十大精神。",
           "深入学习贯彻二十届三中全会精神。",
           "严格执行“三重一大”决策制度。",
           "推行“一门式”受理和“一站式”服务。",
           "全面落实“双随机、一公开”监管。",
           "实现群众办事“最多跑一次”。",
           "深化“一网通办”，打造“15分钟政务服务圈”。",
           "全面推行执法公示制度、全过程记录制度、法制审核制度三项制度。",
           "推进十四五规划落地。",
           "做到一次告知、一表申请、一窗受理。",
       }) {
    EXPECT_EQ(Run(s).metrics_size(), 0) << s;
  }
}

TEST_F(ExtractorTest, ExcludesNumeralsInsideOrdinaryWords) {
  for (const std::string s : {
           "进一步规范行政执法行为。",
           "实行统一受理、统一办理。",
           "违规事项一律严肃追责。",
           "推动法治乡村一体推进。",
           "这是一项长期的系统工程。",
           "营造一个公平的营商环境。",
           "执法权限逐步下沉到乡一级。",
           "一次性告知办事群众所需材料。",
           "干部群众一起参与普法。",
           "全年未发生一起群体性事件。",
           "一方面加强学习，另一方面注重实践。",
           "一级抓一级，层层抓落实。",
           "组织开展一系列普法活动。",
           "确保每一项决策都合法合规。",
           "百姓的事无小事，千方百计化解矛盾。",
           "万众一心，十分重视法治建设。",
           "依照《行政处罚法》第三十二条规定处理。",
           "要求各村于3月底前完成自查。",
           "会议时间为9:30。",
           "镇村两级干部全部参加培训。",
           "坚持一月一调度、一季一通报。",
           "法律顾问坚持一月一次到村坐班。",
           "建立一户一策帮扶台账。",
           "认真落实“四议两公开”工作法。",
           "六是强化保障。七要严格考核。",
           "一季度以来，未受理行政复议。",
       }) {
    EXPECT_EQ(Run(s).metrics_size(), 0) << s;
  }
}

TEST_F(ExtractorTest, KeepsCountsNextToExcludedNumerals) {
  // A post-nominal 一 is a count; the slogan in the same sentence is not.
  const auto out = Run("按照“一村一法律顾问”要求，全镇聘请法律顾问一名。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).text(), "一名");
  EXPECT_DOUBLE_EQ(out.metrics(0).value(), 1);
  EXPECT_EQ(out.metrics(0).metric_id(), "legal_advisors.count");
  // A Chinese-numeral count before the noun, with a verb before it.
  const auto out2 = Run("组织开展三次法治讲座。");
  ASSERT_EQ(out2.metrics_size(), 1);
  EXPECT_EQ(out2.metrics(0).text(), "三次");
  // Concrete heads after a Chinese-numeral count are counted.
  const auto out4 = Run("完成两个建设项目。");
  ASSERT_EQ(out4.metrics_size(), 1);
  EXPECT_EQ(out4.metrics(0).text(), "两个");
  // A numeral further away is not a compound: 一线 … 三百人.
  const auto out3 = Run("深入一线群众三百人。");
  ASSERT_EQ(out3.metrics_size(), 1);
  EXPECT_EQ(out3.metrics(0).text(), "三百人");
}

// ---------------------------------------------------------------------------
// Shared values and subjects
// ---------------------------------------------------------------------------

TEST_F(ExtractorTest, SharedValueGivesOneMetricPerNamedRate) {
  auto out = Run("信访事项办结率、群众满意率均为100%。");
  ASSERT_EQ(out.metrics_size(), 2);
  EXPECT_EQ(out.metrics(0).subject(), "信访事项办结率");
  EXPECT_EQ(out.metrics(1).subject(), "群众满意率");
  EXPECT_EQ(out.metrics(0).metric_id(), "petitions.resolution_rate");
  EXPECT_EQ(out.metrics(1).metric_id(), "public_service.satisfaction_rate");
  for (const auto& m : out.metrics()) {
    EXPECT_DOUBLE_EQ(m.value(), 100);
    EXPECT_EQ(m.unit(), "%");
  }
  out = Run("法治考试参考率、合格率均达100%。");
  ASSERT_EQ(out.metrics_size(), 2);
  EXPECT_EQ(out.metrics(0).metric_id(), "exam.participation_rate");
  EXPECT_EQ(out.metrics(1).metric_id(), "exam.pass_rate");
  // The subject span of each names its own rate.
  const std::string text = "法治考试参考率、合格率均达100%。";
  const auto& s1 = out.metrics(1).subject_span();
  EXPECT_EQ(text.substr(s1.begin(), s1.end() - s1.begin()), "合格率");
}

TEST_F(ExtractorTest, SubjectComesFromTheClause) {
  const auto out = Run("今年以来，全镇共调处邻里纠纷25件，其中成功调处24件；为6个村配备法律顾问。");
  ASSERT_EQ(out.metrics_size(), 3);
  EXPECT_EQ(out.metrics(0).subject(), "调处邻里纠纷");
  EXPECT_EQ(out.metrics(0).metric_id(), "mediation.disputes_handled");
  EXPECT_EQ(out.metrics(1).subject(), "成功调处");
  EXPECT_EQ(out.metrics(1).metric_id(), "mediation.disputes_resolved");
  // Pre-nominal: the counted noun follows the measure word.
  EXPECT_EQ(out.metrics(2).subject(), "村配备法律顾问");
  // Time phrases, scope and an existential 有 are not part of the subject.
  const auto out2 = Run("截至目前，我镇有行政执法资格人员9人，有效处置突发事件3起。");
  ASSERT_EQ(out2.metrics_size(), 2);
  EXPECT_EQ(out2.metrics(0).subject(), "行政执法资格人员");
  EXPECT_EQ(out2.metrics(0).metric_id(), "enforcement.certified_officers");
  EXPECT_EQ(out2.metrics(1).subject(), "有效处置突发事件");
}

TEST_F(ExtractorTest, ShortSubjectsAreClassifiedInTheirSentence) {
  // The same bare 合格率 means different things after an exam and after a case-file review.
  auto out = Run("组织干部参加年度学法考试，参考率98%，合格率100%。");
  ASSERT_EQ(out.metrics_size(), 2);
  EXPECT_EQ(out.metrics(0).metric_id(), "exam.participation_rate");
  EXPECT_EQ(out.metrics(1).metric_id(), "exam.pass_rate");
  EXPECT_EQ(out.metrics(1).subject(), "合格率");
  out = Run("评查行政执法案卷12卷，合格率为92%。");
  ASSERT_EQ(out.metrics_size(), 2);
  EXPECT_EQ(out.metrics(1).metric_id(), "enforcement.case_file_pass_rate");
  // Without anything to say what it is the rate of, it stays unclassified.
  out = Run("合格率为92%。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).metric_id(), "unclassified");
}

TEST_F(ExtractorTest, PredicateMarkersAreNotCutFromWords) {
  const auto out = Run("全年查处违法行为14起，信访总量同比下降8.2个百分点。");
  ASSERT_EQ(out.metrics_size(), 2);
  EXPECT_EQ(out.metrics(0).subject(), "查处违法行为");
  EXPECT_EQ(out.metrics(1).unit(), "个百分点");
  EXPECT_EQ(out.metrics(1).kind(), kOther);
}

TEST_F(ExtractorTest, UnmatchedSubjectIsKeptAsUnclassified) {
  const auto out = Run("新建村级文化广场4个。");
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).metric_id(), "unclassified");
  EXPECT_EQ(out.metrics(0).subject(), "新建村级文化广场");
  EXPECT_TRUE(out.metrics(0).label_zh().empty());
}

// ---------------------------------------------------------------------------
// Provenance
// ---------------------------------------------------------------------------

TEST_F(ExtractorTest, ProvenanceSpansSentenceAndSectionPath) {
  auto doc = MakeDoc("标题\n开展普法宣传活动12场，发放资料约3000份。\n", 1);
  auto* top = doc.add_sections();
  top->set_id(0);
  top->set_parent(-1);
  top->set_heading("一、主要成效");
  auto* sub = doc.add_sections();
  sub->set_id(1);
  sub->set_parent(0);
  sub->set_heading("（一）普法宣传");
  doc.mutable_metadata()->set_township("某某乡");
  pb::ExtractionResult out;
  ASSERT_OK(extractor_->Extract(doc, &out));
  ASSERT_EQ(out.metrics_size(), 2);
  const std::string& text = doc.text();
  for (const auto& m : out.metrics()) {
    EXPECT_EQ(text.substr(m.span().begin(), m.span().end() - m.span().begin()), m.text());
    EXPECT_EQ(text.substr(m.sentence_span().begin(), m.sentence_span().end() - m.sentence_span().begin()),
              "开展普法宣传活动12场，发放资料约3000份。");
    // The headings are held once per document, not in every metric.
    EXPECT_EQ(m.section_path_size(), 0);
    EXPECT_EQ(m.section(), 1);
    EXPECT_EQ(results::SectionPath(out.sections(), m),
              (std::vector<std::string_view>{"一、主要成效", "（一）普法宣传"}));
  }
  EXPECT_EQ(out.metrics(1).text(), "约3000份");
  EXPECT_EQ(out.metrics(1).metric_id(), "legal_awareness.materials");
  EXPECT_EQ(out.metadata().township(), "某某乡");
  EXPECT_EQ(out.source(), "test.txt");
  EXPECT_EQ(out.processing_version(), extractor_->Version());
  EXPECT_EQ(out.sentences(), 3u);
  EXPECT_EQ(out.text_bytes(), text.size());
}

TEST_F(ExtractorTest, RejectsSentenceSpanOutsideText) {
  auto doc = MakeDoc("开展活动3次。");
  doc.mutable_sentences(0)->mutable_span()->set_end(10000);
  pb::ExtractionResult out;
  EXPECT_FALSE(extractor_->Extract(doc, &out).ok());
}

TEST_F(ExtractorTest, RejectsInvalidUtf8AndSpansInsideACharacter) {
  auto doc = MakeDoc("开展活动3次。");
  doc.mutable_text()->replace(0, 1, "\xff");
  pb::ExtractionResult out;
  Status st = extractor_->Extract(doc, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  auto doc2 = MakeDoc("开展活动3次。");
  doc2.mutable_sentences(0)->mutable_span()->set_begin(1);  // inside 开
  st = extractor_->Extract(doc2, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
}

TEST_F(ExtractorTest, LongDigitStringsAreCodesNotQuantities) {
  EXPECT_EQ(Run("身份证号码为5001011990010112345。").metrics_size(), 0);
  EXPECT_EQ(Run("编号1234567890123456789件。").metrics_size(), 0);
}

TEST_F(ExtractorTest, DocumentWithoutSentencesIsReadAsOne) {
  segment::v1::SegmentedDocument doc;
  doc.set_text("发放宣传资料300份。");
  pb::ExtractionResult out;
  ASSERT_OK(extractor_->Extract(doc, &out));
  ASSERT_EQ(out.metrics_size(), 1);
  EXPECT_EQ(out.metrics(0).section(), -1);
}

TEST_F(ExtractorTest, ExtractIsDeterministicAndClearsOutput) {
  pb::ExtractionResult a, b;
  ASSERT_OK(extractor_->Extract(MakeDoc("开展活动3次，覆盖群众200人。"), &a));
  b.add_metrics()->set_subject("stale");
  ASSERT_OK(extractor_->Extract(MakeDoc("开展活动3次，覆盖群众200人。"), &b));
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
}

// ---------------------------------------------------------------------------
// Consistency findings
// ---------------------------------------------------------------------------

const pb::Finding* FindCode(const pb::ExtractionResult& out, const std::string& code) {
  for (const auto& f : out.findings()) {
    if (f.code() == code) return &f;
  }
  return nullptr;
}

TEST_F(ExtractorTest, VerifiesCountsAgainstRate) {
  const auto out = Run("全年共受理土地纠纷40件，成功调解38件，调解成功率95%。");
  ASSERT_EQ(out.metrics_size(), 3);
  const pb::Finding* f = FindCode(out, "rate_consistent");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity(), pb::SEVERITY_INFO);
  ASSERT_EQ(f->metric_indexes_size(), 3);
  EXPECT_EQ(f->metric_indexes(0), 0u);
  EXPECT_EQ(f->metric_indexes(2), 2u);
  EXPECT_EQ(FindCode(out, "rate_mismatch"), nullptr);
}

TEST_F(ExtractorTest, FlagsRateMismatch) {
  const auto out = Run("全年共受理土地纠纷40件，成功调解30件，调解成功率95%。");
  const pb::Finding* f = FindCode(out, "rate_mismatch");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity(), pb::SEVERITY_WARNING);
  EXPECT_EQ(FindCode(out, "rate_consistent"), nullptr);
}

TEST_F(ExtractorTest, FlagsSuccessesExceedingTotal) {
  const auto out = Run("受理劳资纠纷20件，成功化解25件。");
  const pb::Finding* f = FindCode(out, "success_exceeds_total");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity(), pb::SEVERITY_ERROR);
}

TEST_F(ExtractorTest, FlagsRateAbove100) {
  auto out = Run("群众满意率达105%。");
  ASSERT_NE(FindCode(out, "rate_above_100"), nullptr);
  // A growth rate may exceed 100%.
  out = Run("线上咨询量同比增长率为150%。");
  EXPECT_EQ(FindCode(out, "rate_above_100"), nullptr);
  out = Run("年度普法任务完成率达110%。");
  EXPECT_EQ(FindCode(out, "rate_above_100"), nullptr);
  out = Run("群众满意率达98%。");
  EXPECT_EQ(out.findings_size(), 0);
  // Growth elsewhere in the sentence does not excuse a satisfaction rate.
  out = Run("办件量同比增长20%，满意率达105%。");
  const pb::Finding* f = FindCode(out, "rate_above_100");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->metric_indexes_size(), 1);
  EXPECT_EQ(f->metric_indexes(0), 1u);
}

TEST_F(ExtractorTest, ConcurrentExtractionsGiveTheSameResult) {
  const auto doc = MakeDoc("全年调处纠纷30件，成功调处29件，调处成功率96.7%。发放资料一千余份。");
  pb::ExtractionResult expected;
  ASSERT_OK(extractor_->Extract(doc, &expected));
  std::vector<std::string> outputs(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < outputs.size(); ++t) {
    threads.emplace_back([&, t] {
      pb::ExtractionResult out;
      for (int k = 0; k < 50; ++k) {
        if (!extractor_->Extract(doc, &out).ok()) return;
      }
      outputs[t] = out.SerializeAsString();
    });
  }
  for (auto& th : threads) th.join();
  for (const std::string& o : outputs) EXPECT_EQ(o, expected.SerializeAsString());
}

TEST_F(ExtractorTest, RandomCompositionsKeepSpansAndUtf8Consistent) {
  // Deterministic pseudo-random sentences built from numerals, qualifiers,
  // units and punctuation: every metric's span must hold its text, lie inside
  // its sentence, and the result must serialize (valid UTF-8 strings).
  const char* pieces[] = {"一", "二", "两", "三", "十", "百", "千", "万", "亿", "零", "〇", "余", "多",
                          "以上", "左右", "约", "近", "至", "-", "%", "％", "百分之", "件", "次", "人",
                          "个", "元", "万元", "年", "月", "“", "”", "，", "。", "、", "1", "2", "0",
                          "9", ".", ",", "：", "第", "每", "为", "率", "达", "共", "成功", "纠纷",
                          "（", "）", "a", "\n", " ", "的", "起", "项", "化解率", "受理"};
  std::mt19937 rng(20240228);
  int metrics = 0;
  for (int it = 0; it < 3000; ++it) {
    std::string text;
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) text += pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
    pb::ExtractionResult out;
    ASSERT_OK(extractor_->Extract(MakeDoc(text), &out));
    for (const auto& m : out.metrics()) {
      ASSERT_LE(m.span().end(), text.size()) << text;
      EXPECT_EQ(text.substr(m.span().begin(), m.span().end() - m.span().begin()), m.text()) << text;
      EXPECT_LE(m.sentence_span().begin(), m.span().begin()) << text;
      EXPECT_GE(m.sentence_span().end(), m.span().end()) << text;
      if (m.has_value_max()) {
        EXPECT_GT(m.value_max(), m.value()) << text;
      }
    }
    std::string bytes;
    ASSERT_TRUE(out.SerializeToString(&bytes)) << text;
    metrics += out.metrics_size();
  }
  EXPECT_GT(metrics, 500);  // the generator does produce claims
}

// ---------------------------------------------------------------------------
// Version
// ---------------------------------------------------------------------------

TEST_F(ExtractorTest, VersionCombinesLogicAndTaxonomy) {
  ASSERT_OK_AND_ASSIGN(auto other_tax, Taxonomy::Parse(R"(schema: 1
metrics:
  - id: a.b
    label_zh: 甲
    label_en: A
    match: [[甲]]
)"));
  ASSERT_OK_AND_ASSIGN(auto other, Extractor::Create(other_tax));
  EXPECT_NE(other->Version(), extractor_->Version());
  EXPECT_NE(other->Version().find(other_tax->version()), std::string::npos);
  EXPECT_FALSE(Extractor::Create(nullptr).ok());
}

// Near-duplicate detection off (audit.near_duplicates: false): no fingerprint
// is computed, and the version says so, so turning detection on again
// re-extracts the documents stored without one.
TEST_F(ExtractorTest, WithoutFingerprintsNoneIsComputedAndTheVersionSaysSo) {
  ASSERT_OK_AND_ASSIGN(auto taxonomy, Taxonomy::Default());
  ASSERT_OK_AND_ASSIGN(auto plain, Extractor::Create(taxonomy, /*fingerprints=*/false));
  EXPECT_NE(plain->Version(), extractor_->Version());
  EXPECT_NE(plain->Version().find("+fingerprint-off"), std::string::npos);
  const std::string text = "全年调解矛盾纠纷120件，调解成功率达98%。";
  pb::ExtractionResult with = Run(text), without;
  ASSERT_OK(plain->Extract(MakeDoc(text, -1), &without));
  EXPECT_GT(with.fingerprint().version(), 0u);
  EXPECT_GT(with.fingerprint().masked_size(), 0);
  EXPECT_FALSE(without.has_fingerprint());
  EXPECT_EQ(without.metrics_size(), with.metrics_size());  // extraction itself is unchanged
}

}  // namespace
}  // namespace reportflow::extract

namespace reportflow::extract {
namespace {

// Traditional characters are read as their simplified forms for matching;
// text, unit and subject are reported as written.
TEST_F(ExtractorTest, TraditionalCharactersAreReadLikeSimplified) {
  const pb::ExtractionResult out = Run("全年排查安全隱患十餘處，投入經費12.5萬元，受教育群眾約800人次。");
  ASSERT_EQ(out.metrics_size(), 3);
  EXPECT_EQ(out.metrics(0).text(), "十餘處");
  EXPECT_DOUBLE_EQ(out.metrics(0).value(), 10);
  EXPECT_EQ(out.metrics(0).unit(), "處");
  EXPECT_EQ(out.metrics(0).approx(), cpb::APPROX_MORE_THAN);
  EXPECT_DOUBLE_EQ(out.metrics(1).value(), 12.5);
  EXPECT_EQ(out.metrics(1).kind(), kMoney);
  EXPECT_DOUBLE_EQ(out.metrics(2).value(), 800);
  EXPECT_EQ(out.metrics(2).approx(), cpb::APPROX_ABOUT);
  // The same report in simplified characters gives the same numbers.
  const pb::ExtractionResult simplified = Run("全年排查安全隐患十余处，投入经费12.5万元，受教育群众约800人次。");
  ASSERT_EQ(simplified.metrics_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(simplified.metrics(i).value(), out.metrics(i).value());
    EXPECT_EQ(simplified.metrics(i).metric_id(), out.metrics(i).metric_id());
    EXPECT_EQ(simplified.metrics(i).span().begin(), out.metrics(i).span().begin());
  }
}

}  // namespace
}  // namespace reportflow::extract
