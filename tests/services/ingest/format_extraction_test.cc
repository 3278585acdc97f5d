// Report formats (issue 11): .docx, web pages and PDF made from the samples
// give the same metrics as the plain-text sample; unsupported formats are
// rejected with a reason naming them. Fixtures: tests/services/ingest/testdata
// (README.md there says how each was made).
#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <sstream>

#include "common/results/section_path.h"
#include "common/text/encoding.h"
#include "services/extract/extractor.h"
#include "services/ingest/docx_extractor.h"
#include "services/ingest/document_decoder.h"
#include "services/ingest/html_extractor.h"
#include "services/ingest/pdf_extractor.h"
#include "services/ingest/zip_probe.h"
#include "services/segment/segmenter.h"
#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {

using ::reportflow::testing::ReadFileOrDie;
using ::reportflow::testing::SourceDir;

std::string Fixture(const std::string& name) {
  return ReadFileOrDie(SourceDir() / "tests/services/ingest/testdata" / name);
}
std::string Sample(const std::string& name) { return ReadFileOrDie(SourceDir() / "samples/reports" / name); }

// A metric as an operator sees it, without byte offsets (which belong to one text).
std::string MetricKey(const extract::v1::ExtractionResult& result, const extract::v1::Metric& m) {
  std::ostringstream out;
  out << m.metric_id() << " | " << m.text() << " | " << m.value();
  if (m.has_value_max()) out << "-" << m.value_max();
  out << " " << m.unit() << " | " << m.subject() << " | approx " << m.approx() << " | kind " << m.kind() << " |";
  for (std::string_view s : results::SectionPath(result.sections(), m)) out << " / " << s;
  return out.str();
}

class FormatMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(segmenter_, segment::Segmenter::Create());
    ASSERT_OK_AND_ASSIGN(auto taxonomy, extract::Taxonomy::Default());
    ASSERT_OK_AND_ASSIGN(extractor_, extract::Extractor::Create(taxonomy));
  }

  // Metrics (as keys, in document order) and the document metadata.
  std::pair<std::vector<std::string>, std::string> Metrics(const std::string& text) {
    segment::v1::SegmentedDocument doc;
    Status s = segmenter_->Segment(text, &doc);
    EXPECT_TRUE(s.ok()) << s.ToString();
    extract::v1::ExtractionResult result;
    s = extractor_->Extract(doc, &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<std::string> keys;
    for (const auto& m : result.metrics()) {
      keys.push_back(MetricKey(result, m));
      // Provenance: every span points into the stored (extracted) text.
      EXPECT_LE(m.span().end(), text.size());
      EXPECT_EQ(text.substr(m.span().begin(), m.span().end() - m.span().begin()), m.text());
    }
    const auto& md = doc.metadata();
    return {keys, md.title() + " | " + md.township() + " | " + std::to_string(md.year()) + " | " + md.report_date()};
  }

  void ExpectSameMetrics(const std::string& fixture, const std::string& sample, const std::string& format) {
    SCOPED_TRACE(fixture);
    DecodeOutcome decoded = DecodeDocument(fixture, Fixture(fixture));
    ASSERT_TRUE(decoded.ok) << decoded.rejection.reason();
    EXPECT_EQ(decoded.document.source_format(), format);
    DecodeOutcome plain = DecodeDocument(sample, Sample(sample));
    ASSERT_TRUE(plain.ok);
    auto [want, want_md] = Metrics(plain.document.text());
    auto [got, got_md] = Metrics(decoded.document.text());
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(got_md, want_md);
    EXPECT_EQ(got, want) << "extracted text:\n" << decoded.document.text();
  }

  std::unique_ptr<segment::Segmenter> segmenter_;
  std::unique_ptr<extract::Extractor> extractor_;
};

TEST_F(FormatMetricsTest, DocxFromLibreOfficeMatchesPlainText) {
  ExpectSameMetrics("sample000.docx", "000_dcd7630493403724.txt", "docx");
}

TEST_F(FormatMetricsTest, DocxWithHeadingStylesAndNumberingMatchesPlainText) {
  ExpectSameMetrics("sample000_styled.docx", "000_dcd7630493403724.txt", "docx");
}

TEST_F(FormatMetricsTest, GovernmentPageInGbkMatchesPlainText) {
  ExpectSameMetrics("sample002_gov_gbk.html", "002_a6fefeade6ba0466.txt", "html");
}

TEST_F(FormatMetricsTest, GovernmentPageWithBreaksMatchesPlainText) {
  ExpectSameMetrics("sample004_gov_utf8.html", "004_7ab535f76b944261.txt", "html");
}

TEST_F(FormatMetricsTest, PdfMatchesPlainText) {
  ExpectSameMetrics("sample000.pdf", "000_dcd7630493403724.txt", "pdf");
  ExpectSameMetrics("sample003.pdf", "003_1c944b72cf063491.txt", "pdf");
}

// ---------------------------------------------------------------------------
// .docx details, on packages built here.
// ---------------------------------------------------------------------------

std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  out.resize(1 << 20);
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  EXPECT_EQ(archive_write_open_memory(a, out.data(), out.size(), &used), ARCHIVE_OK);
  for (const auto& [name, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

const char* kW = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

std::string Docx(const std::string& body, const std::string& numbering = "", const std::string& styles = "") {
  std::vector<std::pair<std::string, std::string>> entries = {
      {"[Content_Types].xml", "<Types/>"},
      {"word/document.xml", std::string("<w:document ") + kW + "><w:body>" + body + "</w:body></w:document>"}};
  if (!numbering.empty()) {
    entries.push_back({"word/numbering.xml", std::string("<w:numbering ") + kW + ">" + numbering + "</w:numbering>"});
  }
  if (!styles.empty()) entries.push_back({"word/styles.xml", std::string("<w:styles ") + kW + ">" + styles + "</w:styles>"});
  return Zip(entries);
}

std::string P(const std::string& runs, const std::string& ppr = "") { return "<w:p>" + ppr + runs + "</w:p>"; }
std::string R(const std::string& t) { return "<w:r><w:t xml:space=\"preserve\">" + t + "</w:t></w:r>"; }

TEST(DocxExtractorTest, ParagraphsTablesAndNoWordResidue) {
  const std::string body =
      P("<w:bookmarkStart w:id=\"0\" w:name=\"_Toc1\"/>" + R("标题") + "<w:bookmarkEnd w:id=\"0\"/>") +
      P(R("共开展") + "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> MERGEFIELD 次数 </w:instrText></w:r>"
        "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>" + R("12") + "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>" +
        R("场。") + "<w:del><w:r><w:delText>已删除</w:delText></w:r></w:del>" +
        "<w:ins><w:r><w:t>新增</w:t></w:r></w:ins><w:r><w:commentReference w:id=\"1\"/></w:r>") +
      P("") +
      "<w:tbl><w:tr><w:tc>" + P(R("项目")) + "</w:tc><w:tc>" + P(R("数量")) + "</w:tc></w:tr>"
      "<w:tr><w:tc>" + P(R("普法讲座")) + P(R("（线下）")) + "</w:tc><w:tc>" + P(R("8场")) + "</w:tc></w:tr></w:tbl>" +
      P(R("甲") + "<w:r><w:tab/></w:r>" + R("乙") + "<w:r><w:br/></w:r>" + R("丙"));
  ASSERT_OK_AND_ASSIGN(std::string text, ExtractDocxText(Docx(body)));
  EXPECT_EQ(text, "标题\n共开展12场。新增\n\n项目\t数量\n普法讲座 （线下）\t8场\n甲\t乙\n丙\n");
}

TEST(DocxExtractorTest, NumberingFormatsAndRestarts) {
  const std::string numbering =
      "<w:abstractNum w:abstractNumId=\"3\">"
      "<w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"chineseCounting\"/><w:lvlText w:val=\"%1、\"/></w:lvl>"
      "<w:lvl w:ilvl=\"1\"><w:start w:val=\"1\"/><w:isLgl/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.%2 \"/></w:lvl>"
      "<w:lvl w:ilvl=\"2\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.%3\"/></w:lvl>"
      "</w:abstractNum>"
      "<w:abstractNum w:abstractNumId=\"4\"><w:lvl w:ilvl=\"0\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"•\"/></w:lvl></w:abstractNum>"
      "<w:num w:numId=\"7\"><w:abstractNumId w:val=\"3\"/></w:num>"
      "<w:num w:numId=\"8\"><w:abstractNumId w:val=\"4\"/></w:num>"
      "<w:num w:numId=\"9\"><w:abstractNumId w:val=\"3\"/><w:lvlOverride w:ilvl=\"0\"><w:startOverride w:val=\"11\"/></w:lvlOverride></w:num>";
  auto num = [](int id, int lvl) {
    return "<w:pPr><w:numPr><w:ilvl w:val=\"" + std::to_string(lvl) + "\"/><w:numId w:val=\"" + std::to_string(id) +
           "\"/></w:numPr></w:pPr>";
  };
  const std::string body = P(R("总体"), num(7, 0)) + P(R("细则"), num(7, 1)) + P(R("细则"), num(7, 1)) +
                           P(R("下步"), num(7, 0)) + P(R("条"), num(7, 2)) + P(R("细则"), num(7, 1)) + P(R("要点"), num(8, 0)) +
                           P(R("第十一项"), num(9, 0));
  ASSERT_OK_AND_ASSIGN(std::string text, ExtractDocxText(Docx(body, numbering)));
  EXPECT_EQ(text, "一、总体\n1.1 细则\n1.2 细则\n二、下步\n二.1条\n2.1 细则\n要点\n十一、第十一项\n");
}

TEST(DocxExtractorTest, CorruptPackagesAreErrors) {
  EXPECT_FALSE(ExtractDocxText("PK\x03\x04 not really a zip").ok());
  EXPECT_FALSE(ExtractDocxText(Zip({{"[Content_Types].xml", "<Types/>"}})).ok());  // no document part
  auto bad_xml = ExtractDocxText(Zip({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<w:document><w:body>"}}));
  ASSERT_FALSE(bad_xml.ok());
  EXPECT_NE(bad_xml.status().message().find("not well-formed"), std::string::npos);
  // A part that inflates beyond the cap.
  auto big = ExtractDocxText(Docx(P(R(std::string(4096, 'x')))), 1024);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
}

TEST(ZipProbeTest, TellsPackagesFromArchives) {
  EXPECT_EQ(ZipPackageKind(Fixture("sample000.docx")), "docx");  // [Content_Types].xml is the last entry here
  EXPECT_EQ(ZipPackageKind(Fixture("legacy.odt")), "odt");
  EXPECT_EQ(ZipPackageKind(Zip({{"[Content_Types].xml", "<Types/>"}, {"xl/workbook.xml", "<x/>"}})), "xlsx");
  EXPECT_EQ(ZipPackageKind(Zip({{"report.txt", "文本"}})), "");
  EXPECT_EQ(ZipPackageKind("PK\x03\x04 truncated"), "");
  EXPECT_EQ(ZipEntryNames(Zip({{"a.txt", "1"}, {"b/c.txt", "2"}})), (std::vector<std::string>{"a.txt", "b/c.txt"}));
}

// ---------------------------------------------------------------------------
// Web pages.
// ---------------------------------------------------------------------------

TEST(HtmlExtractorTest, ArticleOnlyWithoutFurniture) {
  const std::string page = R"(<html><head><meta charset="utf-8"><title>某镇2023年法治政府建设工作报告_某县人民政府</title></head>
<body><div class="nav"><a href="/">首页</a><a href="/a">政务公开</a><a href="/b">办事服务</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/a">政务公开</a></div>
<div class="info">索引号：123/2024-001　发布时间：2024-01-18　浏览次数：99</div>
<div class="text"><p>　　2023年，我镇开展普法宣传活动12场次，发放资料3000余份，覆盖群众5000人。</p>
<p>　　全年调解矛盾纠纷45件，调解成功率达到98%，无一起民转刑案件。</p>
<p>字号：大 中 小</p>
<table><tr><td>项目</td><td>数量</td></tr><tr><td>法治讲座</td><td>8场</td></tr></table></div>
<div class="footer">主办：某县人民政府　版权所有　<a href="/map">网站地图</a></div></body></html>)";
  ASSERT_OK_AND_ASSIGN(HtmlText got, ExtractHtmlText(page));
  EXPECT_EQ(got.text,
            "某镇2023年法治政府建设工作报告\n"
            "2023年，我镇开展普法宣传活动12场次，发放资料3000余份，覆盖群众5000人。\n"
            "全年调解矛盾纠纷45件，调解成功率达到98%，无一起民转刑案件。\n"
            "项目\t数量\n法治讲座\t8场\n");
  EXPECT_EQ(got.encoding, "UTF-8");
}

TEST(HtmlExtractorTest, DeclaredCharsetAndMisdeclaredPages) {
  const std::string body = "<p>今年共办理行政复议案件35件，全部依法按期办结，群众满意度明显提升。</p>";
  auto gbk = text::ConvertFromUtf8("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=GBK\">"
                                   "</head><body>" + body + "</body></html>", "GB18030");
  ASSERT_TRUE(gbk.ok());
  ASSERT_OK_AND_ASSIGN(HtmlText from_gbk, ExtractHtmlText(*gbk));
  EXPECT_EQ(from_gbk.encoding, "GB18030");
  EXPECT_NE(from_gbk.text.find("行政复议案件35件"), std::string::npos);
  // Declares gb2312 but is saved as UTF-8: detected.
  ASSERT_OK_AND_ASSIGN(HtmlText misdeclared,
                       ExtractHtmlText("<html><head><meta charset=gb2312></head><body>" + body + "</body></html>"));
  EXPECT_EQ(misdeclared.encoding, "UTF-8");
  EXPECT_NE(misdeclared.text.find("行政复议案件35件"), std::string::npos);
}

TEST(HtmlExtractorTest, PageWithoutArticleIsRejected) {
  const std::string nav_only = "<html><body><ul><li><a href=/1>首页</a></li><li><a href=/2>政务公开</a></li></ul>"
                               "<script>var x = '很长的脚本文字，不是正文内容，也不应出现在文档里。';</script></body></html>";
  DecodeOutcome out = DecodeDocument("nav.html", nav_only);
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.rejection.code(), v1::REJECTION_CODE_EMPTY);
}

// ---------------------------------------------------------------------------
// PDF.
// ---------------------------------------------------------------------------

TEST(PdfExtractorTest, JoinsWrappedLinesButNotHeadingsOrIndentedLines) {
  const std::vector<PdfLine> lines = {
      {"一、总体情况", false, false},                                    // short: its own line
      {"全年共开展普法宣传活动十二场次，发放宣传资料三千余份，覆盖", true, true},  // reaches the margin
      {"群众五千余人。", false, false},                                  // ends the paragraph
      {"全年共开展普法宣传活动十二场次，发放宣传资料三千余份，覆盖", true, false},
      {"二、存在问题", false, false},                                    // a heading is never joined
      {"调解成功率达100%，较上年提高5个百分点，全年调解矛盾纠纷达到", true, true},
      {"一是加强队伍建设。", false, true},                                // indented: a new paragraph
      {"Version 2", true, false},
      {"release", false, false}};
  EXPECT_EQ(JoinPdfLines(lines),
            "一、总体情况\n全年共开展普法宣传活动十二场次，发放宣传资料三千余份，覆盖群众五千余人。\n"
            "全年共开展普法宣传活动十二场次，发放宣传资料三千余份，覆盖\n二、存在问题\n"
            "调解成功率达100%，较上年提高5个百分点，全年调解矛盾纠纷达到\n一是加强队伍建设。\nVersion 2 release\n");
}

// ---------------------------------------------------------------------------
// Rejections, each naming the format.
// ---------------------------------------------------------------------------

struct RejectionCase {
  std::string fixture;
  v1::RejectionCode code;
  std::string reason_part;
};

TEST(FormatRejectionTest, UnsupportedAndUnreadableFormatsNameTheirFormat) {
  const std::vector<RejectionCase> cases = {
      {"scanned.pdf", v1::REJECTION_CODE_EMPTY, "scanned PDF, no text layer"},
      {"encrypted.pdf", v1::REJECTION_CODE_UNSUPPORTED_FORMAT, "encrypted PDF"},
      {"legacy.doc", v1::REJECTION_CODE_UNSUPPORTED_FORMAT, "legacy Word 97-2003 document (.doc"},
      {"legacy.wps", v1::REJECTION_CODE_UNSUPPORTED_FORMAT, "Kingsoft WPS document (.wps"},
      {"legacy.odt", v1::REJECTION_CODE_UNSUPPORTED_FORMAT, "OpenDocument file (.odt)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fixture);
    DecodeOutcome out = DecodeDocument(c.fixture, Fixture(c.fixture));
    ASSERT_FALSE(out.ok);
    EXPECT_EQ(out.rejection.code(), c.code) << out.rejection.reason();
    EXPECT_NE(out.rejection.reason().find(c.reason_part), std::string::npos) << out.rejection.reason();
  }
  // Named from content, whatever the file name says.
  DecodeOutcome renamed = DecodeDocument("report.txt", Fixture("legacy.doc"));
  EXPECT_NE(renamed.rejection.reason().find(".doc"), std::string::npos);
  DecodeOutcome xlsx = DecodeDocument("t.docx", Zip({{"[Content_Types].xml", "<Types/>"}, {"xl/workbook.xml", "<x/>"}}));
  EXPECT_NE(xlsx.rejection.reason().find("Excel workbook (.xlsx)"), std::string::npos);
  DecodeOutcome corrupt_pdf = DecodeDocument("c.pdf", "%PDF-1.7\n1 0 obj garbage");
  ASSERT_FALSE(corrupt_pdf.ok);
  DecodeOutcome rtf = DecodeDocument("r.doc", "{\\rtf1\\ansi 报告}");
  EXPECT_NE(rtf.rejection.reason().find("Rich Text Format"), std::string::npos);
}

TEST(FormatRejectionTest, DetectsFormatFromContentNotName) {
  EXPECT_EQ(DetectFormat(Fixture("sample000.docx")), "docx");
  EXPECT_EQ(DetectFormat(Fixture("sample000.pdf")), "pdf");
  EXPECT_EQ(DetectFormat(Fixture("sample002_gov_gbk.html")), "html");
  EXPECT_EQ(DetectFormat("<?xml version=\"1.0\"?>\n<!-- saved -->\n<html><body>x</body></html>"), "html");
  EXPECT_EQ(DetectFormat(Fixture("legacy.doc")), "doc");
  EXPECT_EQ(DetectFormat("<报告>正文"), "txt");
}

}  // namespace
}  // namespace reportflow::ingest
