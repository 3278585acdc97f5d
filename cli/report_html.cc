#include "cli/report_html.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <string_view>

#include "cli/records.h"
#include "cli/report_assets.h"
#include "cli/report_blob.h"
#include "cli/report_model.h"
#include "common/base/macros.h"
#include "common/stream/rollup_keys.h"

namespace reportflow::cli {
namespace {

bool IsBoundary(const std::string& text, size_t pos) {
  return pos == text.size() || (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80);
}

std::string DocLink(const ingest::v1::LedgerEntry& e, const std::string& text) {
  return "<a href=\"#d=" + HtmlEscape(e.doc_id()) + "\">" + HtmlEscape(text) + "</a>";
}

void Card(std::string* h, const std::string& value, const std::string& key, const std::string& cls = "") {
  *h += "<div class=\"card " + cls + "\"><div class=\"v\">" + HtmlEscape(value) + "</div><div class=\"k\">" +
        HtmlEscape(key) + "</div></div>";
}

std::string Td(const std::string& text, bool numeric = false) {
  return std::string(numeric ? "<td class=\"n\">" : "<td>") + HtmlEscape(text) + "</td>";
}

std::string UtcTime(int64_t seconds) {
  const time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// ---- sections (in page order in kSections) ----------------------------------

void TotalsSection(const ReportInput& in, std::string* h) {
  size_t complete = 0, quarantined = 0, quantities = 0, unclassified = 0, findings = 0;
  std::set<std::string> metric_ids;
  for (const auto& d : in.documents) {
    if (d.entry.state() == ingest::v1::DOC_STATE_COMPLETE) ++complete;
    if (d.entry.state() == ingest::v1::DOC_STATE_QUARANTINED) ++quarantined;
    findings += d.contribution.findings_size();
    for (const auto& m : d.contribution.metrics()) {
      ++quantities;
      if (m.metric_id().empty() || m.metric_id() == "unclassified") ++unclassified;
      else metric_ids.insert(m.metric_id());
    }
  }
  const size_t unfinished = in.documents.size() - complete - quarantined;
  size_t rejected = 0;
  for (const auto& b : in.batches) rejected += b.rejected();
  rejected = std::max(rejected, in.rejections.size());
  std::map<common::v1::RegionLevel, size_t> regions;
  for (const RegionRow& row : in.regions) ++regions[row.level];
  *h += "<section id=\"totals\"><h2>Totals</h2><div class=\"cards\">";
  Card(h, std::to_string(in.documents.size()), "documents");
  Card(h, std::to_string(complete), "complete");
  Card(h, std::to_string(quarantined), "quarantined", quarantined ? "err" : "");
  if (unfinished) Card(h, std::to_string(unfinished), "not finished", "warn");
  Card(h, std::to_string(rejected), "files rejected", rejected ? "warn" : "");
  Card(h, std::to_string(quantities), "quantities extracted");
  Card(h, std::to_string(quantities - unclassified), "classified");
  Card(h, std::to_string(metric_ids.size()), "distinct metrics");
  Card(h, std::to_string(findings), "consistency findings", findings ? "warn" : "");
  for (auto level : {common::v1::REGION_LEVEL_PROVINCE, common::v1::REGION_LEVEL_CITY, common::v1::REGION_LEVEL_COUNTY,
                     common::v1::REGION_LEVEL_TOWNSHIP}) {
    Card(h, std::to_string(regions[level]), stream::LevelName(level) + " regions");
  }
  *h += "</div>";
  if (!in.batches.empty()) {
    *h += "<h3>Batches</h3><div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>batch</th><th>started</th>"
          "<th class=\"n\">files</th><th class=\"n\">documents</th><th class=\"n\">already complete</th>"
          "<th class=\"n\">rejected</th><th class=\"n\">duplicates</th><th>paths</th></tr></thead><tbody>";
    for (const auto& b : in.batches) {
      std::string paths;
      for (const auto& p : b.paths()) paths += (paths.empty() ? "" : ", ") + p;
      *h += "<tr>" + Td(b.batch_id()) + Td(b.has_started_at() ? UtcTime(b.started_at().seconds()) : "") +
            Td(std::to_string(b.files_found()), true) + Td(std::to_string(b.documents()), true) +
            Td(std::to_string(b.already_complete()), true) + Td(std::to_string(b.rejected()), true) +
            Td(std::to_string(b.duplicates()), true) + Td(paths) + "</tr>";
    }
    *h += "</tbody></table></div>";
  }
  *h += "</section>\n";
}

// The region explorer: drawn by the script from the summary block.
void ExplorerSection(const ReportInput&, std::string* h) {
  *h += R"HTML(<section id="regions"><h2>Regions</h2>
<div class="controls">
<label>Search <input id="search" type="search" placeholder="region name or code (县/縣 alike)" autocomplete="off"></label>
<label>Year <select id="year"></select></label>
<label>Metric <select id="metric"></select></label>
</div>
<div class="explorer">
<div class="tree-pane"><div id="search-results" hidden></div><ul id="tree" class="tree"></ul></div>
<div class="view" id="view">
<div id="crumbs" class="crumbs"></div>
<div id="region-cards" class="cards"></div>
<h3 id="children-title">Sub-regions</h3>
<p class="muted">Counts (documents, quantities, amounts) are sums over a region's documents; rates are shown
as the mean of the documents' values with their median and range, never summed. Each figure is the rollup
<code>reportflow aggregates</code> prints for that region, year and metric.</p>
<div class="chart" id="chart-children"></div>
<div class="chart" id="chart-coverage"></div>
<div class="scroll"><table id="children" class="sortable"></table></div>
<h3>Rollups of this region</h3>
<div class="scroll"><table id="rollups" class="sortable"></table></div>
<h3>Documents</h3>
<div id="doc-list"></div>
<div id="doc-detail"></div>
</div>
</div>
<noscript>The region explorer needs JavaScript; <code>reportflow aggregates</code> prints the same rollups.</noscript>
</section>
)HTML";
}

void PlacesSection(const ReportInput& in, std::string* h) {
  std::map<std::string, size_t> by_status;
  std::vector<const ReportDocument*> undecided;
  for (const auto& d : in.documents) {
    if (!d.has_contribution) continue;
    const auto& place = d.contribution.metadata().place();
    ++by_status[PlaceStatusName(place.status())];
    if (place.status() == common::v1::PLACE_STATUS_AMBIGUOUS || place.status() == common::v1::PLACE_STATUS_NOT_FOUND) {
      undecided.push_back(&d);
    }
  }
  *h += "<section id=\"places\"><h2>Places</h2><p>";
  for (const auto& [status, n] : by_status) *h += HtmlEscape(status) + " " + std::to_string(n) + " · ";
  *h += "</p>";
  if (undecided.empty()) {
    *h += "<p class=\"muted\">Every placed document was resolved to one unit of the gazetteer.</p></section>\n";
    return;
  }
  *h += "<p class=\"warn\">" + std::to_string(undecided.size()) +
        " document(s) could not be placed with certainty: they count under an unknown region until a scope decides "
        "(<code>reportflow run ... --region</code>).</p><div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
        "<th>document</th><th>status</th><th>unit as written</th><th>candidates</th><th>note</th></tr></thead><tbody>";
  for (const ReportDocument* d : undecided) {
    const auto& meta = d->contribution.metadata();
    std::string candidates;
    for (const auto& c : meta.place().candidates()) {
      candidates += (candidates.empty() ? "" : "<br>") + HtmlEscape(c.province() + c.city() + c.county() + c.township()) +
                    " <span class=\"muted\">" + HtmlEscape(c.code()) + "</span>";
    }
    *h += "<tr><td>" + DocLink(d->entry, d->entry.source()) + "</td>" + Td(PlaceStatusName(meta.place().status())) +
          Td(meta.place().township_written().empty() ? meta.township() : meta.place().township_written()) + "<td>" +
          candidates + "</td>" + Td(meta.place().note()) + "</tr>";
  }
  *h += "</tbody></table></div></section>\n";
}

// Findings by code (the list per document is in its detail).
void FindingsSection(const ReportInput& in, std::string* h) {
  struct Tally {
    std::string severity;
    size_t findings = 0;
    std::vector<const ReportDocument*> docs;
  };
  std::map<std::string, Tally> by_code;
  for (const auto& d : in.documents) {
    std::set<std::string> seen;
    for (const auto& f : d.contribution.findings()) {
      Tally& t = by_code[f.code()];
      t.severity = extract::v1::Severity_Name(f.severity());
      ++t.findings;
      if (seen.insert(f.code()).second) t.docs.push_back(&d);
    }
  }
  *h += "<section id=\"findings\"><h2>Consistency findings</h2>";
  if (by_code.empty()) {
    *h += "<p class=\"muted\">No findings.</p></section>\n";
    return;
  }
  *h += "<p class=\"muted\">Open a document to see each finding with the metrics it concerns.</p><div class=\"scroll\">"
        "<table class=\"sortable\"><thead><tr><th>code</th><th>severity</th><th class=\"n\">findings</th>"
        "<th class=\"n\">documents</th><th>first documents</th></tr></thead><tbody>";
  for (const auto& [code, t] : by_code) {
    std::string links;
    for (size_t i = 0; i < t.docs.size() && i < 5; ++i) {
      const auto& meta = t.docs[i]->contribution.metadata();
      links += DocLink(t.docs[i]->entry, meta.township().empty() ? t.docs[i]->entry.source() : meta.township()) + " ";
    }
    std::string severity = t.severity;
    if (severity.rfind("SEVERITY_", 0) == 0) severity = severity.substr(9);
    std::transform(severity.begin(), severity.end(), severity.begin(), [](unsigned char c) { return std::tolower(c); });
    *h += "<tr>" + Td(code) + "<td class=\"sev-" + HtmlEscape(severity) + "\">" + HtmlEscape(severity) + "</td>" +
          Td(std::to_string(t.findings), true) + Td(std::to_string(t.docs.size()), true) + "<td>" + links + "</td></tr>";
  }
  *h += "</tbody></table></div></section>\n";
}

void QuarantineSection(const ReportInput& in, std::string* h) {
  *h += "<section id=\"quarantine\"><h2>Quarantined documents</h2>";
  std::string rows;
  for (const auto& d : in.documents) {
    if (d.entry.state() != ingest::v1::DOC_STATE_QUARANTINED) continue;
    rows += "<tr><td><code>" + HtmlEscape(d.entry.doc_id()) + "</code></td>" + Td(d.entry.source()) +
            Td(d.entry.last_error_stage()) + Td(std::to_string(d.entry.attempts()), true) + Td(d.entry.last_error()) +
            "</tr>";
  }
  if (rows.empty()) {
    *h += "<p class=\"muted\">None.</p></section>\n";
    return;
  }
  *h += "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>doc</th><th>source</th><th>stage</th>"
        "<th class=\"n\">attempts</th><th>error</th></tr></thead><tbody>" +
        rows + "</tbody></table></div></section>\n";
}

void RejectionsSection(const ReportInput& in, std::string* h) {
  *h += "<section id=\"rejections\"><h2>Rejected files</h2>";
  if (in.rejections.empty()) {
    *h += "<p class=\"muted\">None.</p></section>\n";
    return;
  }
  *h += "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>batch</th><th>source</th><th>reason</th>"
        "</tr></thead><tbody>";
  for (const auto& [batch, r] : in.rejections) *h += "<tr>" + Td(batch) + Td(r.source()) + Td(r.reason()) + "</tr>";
  *h += "</tbody></table></div></section>\n";
}

// A section of the page. A compressed section's HTML is sent gzip-compressed
// (a data block, see cli/report_blob.h) and put in place by the page's script
// on load: for sections whose size grows with the province (one row or cell per
// unit, finding or year pair), so the page stays small.
struct PageSection {
  std::string id;
  ReportSection render;
  bool compressed = false;
};

// The page's sections, in order; the navigation bar links each by its id.
// A new section is one line here.
const std::vector<PageSection>& Sections() {
  static const std::vector<PageSection> kSections = {
      {"totals", TotalsSection},
      {"regions", ExplorerSection},
      {"places", PlacesSection},
      {"findings", FindingsSection},
      {"quarantine", QuarantineSection},
      {"rejections", RejectionsSection},
      {"audit", [](const ReportInput& in, std::string* h) { AppendAuditSections(in.audit, h); },  // cli/report_audit.h
       /*compressed=*/true},
  };
  return kSections;
}

// gzip + base64 of `text` in a <script type="text/plain"> block.
Result<std::string> TextBlock(const std::string& id, std::string_view text) {
  ASSIGN_OR_RETURN(std::string gz, Gzip(text));
  return "<script type=\"text/plain\" id=\"" + id + "\" data-encoding=\"gzip+base64\">" + Base64(gz) + "</script>\n";
}

// A compressed data block (see cli/report_blob.h).
Result<std::string> DataBlock(const std::string& id, const nlohmann::ordered_json& j) {
  return TextBlock(id, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string HighlightHtml(const std::string& text, std::vector<Highlight> spans) {
  std::stable_sort(spans.begin(), spans.end(), [](const Highlight& a, const Highlight& b) { return a.begin < b.begin; });
  std::string out;
  size_t pos = 0;
  for (const auto& h : spans) {
    const bool valid = h.begin < h.end && h.end <= text.size() && IsBoundary(text, h.begin) && IsBoundary(text, h.end);
    if (!valid) continue;
    if (h.begin < pos) {
      // Overlaps an earlier highlight: keep the anchor so links still land here.
      out += "<a id=\"" + HtmlEscape(h.id) + "\" title=\"" + HtmlEscape(h.title) + "\"></a>";
      continue;
    }
    out += HtmlEscape(text.substr(pos, h.begin - pos));
    out += "<mark class=\"q\" id=\"" + HtmlEscape(h.id) + "\"" + (h.title.empty() ? "" : " title=\"" + HtmlEscape(h.title) + "\"") + ">";
    out += HtmlEscape(text.substr(h.begin, h.end - h.begin));
    out += "</mark>";
    pos = h.end;
  }
  out += HtmlEscape(text.substr(pos));
  return out;
}

Result<std::string> RenderReportHtml(const ReportInput& in) {
  const ReportModel model = BuildReportModel(in);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:; connect-src data: blob:\">\n"
       "<title>" + HtmlEscape(in.title) + "</title>\n<style>" + std::string(kReportCss) + "</style>\n<script>" +
       std::string(kReportErrorHookJs) + "</script>\n</head>\n<body data-render-status=\"pending\">\n";
  h += "<header><h1>" + HtmlEscape(in.title) + "</h1><div class=\"meta\">data " + HtmlEscape(in.data_dir) +
       " · generated " + HtmlEscape(in.generated_at) + " · " + std::to_string(in.batches.size()) +
       " batch(es)</div></header>\n<nav>";
  for (const PageSection& s : Sections()) h += "<a href=\"#" + s.id + "\">" + s.id + "</a>";
  h += "</nav>\n<main>\n<ul id=\"js-errors\" hidden></ul>\n";
  std::string compressed_blocks;
  for (const PageSection& s : Sections()) {
    if (!s.compressed) {
      s.render(in, &h);
      continue;
    }
    std::string section_html;
    s.render(in, &section_html);
    ASSIGN_OR_RETURN(std::string block, TextBlock("section-" + s.id, section_html));
    compressed_blocks += block;
    h += "<div id=\"" + s.id + "\" data-section-block=\"section-" + s.id + "\"></div>\n";
  }
  h += "</main>\n" + compressed_blocks;
  ASSIGN_OR_RETURN(std::string summary, DataBlock("report-summary", model.summary));
  h += summary;
  for (size_t i = 0; i < model.detail_chunks.size(); ++i) {
    ASSIGN_OR_RETURN(std::string chunk, DataBlock("report-docs-" + std::to_string(i), model.detail_chunks[i]));
    h += chunk;
  }
  h += "<script>" + std::string(kReportJs) + "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace reportflow::cli
