// Segmenter behaviour on report variants. Every test text here was written
// for these tests (none is copied from the samples).
#include "services/segment/segmenter.h"

#include <cstdio>
#include <string>
#include <vector>

#include "common/text/encoding.h"
#include "tests/testing/test_util.h"

namespace reportflow::segment {
namespace {

namespace pb = ::reportflow::segment::v1;
using Strings = std::vector<std::string>;

// A complete report: title, addressee, preamble, five top-level sections,
// sub-headings, inline list items, signature, date and copy-to line.
constexpr std::string_view kReport =
    "青山镇2022年法治政府建设工作报告\n"
    "\n"
    "区委、区政府：\n"
    "2022年，青山镇在区委、区政府的坚强领导下，深入推进法治政府建设。现将有关情况报告如下：\n"
    "一、主要举措和成效\n"
    "（一）强化组织领导。一是成立法治政府建设领导小组，召开专题会议4次。二是制定年度工作要点。\n"
    "（二）推进严格规范公正文明执法。全年办理行政处罚案件12件，严格执行行政处罚法、行政强制法，确保程序合法。\n"
    "二、创新做法\n"
    "（一）推行“板凳会”调解机制，化解矛盾纠纷36件。\n"
    "三、存在的问题\n"
    "一是执法力量不足。二是普法形式单一。\n"
    "四、2023年工作打算\n"
    "一是加强队伍建设。二要深化普法宣传。\n"
    "五、主要负责人履行推进法治建设第一责任人职责情况\n"
    "镇党委书记带头讲法治课2次。\n"
    "青山镇人民政府\n"
    "2023年1月16日\n"
    "抄送：区委依法治区办。\n";

class SegmenterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(segmenter_, Segmenter::Create()); }

  pb::SegmentedDocument Segment(std::string_view text) {
    pb::SegmentedDocument doc;
    Status s = segmenter_->Segment(text, &doc);
    EXPECT_TRUE(s.ok()) << s;
    CheckInvariants(doc);
    return doc;
  }

  static std::string Text(const pb::SegmentedDocument& doc, const common::v1::Span& span) {
    return doc.text().substr(span.begin(), span.end() - span.begin());
  }

  static Strings TopLevel(const pb::SegmentedDocument& doc) {
    Strings out;
    for (const pb::Section& s : doc.sections()) {
      if (s.parent() == -1) out.push_back(s.heading());
    }
    return out;
  }

  static Strings Blocks(const pb::SegmentedDocument& doc, pb::BlockKind kind) {
    Strings out;
    for (const pb::Block& b : doc.blocks()) {
      if (b.kind() == kind) out.push_back(Text(doc, b.span()));
    }
    return out;
  }

  static Strings Sentences(const pb::SegmentedDocument& doc) {
    Strings out;
    for (const pb::Sentence& s : doc.sentences()) out.push_back(Text(doc, s.span()));
    return out;
  }

  static std::vector<pb::SectionKind> TopLevelKinds(const pb::SegmentedDocument& doc) {
    std::vector<pb::SectionKind> out;
    for (const pb::Section& s : doc.sections()) {
      if (s.parent() == -1) out.push_back(s.kind());
    }
    return out;
  }

  // Structural contract of every SegmentedDocument.
  static void CheckInvariants(const pb::SegmentedDocument& doc) {
    const uint32_t n = static_cast<uint32_t>(doc.text().size());
    EXPECT_EQ(doc.processing_version(), Segmenter::Version());
    uint32_t prev_end = 0;
    for (const pb::Block& b : doc.blocks()) {
      EXPECT_LT(b.span().begin(), b.span().end());
      EXPECT_LE(b.span().end(), n);
      EXPECT_GE(b.span().begin(), prev_end) << "blocks overlap or are out of order";
      prev_end = b.span().end();
      EXPECT_GE(b.section(), -1);
      EXPECT_LT(b.section(), doc.sections_size());
    }
    for (int i = 0; i < doc.sections_size(); ++i) {
      const pb::Section& s = doc.sections(i);
      EXPECT_EQ(s.id(), static_cast<uint32_t>(i));
      EXPECT_LT(s.parent(), i);
      EXPECT_EQ(Text(doc, s.heading_span()), s.heading());
      EXPECT_EQ(s.heading().rfind(s.marker(), 0), 0u) << "heading starts with its marker";
      EXPECT_LE(s.span().begin(), s.heading_span().begin());
      EXPECT_GE(s.span().end(), s.heading_span().end());
      EXPECT_LE(s.span().end(), n);
      if (s.parent() >= 0) {
        EXPECT_EQ(s.level(), doc.sections(s.parent()).level() + 1);
        EXPECT_LE(s.span().end(), doc.sections(s.parent()).span().end());
      } else {
        EXPECT_EQ(s.level(), 1u);
      }
      EXPECT_NE(s.kind(), pb::SECTION_KIND_UNSPECIFIED);
    }
    uint32_t prev = 0;
    for (const pb::Sentence& s : doc.sentences()) {
      EXPECT_LT(s.span().begin(), s.span().end());
      EXPECT_LE(s.span().end(), n);
      EXPECT_GE(s.span().begin(), prev);
      prev = s.span().end();
      const std::string t = Text(doc, s.span());
      EXPECT_NE(t.front(), ' ');
      EXPECT_NE(t.back(), '\n');
    }
  }

  std::unique_ptr<Segmenter> segmenter_;
};

TEST_F(SegmenterTest, FullReportStructure) {
  const pb::SegmentedDocument doc = Segment(kReport);
  EXPECT_EQ(doc.text(), kReport);
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_TITLE), Strings{"青山镇2022年法治政府建设工作报告"});
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_ADDRESSEE), Strings{"区委、区政府："});
  EXPECT_EQ(TopLevel(doc), (Strings{"一、主要举措和成效", "二、创新做法", "三、存在的问题",
                                    "四、2023年工作打算",
                                    "五、主要负责人履行推进法治建设第一责任人职责情况"}));
  EXPECT_EQ(TopLevelKinds(doc),
            (std::vector<pb::SectionKind>{pb::SECTION_KIND_MEASURES, pb::SECTION_KIND_INNOVATIONS,
                                          pb::SECTION_KIND_PROBLEMS, pb::SECTION_KIND_PLANS,
                                          pb::SECTION_KIND_LEADERS_DUTIES}));
  // Sub-headings end at their first full stop; the rest of the line is body.
  ASSERT_GE(doc.sections_size(), 3);
  EXPECT_EQ(doc.sections(1).heading(), "（一）强化组织领导。");
  EXPECT_EQ(doc.sections(1).marker(), "（一）");
  EXPECT_EQ(doc.sections(1).parent(), 0);
  EXPECT_EQ(doc.sections(1).level(), 2u);
  EXPECT_EQ(doc.sections(2).heading(), "（二）推进严格规范公正文明执法。");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_LIST_ITEM),
            (Strings{"一是成立法治政府建设领导小组，召开专题会议4次。", "二是制定年度工作要点。",
                     "一是执法力量不足。", "二是普法形式单一。", "一是加强队伍建设。",
                     "二要深化普法宣传。"}));
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_SIGNATURE), Strings{"青山镇人民政府"});
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_DATE), Strings{"2023年1月16日"});
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_COPY_TO), Strings{"抄送：区委依法治区办。"});

  const auto& meta = doc.metadata();
  EXPECT_EQ(meta.title(), "青山镇2022年法治政府建设工作报告");
  EXPECT_EQ(meta.township(), "青山镇");
  EXPECT_EQ(meta.unit_type(), "镇");
  EXPECT_EQ(meta.county(), "") << "区委 alone does not name the district";
  EXPECT_EQ(meta.province(), "");
  EXPECT_EQ(meta.city(), "");
  ASSERT_TRUE(meta.has_year());
  EXPECT_EQ(meta.year(), 2022);
  EXPECT_EQ(meta.report_date(), "2023-01-16");
  EXPECT_EQ(Strings(meta.cited_laws().begin(), meta.cited_laws().end()),
            (Strings{"行政处罚法", "行政强制法"}));
}

TEST_F(SegmenterTest, SentencesBelongToTheirInnermostSection) {
  const pb::SegmentedDocument doc = Segment(kReport);
  const Strings sentences = Sentences(doc);
  EXPECT_NE(std::find(sentences.begin(), sentences.end(), "一是成立法治政府建设领导小组，召开专题会议4次。"),
            sentences.end())
      << "no sentence break at a comma";
  EXPECT_EQ(std::find(sentences.begin(), sentences.end(), "召开专题会议4次。"), sentences.end());
  bool found = false;
  for (const pb::Sentence& s : doc.sentences()) {
    if (Text(doc, s.span()) == "全年办理行政处罚案件12件，严格执行行政处罚法、行政强制法，确保程序合法。") {
      found = true;
      EXPECT_EQ(s.section(), 2);
    }
    // Nothing from the title, addressee, signature, date or copy-to line.
    EXPECT_EQ(Text(doc, s.span()).find("抄送"), std::string::npos);
    EXPECT_EQ(Text(doc, s.span()).find("2023年1月16日"), std::string::npos);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(doc.sentences(0).section(), -1) << "the preamble has no section";
}

TEST_F(SegmenterTest, NoTitleLine) {
  const pb::SegmentedDocument doc = Segment(
      "2023年，白沙镇在县委、县政府的领导下，全面推进依法行政。白沙镇党委高度重视法治建设。\n"
      "一、工作开展情况\n"
      "全年开展普法活动20场。\n"
      "二、存在问题\n"
      "执法人员不足。\n");
  EXPECT_EQ(doc.metadata().title(), "");
  EXPECT_TRUE(Blocks(doc, pb::BLOCK_KIND_TITLE).empty());
  ASSERT_GT(doc.blocks_size(), 0);
  EXPECT_EQ(doc.blocks(0).kind(), pb::BLOCK_KIND_PARAGRAPH);
  EXPECT_EQ(doc.metadata().township(), "白沙镇");
  EXPECT_EQ(doc.metadata().unit_type(), "镇");
  EXPECT_EQ(doc.metadata().year(), 2023);
  EXPECT_EQ(TopLevel(doc), (Strings{"一、工作开展情况", "二、存在问题"}));
}

TEST_F(SegmenterTest, AsciiPunctuation) {
  const pb::SegmentedDocument doc = Segment(
      "白沙镇2021年法治政府建设工作报告\n"
      "2021年,白沙镇在县委,县政府的领导下,扎实推进法治政府建设.现将有关情况报告如下:\n"
      "一.主要工作和成效\n"
      "(一)加强组织领导.一是成立领导小组,召开专题会议3次.二是制定工作方案.\n"
      "(二)推进依法行政.全年办理行政执法案件12件,办结率96.5%.\n"
      "二.存在的问题\n"
      "执法力量不足.\n"
      "三.下一步工作计划\n"
      "加强培训,提高能力.\n");
  EXPECT_EQ(TopLevel(doc), (Strings{"一.主要工作和成效", "二.存在的问题", "三.下一步工作计划"}));
  EXPECT_EQ(TopLevelKinds(doc),
            (std::vector<pb::SectionKind>{pb::SECTION_KIND_MEASURES, pb::SECTION_KIND_PROBLEMS,
                                          pb::SECTION_KIND_PLANS}));
  ASSERT_EQ(doc.sections_size(), 5);
  EXPECT_EQ(doc.sections(1).heading(), "(一)加强组织领导.");
  EXPECT_EQ(doc.sections(1).level(), 2u);
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_LIST_ITEM),
            (Strings{"一是成立领导小组,召开专题会议3次.", "二是制定工作方案."}));
  const Strings sentences = Sentences(doc);
  EXPECT_NE(std::find(sentences.begin(), sentences.end(), "全年办理行政执法案件12件,办结率96.5%."),
            sentences.end())
      << "a decimal point does not end a sentence";
  EXPECT_NE(std::find(sentences.begin(), sentences.end(), "一.主要工作和成效"), sentences.end());
  EXPECT_EQ(doc.metadata().township(), "白沙镇");
  EXPECT_EQ(doc.metadata().year(), 2021);
}

TEST_F(SegmenterTest, WholeReportOnOneLine) {
  const std::string text =
      "青山镇2024年法治政府建设工作报告区委、区政府：2024年，青山镇在区委、区政府的领导下，"
      "深入推进法治政府建设，现将有关情况报告如下：一、主要举措和成效（一）强化组织领导。"
      "一是成立领导小组，召开专题会议3次。二是制定年度工作要点。（二）推进严格执法。"
      "全年查处违法案件15件。二、存在的问题执法力量薄弱，专业人员不足。三、2025年工作打算"
      "一是加强队伍建设。二是深化普法宣传。重庆市渝北区青山镇人民政府2025年1月20日"
      "抄送：区委依法治区办。";
  const pb::SegmentedDocument doc = Segment(text);
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_TITLE), Strings{"青山镇2024年法治政府建设工作报告"});
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_ADDRESSEE), Strings{"区委、区政府："});
  const Strings top = TopLevel(doc);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0], "一、主要举措和成效");
  // Without a line break, full stop or nested marker, the heading ends after
  // its head noun (问题) before the first comma.
  EXPECT_EQ(top[1], "二、存在的问题");
  EXPECT_EQ(top[2], "三、2025年工作打算");
  EXPECT_EQ(TopLevelKinds(doc),
            (std::vector<pb::SectionKind>{pb::SECTION_KIND_MEASURES, pb::SECTION_KIND_PROBLEMS,
                                          pb::SECTION_KIND_PLANS}));
  ASSERT_EQ(doc.sections_size(), 5);
  EXPECT_EQ(doc.sections(1).heading(), "（一）强化组织领导。");
  EXPECT_EQ(doc.sections(2).heading(), "（二）推进严格执法。");
  EXPECT_EQ(doc.sections(2).parent(), 0);
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_LIST_ITEM),
            (Strings{"一是成立领导小组，召开专题会议3次。", "二是制定年度工作要点。", "一是加强队伍建设。",
                     "二是深化普法宣传。"}));
  const Strings paragraphs = Blocks(doc, pb::BLOCK_KIND_PARAGRAPH);
  EXPECT_NE(std::find(paragraphs.begin(), paragraphs.end(), "执法力量薄弱，专业人员不足。"), paragraphs.end());
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_SIGNATURE), Strings{"重庆市渝北区青山镇人民政府"});
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_DATE), Strings{"2025年1月20日"});
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_COPY_TO), Strings{"抄送：区委依法治区办。"});

  const auto& meta = doc.metadata();
  EXPECT_EQ(meta.township(), "青山镇");
  EXPECT_EQ(meta.county(), "渝北区");
  EXPECT_EQ(meta.province(), "重庆市");
  EXPECT_EQ(meta.city(), "重庆市") << "a municipality is its own city";
  EXPECT_EQ(meta.year(), 2024);
  EXPECT_EQ(meta.report_date(), "2025-01-20");
}

TEST_F(SegmenterTest, OneLineReportStartingWithAHeading) {
  const pb::SegmentedDocument doc = Segment(
      "一、2022年工作开展情况（一）完善制度建设。制定了《白沙镇行政执法公示办法》。（二）加强队伍建设。"
      "二、存在的问题一是人员少。二是经费不足。三.2023年工作计划(一)加强培训.");
  EXPECT_EQ(TopLevel(doc), (Strings{"一、2022年工作开展情况", "二、存在的问题", "三.2023年工作计划"}));
  ASSERT_EQ(doc.sections_size(), 6);
  EXPECT_EQ(doc.sections(2).heading(), "（二）加强队伍建设。");
  EXPECT_EQ(doc.sections(5).heading(), "(一)加强培训.");
  EXPECT_EQ(doc.sections(5).parent(), 4);
  // An opening bracket after a full stop starts the next sentence.
  const Strings sentences = Sentences(doc);
  EXPECT_NE(std::find(sentences.begin(), sentences.end(), "制定了《白沙镇行政执法公示办法》。"), sentences.end());
  EXPECT_EQ(doc.metadata().year(), 2022);
}

TEST_F(SegmenterTest, AttachmentLabelIsNotPartOfTheTitle) {
  const pb::SegmentedDocument doc =
      Segment("附件2\n白沙镇2023年法治政府建设工作报告\n一、主要工作\n开展培训。\n");
  EXPECT_EQ(doc.metadata().title(), "白沙镇2023年法治政府建设工作报告");
  EXPECT_EQ(doc.metadata().township(), "白沙镇");
}

TEST_F(SegmenterTest, SubdistrictOffice) {
  const pb::SegmentedDocument doc = Segment(
      "中共北京市朝阳区望京街道工作委员会\n"
      "北京市朝阳区望京街道办事处\n"
      "关于2023年法治政府建设情况的报告\n"
      "\n"
      "区委、区政府：\n"
      "\u3000\u30002023年，望京街道坚持以习近平法治思想为指导，在主要街道开展普法宣传活动12场。\n"
      "一、主要举措和成效\n"
      "全年化解矛盾纠纷60件。\n"
      "北京市朝阳区望京街道办事处\n"
      "2024年1月10日\n");
  const auto& meta = doc.metadata();
  EXPECT_EQ(meta.township(), "望京街道");
  EXPECT_EQ(meta.unit_type(), "街道");
  EXPECT_EQ(meta.county(), "朝阳区");
  EXPECT_EQ(meta.province(), "北京市");
  EXPECT_EQ(meta.city(), "北京市");
  EXPECT_EQ(meta.place().status(), common::v1::PLACE_STATUS_RESOLVED);
  EXPECT_EQ(meta.township_code(), "110105026000");
  EXPECT_EQ(meta.title(), "关于2023年法治政府建设情况的报告");
  EXPECT_EQ(meta.year(), 2023);
  EXPECT_EQ(meta.report_date(), "2024-01-10");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_ISSUER),
            (Strings{"中共北京市朝阳区望京街道工作委员会", "北京市朝阳区望京街道办事处"}));
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_SIGNATURE), Strings{"北京市朝阳区望京街道办事处"});
}

TEST_F(SegmenterTest, EthnicTownshipAndProvinceChain) {
  const pb::SegmentedDocument doc = Segment(
      "广西壮族自治区桂林市恭城瑶族自治县西岭瑶族乡2020年法治政府建设工作报告\n"
      "2020年，西岭瑶族乡扎实推进法治政府建设。\n"
      "一、主要工作\n"
      "开展普法活动。\n");
  const auto& meta = doc.metadata();
  EXPECT_EQ(meta.township(), "西岭瑶族乡");
  EXPECT_EQ(meta.unit_type(), "民族乡");
  EXPECT_EQ(meta.county(), "恭城瑶族自治县");
  EXPECT_EQ(meta.city(), "桂林市");
  EXPECT_EQ(meta.province(), "广西壮族自治区");
  EXPECT_EQ(meta.year(), 2020);
}

TEST_F(SegmenterTest, Gb18030InputDecodesToTheSameResult) {
  ASSERT_OK_AND_ASSIGN(std::string gb, text::ConvertFromUtf8(kReport, "GB18030"));
  ASSERT_NE(gb, kReport);
  ASSERT_OK_AND_ASSIGN(text::DecodedText decoded, text::DecodeToUtf8(gb));
  EXPECT_EQ(decoded.encoding, "GB18030");
  ASSERT_EQ(decoded.utf8, kReport);
  const pb::SegmentedDocument from_gb = Segment(decoded.utf8);
  const pb::SegmentedDocument from_utf8 = Segment(kReport);
  EXPECT_EQ(from_gb.SerializeAsString(), from_utf8.SerializeAsString());
  EXPECT_EQ(from_gb.metadata().township(), "青山镇");
}

TEST_F(SegmenterTest, TraditionalCharacters) {
  const pb::SegmentedDocument doc = Segment(
      "花溪鄉2023年度法治政府建設工作報告\n"
      "2023年，花溪鄉堅持以習近平法治思想為指導，認真貫徹《中華人民共和國行政處罰法》。\n"
      "一、主要舉措和成效\n"
      "（一）加強組織領導。一是成立領導小組。二是召開專題會議3次。\n"
      "二、存在的問題\n"
      "執法力量薄弱。\n"
      "三、下一步工作計劃\n"
      "加強隊伍建設。\n");
  const auto& meta = doc.metadata();
  EXPECT_EQ(meta.township(), "花溪乡") << "names are simplified";
  EXPECT_EQ(meta.place().township_written(), "花溪鄉") << "and kept as written";
  EXPECT_EQ(meta.unit_type(), "乡");
  EXPECT_EQ(meta.title(), "花溪鄉2023年度法治政府建設工作報告");
  EXPECT_EQ(meta.year(), 2023);
  EXPECT_EQ(Strings(meta.cited_laws().begin(), meta.cited_laws().end()),
            Strings{"中華人民共和國行政處罰法"});
  EXPECT_EQ(TopLevel(doc), (Strings{"一、主要舉措和成效", "二、存在的問題", "三、下一步工作計劃"}));
  EXPECT_EQ(TopLevelKinds(doc),
            (std::vector<pb::SectionKind>{pb::SECTION_KIND_MEASURES, pb::SECTION_KIND_PROBLEMS,
                                          pb::SECTION_KIND_PLANS}));
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_LIST_ITEM), (Strings{"一是成立領導小組。", "二是召開專題會議3次。"}));
}

class ReportYearTest : public SegmenterTest, public ::testing::WithParamInterface<int> {};

TEST_P(ReportYearTest, YearInTitleParentheses) {
  const int y = GetParam();
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "青山镇法治政府建设工作报告（%d年度）\n%d年以来，青山镇全面推进依法行政。\n"
                "一、主要举措\n开展培训。\n",
                y, y - 1);
  const pb::SegmentedDocument doc = Segment(buf);
  ASSERT_TRUE(doc.metadata().has_year());
  EXPECT_EQ(doc.metadata().year(), y);
}

TEST_P(ReportYearTest, YearFromBodyIgnoresPlans) {
  const int y = GetParam();
  char buf[1024];
  std::snprintf(buf, sizeof(buf),
                "青山镇法治政府建设工作报告\n%d年以来，青山镇全面推进依法行政，较好地完成了%d年度各项目标任务。\n"
                "一、主要举措和成效\n开展培训。\n二、%d年工作打算\n%d年，青山镇将继续推进。\n",
                y, y, y + 1, y + 1);
  const pb::SegmentedDocument doc = Segment(buf);
  ASSERT_TRUE(doc.metadata().has_year());
  EXPECT_EQ(doc.metadata().year(), y);
}

TEST_P(ReportYearTest, ThisYearResolvedThroughReportDate) {
  const int y = GetParam();
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "今年以来，青山镇全面推进依法行政。\n一、主要举措\n开展培训。\n青山镇人民政府\n%d年12月25日\n", y);
  const pb::SegmentedDocument doc = Segment(buf);
  ASSERT_TRUE(doc.metadata().has_year());
  EXPECT_EQ(doc.metadata().year(), y);
  EXPECT_EQ(doc.metadata().report_date(), std::to_string(y) + "-12-25");
}

TEST_P(ReportYearTest, ThisYearOutweighsAComparisonYear) {
  const int y = GetParam();
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "今年以来，青山镇全面推进依法行政，今年共开展培训5次，比%d年增加2次。\n一、主要举措\n开展培训。\n"
                "青山镇人民政府\n%d年12月25日\n",
                y - 1, y);
  const pb::SegmentedDocument doc = Segment(buf);
  ASSERT_TRUE(doc.metadata().has_year());
  EXPECT_EQ(doc.metadata().year(), y);
}

INSTANTIATE_TEST_SUITE_P(Years2019To2025, ReportYearTest, ::testing::Range(2019, 2026));

TEST_F(SegmenterTest, WordResidueMixedLineEndingsAndFullWidthDigits) {
  const std::string messy =
      "[bookmark: _GoBack]青山镇２０２３年法治政府建设工作报告\r\n"
      "一、主要工作\r"
      "(一）强化领导。[bookmark: _Toc12345]全年开展培训５次。\r\n"
      "二、存在问题\n"
      "执法力量不足。";
  const std::string clean =
      "青山镇2023年法治政府建设工作报告\n"
      "一、主要工作\n"
      "（一）强化领导。全年开展培训5次。\n"
      "二、存在问题\n"
      "执法力量不足。";
  const pb::SegmentedDocument a = Segment(messy);
  const pb::SegmentedDocument b = Segment(clean);
  EXPECT_EQ(Blocks(a, pb::BLOCK_KIND_TITLE), Strings{"青山镇２０２３年法治政府建设工作报告"});
  EXPECT_EQ(TopLevel(a), (Strings{"一、主要工作", "二、存在问题"}));
  EXPECT_EQ(Blocks(a, pb::BLOCK_KIND_PARAGRAPH), (Strings{"全年开展培训５次。", "执法力量不足。"}));
  EXPECT_EQ(a.metadata().year(), 2023);
  // Same structure as the clean text.
  ASSERT_EQ(a.blocks_size(), b.blocks_size());
  for (int i = 0; i < a.blocks_size(); ++i) EXPECT_EQ(a.blocks(i).kind(), b.blocks(i).kind()) << i;
  ASSERT_EQ(a.sections_size(), b.sections_size());
  for (int i = 0; i < a.sections_size(); ++i) {
    EXPECT_EQ(a.sections(i).level(), b.sections(i).level());
    EXPECT_EQ(a.sections(i).kind(), b.sections(i).kind());
  }
  EXPECT_EQ(a.sentences_size(), b.sentences_size());
  EXPECT_EQ(a.metadata().township(), b.metadata().township());
}

TEST_F(SegmenterTest, HeadingVariants) {
  const pb::SegmentedDocument doc = Segment(
      "第一部分 基本情况\n"
      "一 、组织领导\n"
      "(一）健全机构\n"
      "1.成立领导小组。\n"
      "（1）明确分工。\n"
      "第二部分 存在问题\n"
      "问题较多。\n");
  ASSERT_EQ(doc.sections_size(), 6);
  EXPECT_EQ(doc.sections(0).marker(), "第一部分");
  EXPECT_EQ(doc.sections(1).marker(), "一 、");
  EXPECT_EQ(doc.sections(2).marker(), "(一）");
  EXPECT_EQ(doc.sections(3).marker(), "1.");
  EXPECT_EQ(doc.sections(4).marker(), "（1）");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(doc.sections(i).level(), static_cast<uint32_t>(i + 1));
  EXPECT_EQ(doc.sections(5).parent(), -1);
  EXPECT_EQ(doc.sections(5).kind(), pb::SECTION_KIND_PROBLEMS);
  EXPECT_EQ(TopLevel(doc), (Strings{"第一部分 基本情况", "第二部分 存在问题"}));
  const Strings sentences = Sentences(doc);
  EXPECT_NE(std::find(sentences.begin(), sentences.end(), "1.成立领导小组。"), sentences.end())
      << "a marker dot ends no sentence";
}

TEST_F(SegmenterTest, EnumerationDotsInsideAParagraphEndNoSentence) {
  const pb::SegmentedDocument doc =
      Segment("一、工作\n采取了以下措施：1.推行考察制度；2.建立学法制度；3.纳入年度评价。办结率96.5%.完成.\n");
  EXPECT_EQ(Sentences(doc), (Strings{"一、工作", "采取了以下措施：1.推行考察制度；2.建立学法制度；3.纳入年度评价。",
                                     "办结率96.5%.", "完成."}));
}

TEST_F(SegmenterTest, SectionAboutALaterYearIsAboutPlans) {
  const pb::SegmentedDocument doc = Segment(
      "白沙镇2023年法治政府建设工作报告\n"
      "一、2023年工作开展情况\n（一）强化领导。\n"
      "二、2024年重点任务\n（一）深化普法。\n");
  ASSERT_EQ(doc.sections_size(), 4);
  EXPECT_EQ(doc.sections(0).kind(), pb::SECTION_KIND_MEASURES);
  EXPECT_EQ(doc.sections(2).kind(), pb::SECTION_KIND_PLANS);
  EXPECT_EQ(doc.sections(3).kind(), pb::SECTION_KIND_PLANS) << "inherited from its parent";
}

TEST_F(SegmenterTest, PlaceNamesWithFunctionCharactersInTheHeader) {
  const pb::SegmentedDocument doc = Segment(
      "和平县于都镇2023年法治政府建设工作报告\n"
      "2023年，于都镇全面推进依法行政。\n");
  EXPECT_EQ(doc.metadata().township(), "于都镇");
  EXPECT_EQ(doc.metadata().county(), "和平县");
}

TEST_F(SegmenterTest, HeadingRunningIntoBodyIsSplitAtTheFirstFullStop) {
  const pb::SegmentedDocument doc = Segment(
      "一、工作情况\n"
      "（一）深入学习贯彻党的二十大精神，推动政府职能作用更好发挥。结合学习开展专题培训3次。\n");
  ASSERT_EQ(doc.sections_size(), 2);
  EXPECT_EQ(doc.sections(1).heading(), "（一）深入学习贯彻党的二十大精神，推动政府职能作用更好发挥。");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_PARAGRAPH), Strings{"结合学习开展专题培训3次。"});
}

TEST_F(SegmenterTest, SentenceBrokenByALineFeedStaysWhole) {
  const pb::SegmentedDocument doc = Segment(
      "一、工作情况\n"
      "一是坚持依法行政。依法全面履行政府职能，推进行政\n"
      "执法责任制落实。\n"
      "二是坚持源头化解。\n");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_LIST_ITEM),
            (Strings{"一是坚持依法行政。依法全面履行政府职能，推进行政\n执法责任制落实。", "二是坚持源头化解。"}));
  EXPECT_EQ(Sentences(doc), (Strings{"一、工作情况", "一是坚持依法行政。", "依法全面履行政府职能，推进行政\n执法责任制落实。",
                                     "二是坚持源头化解。"}));
}

TEST_F(SegmenterTest, IndentedLineStartsANewParagraph) {
  const pb::SegmentedDocument doc = Segment(
      "一、工作情况\n"
      "\u3000\u3000为推动法治建设营造了浓厚氛围\n"
      "\u3000\u30002023年以来，主要负责人履行职责。\n");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_PARAGRAPH),
            (Strings{"为推动法治建设营造了浓厚氛围", "2023年以来，主要负责人履行职责。"}));
}

TEST_F(SegmenterTest, PageNumberLinesAreNeitherTextNorBreaks) {
  const pb::SegmentedDocument doc = Segment(
      "一、工作情况\n"
      "一是坚持依法行政，推进行政\n"
      "- 2 -\n"
      "执法责任制落实。\n"
      "第3页 共5页\n"
      "二是坚持源头化解。\n"
      "12\n");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_LIST_ITEM),
            (Strings{"一是坚持依法行政，推进行政\n- 2 -\n执法责任制落实。", "二是坚持源头化解。"}));
  EXPECT_TRUE(Blocks(doc, pb::BLOCK_KIND_PARAGRAPH).empty());
  // The sentence spans the page line (spans are contiguous) but ICU never saw
  // it, so it is still one sentence.
  EXPECT_EQ(Sentences(doc), (Strings{"一、工作情况", "一是坚持依法行政，推进行政\n- 2 -\n执法责任制落实。",
                                     "二是坚持源头化解。"}));
}

TEST_F(SegmenterTest, InlineListItemVariants) {
  const pb::SegmentedDocument doc = Segment(
      "一、工作\n"
      "主要做法：—是加强学习；二是完善制度；三要强化监督。\n"
      "首先是领导带头学法。其次是集中培训。\n");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_PARAGRAPH), Strings{"主要做法："});
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_LIST_ITEM),
            (Strings{"—是加强学习；", "二是完善制度；", "三要强化监督。", "首先是领导带头学法。", "其次是集中培训。"}));
}

TEST_F(SegmenterTest, UnknownMetadataStaysUnknown) {
  const pb::SegmentedDocument doc = Segment("一、工作情况\n全年开展活动，效果良好。\n");
  const auto& meta = doc.metadata();
  EXPECT_EQ(meta.township(), "");
  EXPECT_EQ(meta.unit_type(), "");
  EXPECT_EQ(meta.county(), "");
  EXPECT_EQ(meta.city(), "");
  EXPECT_EQ(meta.province(), "");
  EXPECT_FALSE(meta.has_year());
  EXPECT_EQ(meta.report_date(), "");
  EXPECT_EQ(meta.title(), "");
  EXPECT_EQ(meta.doc_numbers_size(), 0);
  EXPECT_EQ(meta.cited_laws_size(), 0);
}

TEST_F(SegmenterTest, CountyFromDocumentNumberPrefix) {
  // 大河乡 exists in five counties; 巫溪府办发 names one of them.
  const std::string report =
      "大河乡2023年法治政府建设工作报告\n"
      "大河乡认真落实《关于印发2023年全县法治政府建设工作要点的通知》（巫溪府办发〔2023〕38号），在县委、县政府领导下推进工作。\n";
  const auto meta = Segment(report).metadata();
  EXPECT_EQ(meta.county(), "巫溪县");
  EXPECT_EQ(meta.doc_numbers(0), "巫溪府办发〔2023〕38号");
  EXPECT_EQ(meta.place().sources(1), common::v1::PLACE_SOURCE_DOC_NUMBER);
  // A prefix that names no candidate's county decides nothing.
  const std::string other =
      "大河乡2023年法治政府建设工作报告\n大河乡认真落实静海府办发〔2023〕38号文件。\n";
  EXPECT_EQ(Segment(other).metadata().county(), "");
  EXPECT_EQ(Segment(other).metadata().place().status(), common::v1::PLACE_STATUS_AMBIGUOUS);
}

TEST_F(SegmenterTest, RegionsAboveTheTownshipFromTheBody) {
  const pb::SegmentedDocument doc = Segment(
      "花溪乡2023年法治政府建设工作报告\n"
      "2023年，四川省宜宾市屏山县花溪乡在县委、县政府的领导下推进依法行政。\n"
      "一、主要工作\n开展培训。\n");
  EXPECT_EQ(doc.metadata().township(), "花溪乡");
  EXPECT_EQ(doc.metadata().county(), "屏山县");
  EXPECT_EQ(doc.metadata().city(), "宜宾市");
  EXPECT_EQ(doc.metadata().province(), "四川省");
}

TEST_F(SegmenterTest, CountyFromAddresseeLine) {
  const pb::SegmentedDocument doc = Segment(
      "花溪乡2023年法治政府建设工作报告\n巫溪县委、县政府：\n现将有关情况报告如下：\n一、主要工作\n开展培训。\n");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_ADDRESSEE), Strings{"巫溪县委、县政府："});
  EXPECT_EQ(doc.metadata().county(), "巫溪县");
}

TEST_F(SegmenterTest, ChineseNumeralSignatureDate) {
  const pb::SegmentedDocument doc =
      Segment("一、主要工作\n开展培训。\n花溪乡人民政府\n二〇二四年一月十五日\n");
  EXPECT_EQ(doc.metadata().report_date(), "2024-01-15");
  EXPECT_EQ(Blocks(doc, pb::BLOCK_KIND_SIGNATURE), Strings{"花溪乡人民政府"});
  EXPECT_EQ(doc.metadata().township(), "花溪乡");
}

TEST_F(SegmenterTest, RejectsInvalidUtf8) {
  pb::SegmentedDocument doc;
  const Status s = segmenter_->Segment(std::string("一、\xff\xfe", 8), &doc);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST_F(SegmenterTest, ReusingTheOutputMessageLeavesNothingBehind) {
  pb::SegmentedDocument doc;
  ASSERT_OK(segmenter_->Segment(kReport, &doc));
  doc.set_source("file.txt");
  ASSERT_OK(segmenter_->Segment("一、工作\n开展培训。\n", &doc));
  EXPECT_EQ(doc.source(), "file.txt");
  EXPECT_EQ(doc.metadata().township(), "");
  EXPECT_FALSE(doc.metadata().has_year());
  EXPECT_EQ(doc.sections_size(), 1);
  EXPECT_EQ(doc.blocks_size(), 2);
  EXPECT_EQ(doc.sentences_size(), 2);
}

TEST_F(SegmenterTest, ResegmentingTheStoredTextInPlace) {
  pb::SegmentedDocument doc;
  ASSERT_OK(segmenter_->Segment(kReport, &doc));
  const std::string expected = doc.SerializeAsString();
  ASSERT_OK(segmenter_->Segment(doc.text(), &doc));
  EXPECT_EQ(doc.SerializeAsString(), expected);
}

TEST_F(SegmenterTest, EmptyAndBlankText) {
  for (std::string_view text : {"", "\n\n  \r\n", "\u3000"}) {
    const pb::SegmentedDocument doc = Segment(text);
    EXPECT_EQ(doc.blocks_size(), 0);
    EXPECT_EQ(doc.sentences_size(), 0);
    EXPECT_EQ(doc.sections_size(), 0);
  }
}

}  // namespace
}  // namespace reportflow::segment

namespace reportflow::segment {
namespace {

// Structural invariants on pseudo-random token soups (fixed seed, so the
// inputs are the same on every run): markers, dates, residue, brackets,
// line endings and punctuation in every order must never break the output
// contract.
TEST_F(SegmenterTest, InvariantsHoldOnTokenSoup) {
  static constexpr std::string_view kTokens[] = {
      "一、", "（一）", "(二）", "1.", "（1）", "第一部分", "一是", "二要", "—是", "首先是", "。", "，", ",", ".",
      "：", "；", "\n", "\r\n", "\r", " ", "\u3000", "2023年", "2024年2月28日", "二〇二四年一月五日", "年度",
      "今年", "青山镇", "花溪乡", "望京街道", "重庆市", "万州区", "人民政府", "委员会", "关于", "报告", "抄送：",
      "《行政处罚法》", "《", "》", "执行", "宪法", "、", "〔2023〕38号", "巫溪府办发", "[bookmark: _GoBack]",
      "[", "]", "法治政府建设", "存在问题", "下一步", "12件", "96.5%", "６", "鄉", "「", "」", "①", "😀"};
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int n = static_cast<int>(next() % 120);
    for (int i = 0; i < n; ++i) text += kTokens[next() % std::size(kTokens)];
    SCOPED_TRACE(text);
    Segment(text);  // CheckInvariants runs inside.
  }
}

}  // namespace
}  // namespace reportflow::segment
