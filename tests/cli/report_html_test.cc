// The HTML report's building blocks: escaping, span highlighting, anchors.
#include "cli/report_html.h"

#include <gtest/gtest.h>

namespace reportflow::cli {
namespace {

TEST(ReportHtmlTest, Escapes) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
}

TEST(ReportHtmlTest, HighlightsSpansAndKeepsAnchorsOfOverlaps) {
  const std::string text = "调解纠纷90余件，成功率98%。";  // 调解纠纷 = 12 bytes
  const std::string html = HighlightHtml(text, {{12, 20, "m-d-1", "q1"}, {12, 14, "m-d-2", "q2"}, {32, 35, "m-d-3", "q3"}});
  EXPECT_EQ(html,
            "调解纠纷<mark class=\"q\" id=\"m-d-1\" title=\"q1\">90余件</mark><a id=\"m-d-2\" title=\"q2\"></a>"
            "，成功率<mark class=\"q\" id=\"m-d-3\" title=\"q3\">98%</mark>。");
}

TEST(ReportHtmlTest, SkipsSpansOffCharacterBoundariesOrOutOfRange) {
  const std::string text = "成功<b>";
  EXPECT_EQ(HighlightHtml(text, {{1, 3, "x", ""}, {3, 99, "y", ""}, {4, 3, "z", ""}}), "成功&lt;b&gt;");
}

ReportInput SampleInput() {
  ReportInput in;
  in.data_dir = "/data";
  in.generated_at = "now";
  ReportDocument d;
  d.entry.set_doc_id("abc123");
  d.entry.set_source("a.txt");
  d.entry.set_state(ingest::v1::DOC_STATE_COMPLETE);
  d.has_contribution = true;
  d.text = "一、工作\n调解矛盾纠纷90余件。</script><script>alert(1)</script>";
  auto* meta = d.contribution.mutable_metadata();
  meta->set_township("花台乡");
  meta->set_county("巫溪县");
  meta->set_year(2023);
  auto* m = d.contribution.add_metrics();
  m->set_metric_id("mediation.disputes_handled");
  m->set_label_zh("调解纠纷");
  m->set_value(90);
  m->set_unit("件");
  m->set_text("90余件");
  const size_t begin = d.text.find("90");
  m->mutable_span()->set_begin(static_cast<uint32_t>(begin));
  m->mutable_span()->set_end(static_cast<uint32_t>(begin + 8));
  m->mutable_sentence_span()->set_begin(static_cast<uint32_t>(d.text.find("调解")));
  m->mutable_sentence_span()->set_end(static_cast<uint32_t>(d.text.size()));  // the hostile tail is rendered too
  auto* f = d.contribution.add_findings();
  f->set_code("rate_above_100");
  f->set_severity(extract::v1::SEVERITY_WARNING);
  f->set_message("rate 120% > 100%");
  f->add_metric_indexes(0);
  in.documents.push_back(d);
  ReportDocument q;
  q.entry.set_doc_id("def456");
  q.entry.set_source("bad.txt");
  q.entry.set_state(ingest::v1::DOC_STATE_QUARANTINED);
  q.entry.set_last_error_stage("segment");
  q.entry.set_last_error("boom <x>");
  in.documents.push_back(q);
  ingest::v1::Rejection r;
  r.set_source("empty.txt");
  r.set_reason("empty file");
  in.rejections.emplace_back("b1", r);
  return in;
}

TEST(ReportHtmlTest, PageLinksEveryMetricToItsHighlightedSentence) {
  const std::string html = RenderReportHtml(SampleInput());
  EXPECT_NE(html.find("<mark class=\"q\" id=\"m-abc123-0\""), std::string::npos);
  EXPECT_NE(html.find(">90余件</mark>。"), std::string::npos);
  EXPECT_NE(html.find("href=\"#m-abc123-0\""), std::string::npos);   // metric table and findings link to it
  EXPECT_NE(html.find("id=\"doc-abc123\""), std::string::npos);
  EXPECT_NE(html.find("rate_above_100"), std::string::npos);
  EXPECT_NE(html.find("boom &lt;x&gt;"), std::string::npos);        // quarantined, escaped
  EXPECT_NE(html.find("empty.txt"), std::string::npos);             // rejected file
  // Stored text cannot break out of the page; the JSON block cannot close its script.
  EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
  const size_t json = html.find("id=\"report-data\">");
  ASSERT_NE(json, std::string::npos);
  EXPECT_EQ(html.substr(json, html.find("</script>", json) - json).find("</"), std::string::npos);
  // Self-contained: nothing fetched from the network.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST(ReportHtmlTest, FullTextHighlightsInTheWholeDocument) {
  ReportInput in = SampleInput();
  in.full_text = true;
  const std::string html = RenderReportHtml(in);
  EXPECT_NE(html.find("<div class=\"fulltext\">一、工作\n调解矛盾纠纷<mark class=\"q\" id=\"m-abc123-0\""),
            std::string::npos);
}

}  // namespace
}  // namespace reportflow::cli
