// The HTML report's building blocks: escaping, span highlighting, anchors,
// the compressed data blocks and the summary the page's script reads.
#include "cli/report_html.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

#include "cli/report_blob.h"

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
  meta->set_township_code("500238210000");
  meta->set_county("巫溪县");
  meta->set_county_code("500238000000");
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

// The page's data blocks, decoded as the browser does (base64, then gunzip).
nlohmann::json Block(const std::string& html, const std::string& id) {
  const std::string open = "id=\"" + id + "\" data-encoding=\"gzip+base64\">";
  const size_t at = html.find(open);
  EXPECT_NE(at, std::string::npos) << id;
  if (at == std::string::npos) return nullptr;
  const size_t begin = at + open.size();
  auto gz = DecodeBase64(html.substr(begin, html.find("</script>", begin) - begin));
  EXPECT_TRUE(gz.ok());
  auto text = Gunzip(*gz);
  EXPECT_TRUE(text.ok());
  return nlohmann::json::parse(*text);
}

TEST(ReportHtmlTest, BlobRoundTrips) {
  const std::string data = std::string("调解矛盾纠纷90余件\0\xff", 30) + std::string(5000, 'x');
  auto gz = Gzip(data);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), data.size());
  EXPECT_EQ(gz->substr(0, 2), "\x1f\x8b");  // a gzip member, what DecompressionStream("gzip") reads
  for (size_t n : {0, 1, 2, 3, 4}) {
    auto back = DecodeBase64(Base64(data.substr(0, n)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, data.substr(0, n));
  }
  EXPECT_EQ(Base64("ab"), "YWI=");
  EXPECT_EQ(*Gunzip(*DecodeBase64(Base64(*gz))), data);
  EXPECT_FALSE(DecodeBase64("a$b").ok());
  EXPECT_FALSE(Gunzip("not gzip").ok());
}

TEST(ReportHtmlTest, DetailIsCompressedAndHighlightsEveryMetricInItsSentence) {
  auto html = RenderReportHtml(SampleInput());
  ASSERT_TRUE(html.ok()) << html.status();
  // Per-document detail lives in compressed chunks, not in the page's markup.
  EXPECT_EQ(html->find("m-abc123-0"), std::string::npos);
  const nlohmann::json chunk = Block(*html, "report-docs-0");
  ASSERT_EQ(chunk.size(), 2u);
  const nlohmann::json& d = chunk[0];
  EXPECT_EQ(d["id"], "abc123");
  const std::string source = d["html"];
  EXPECT_NE(source.find("<mark class=\"q\" id=\"m-@-0\""), std::string::npos) << source;  // the page writes the doc id for @
  EXPECT_NE(source.find(">90余件</mark>。"), std::string::npos) << source;
  EXPECT_EQ(source.find("<script>"), std::string::npos) << "stored text is escaped";
  EXPECT_EQ(d["findings"][0][1], "rate_above_100");
  EXPECT_EQ(chunk[1]["error"], "segment: boom <x>");  // escaped when the page shows it (textContent)
  // Static sections: findings by code, quarantine and rejections, escaped.
  EXPECT_NE(html->find("rate_above_100"), std::string::npos);
  EXPECT_NE(html->find("boom &lt;x&gt;"), std::string::npos);
  EXPECT_NE(html->find("empty.txt"), std::string::npos);
  EXPECT_NE(html->find("href=\"#d=abc123\""), std::string::npos);  // findings open the document
  // Self-contained: nothing fetched from the network.
  EXPECT_EQ(html->find("src=\"http"), std::string::npos);
  EXPECT_EQ(html->find("href=\"http"), std::string::npos);
  EXPECT_EQ(html->find("@import"), std::string::npos);
}

TEST(ReportHtmlTest, FullTextHighlightsInTheWholeDocument) {
  ReportInput in = SampleInput();
  in.full_text = true;
  auto html = RenderReportHtml(in);
  ASSERT_TRUE(html.ok());
  const std::string source = Block(*html, "report-docs-0")[0]["html"];
  EXPECT_NE(source.find("<div class=\"fulltext\">一、工作\n调解矛盾纠纷<mark class=\"q\" id=\"m-@-0\""),
            std::string::npos);
}

// Regions: one node per region (a municipality's code once), parents by code,
// rollups attached to their region's node; rates keep their mean, never a sum.
TEST(ReportHtmlTest, SummaryHoldsTheRegionTreeAndTheRollupsAsRecorded) {
  ReportInput in = SampleInput();
  auto region = [](common::v1::RegionLevel level, const std::string& name, const std::string& code,
                   const std::string& parent, uint32_t docs) {
    RegionRow r;
    r.level = level;
    r.name = name;
    r.code = code;
    r.parent_code = parent;
    r.documents = docs;
    r.documents_by_year[2023] = docs;
    return r;
  };
  in.regions = {region(common::v1::REGION_LEVEL_PROVINCE, "重庆市", "500000000000", "", 1),
                region(common::v1::REGION_LEVEL_COUNTY, "巫溪县", "500238000000", "500000000000", 1),
                region(common::v1::REGION_LEVEL_TOWNSHIP, "花台乡", "500238210000", "500238000000", 1)};
  auto rollup = [](common::v1::RegionLevel level, const std::string& name, const std::string& code,
                   aggregate::v1::RollupStatistic statistic, double sum, double mean) {
    aggregate::v1::Rollup r;
    r.mutable_key()->set_level(level);
    r.mutable_key()->set_region(name);
    r.mutable_key()->set_region_code(code);
    r.mutable_key()->set_year(2023);
    r.mutable_key()->set_metric_id(statistic == aggregate::v1::ROLLUP_STATISTIC_SUM ? "mediation.disputes_handled"
                                                                                     : "mediation.success_rate");
    r.set_statistic(statistic);
    r.set_documents(2);
    r.set_sum(sum);
    r.set_mean(mean);
    return r;
  };
  in.rollups = {rollup(common::v1::REGION_LEVEL_PROVINCE, "重庆市", "500000000000", aggregate::v1::ROLLUP_STATISTIC_SUM, 90, 45),
                // A municipality's city-level twin: the same region, not listed again.
                rollup(common::v1::REGION_LEVEL_CITY, "重庆市", "500000000000", aggregate::v1::ROLLUP_STATISTIC_SUM, 90, 45),
                rollup(common::v1::REGION_LEVEL_COUNTY, "巫溪县", "500238000000", aggregate::v1::ROLLUP_STATISTIC_MEAN, 0, 97.5)};
  auto html = RenderReportHtml(in);
  ASSERT_TRUE(html.ok());
  const nlohmann::json s = Block(*html, "report-summary");
  ASSERT_EQ(s["nodes"].size(), 3u);
  EXPECT_EQ(s["nodes"][0]["k"], "500000000000");
  EXPECT_EQ(s["nodes"][0]["p"], -1);
  EXPECT_EQ(s["nodes"][1]["p"], 0);
  EXPECT_EQ(s["nodes"][2]["p"], 1);
  EXPECT_EQ(s["nodes"][2]["y"]["2023"], 1);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < s["rollup_columns"].size(); ++i) col[s["rollup_columns"][i]] = i;
  ASSERT_EQ(s["rollups"]["0"].size(), 1u) << "the city-level twin of a municipality is not a second region";
  EXPECT_EQ(s["rollups"]["0"][0][col["value"]], 90);
  const auto& rate = s["rollups"]["1"][0];
  EXPECT_EQ(rate[col["statistic"]], "mean");
  EXPECT_EQ(rate[col["value"]], 97.5);
  EXPECT_TRUE(rate[col["sum"]].is_null()) << "a rate has no sum";
  // The document hangs under its township.
  std::map<std::string, size_t> dcol;
  for (size_t i = 0; i < s["doc_columns"].size(); ++i) dcol[s["doc_columns"][i]] = i;
  EXPECT_EQ(s["docs"][0][dcol["id"]], "abc123");
  EXPECT_EQ(s["docs"][1][dcol["node"]], -1);  // quarantined, never aggregated
}

}  // namespace
}  // namespace reportflow::cli
