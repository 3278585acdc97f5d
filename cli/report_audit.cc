#include "cli/report_audit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "cli/audit_data.h"
#include "cli/report_html.h"
#include "common/audit/findings.h"
#include "common/base/macros.h"
#include "common/geo/gazetteer.h"

namespace reportflow::cli {
namespace {

std::string Esc(const std::string& s) { return HtmlEscape(s); }

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), v == std::floor(v) && std::fabs(v) < 1e15 ? "%.0f" : "%.2f", v);
  return buf;
}

constexpr char kStyle[] = R"CSS(<style>
.cov-county{margin:.5em 0}.cov-grid{display:flex;flex-wrap:wrap;gap:3px;max-width:60em}
.cov-unit{display:inline-block;min-width:5.5em;padding:2px 4px;font-size:.8em;border-radius:3px;text-align:center}
.cov-unit.filed{background:#2e7d32;color:#fff}.cov-unit.missing{background:#e0e0e0;color:#555;border:1px dashed #999}
tr.finding.hidden{display:none}.jump{color:#b71c1c;font-weight:bold}.audit-filters{margin:.5em 0}
</style>
)CSS";


void CoverageSection(const AuditReportData& d, std::string* h) {
  *h += "<section id=\"audit-coverage\"><h2>Coverage</h2>";
  if (d.coverage.empty()) {
    *h += "<p class=\"muted\">No document placed at a township of the gazetteer.</p></section>\n";
    return;
  }
  *h += "<p>Every reporting unit (乡, 镇, 民族乡, 街道, 苏木) of each county with reports, for the county's latest year: "
        "filed or missing.</p>";
  for (const audit::Coverage& c : d.coverage) {
    for (const audit::CoverageCounty& county : c.counties) {
      *h += "<div class=\"cov-county\" data-county=\"" + Esc(county.code) + "\"><h3>" + Esc(county.city + county.name) +
            " " + std::to_string(c.year) + ": " + std::to_string(county.filed) + " of " +
            std::to_string(county.units) + " filed (" + Num(std::round(county.share() * 100)) +
            "%)</h3><div class=\"cov-grid\">";
      for (const audit::CoverageUnit& u : c.units) {
        if (u.county_code != county.code) continue;
        const bool filed = !u.reports.empty();
        std::string title = u.code + (filed ? ": " + std::to_string(u.reports.size()) + " report(s)" : ": missing");
        for (const auto& r : u.reports) title += "\n" + r.source;
        *h += "<span class=\"cov-unit " + std::string(filed ? "filed" : "missing") + "\" data-code=\"" + Esc(u.code) +
              "\" data-year=\"" + std::to_string(c.year) + "\" title=\"" + Esc(title) + "\">" + Esc(u.name) + "</span>";
      }
      *h += "</div></div>";
    }
  }
  *h += "</section>\n";
}

void FindingsSection(const AuditReportData& d, std::string* h) {
  std::map<std::string, size_t> counts;
  for (const auto& f : d.findings) ++counts[f.kind()];
  *h += "<section id=\"audit-findings\"><h2>Audit findings</h2><p>";
  for (const auto& [kind, n] : counts) *h += Esc(kind) + ": " + std::to_string(n) + " &nbsp; ";
  if (d.findings.empty()) *h += "No findings.";
  *h += "</p><div class=\"audit-filters\"><select id=\"finding-kind\"><option value=\"\">every kind</option>";
  for (const char* k : {audit::kConsistency, audit::kNearDuplicate, audit::kYoyJump, audit::kMissingFiler}) {
    *h += "<option value=\"" + std::string(k) + "\">" + k + "</option>";
  }
  *h += "</select> <input id=\"finding-search\" placeholder=\"region, document, code\"> <span id=\"finding-shown\" "
        "class=\"muted\"></span></div>";
  *h += "<div class=\"scroll\"><table><thead><tr><th>kind</th><th>code</th><th>severity</th><th>region</th><th>year</th>"
        "<th>documents</th><th>detail</th></tr></thead><tbody>";
  size_t shown = 0;
  for (const auto& f : d.findings) {
    if (shown++ >= d.max_rows) break;
    std::string docs;
    for (const auto& doc : f.documents()) {
      docs += (docs.empty() ? "" : "<br>") + Esc(doc.source()) + (doc.year() ? " (" + std::to_string(doc.year()) + ")" : "");
    }
    std::string detail = Esc(f.message());
    if (f.kind() == audit::kNearDuplicate) {
      detail = "similarity " + Num(std::round(f.similarity() * 100)) + "%, " +
               (f.numbers_differ() ? "numbers differ" : "same numbers") + "; " + detail;
    }
    *h += "<tr class=\"finding\" data-kind=\"" + Esc(f.kind()) + "\"><td>" + Esc(f.kind()) + "</td><td>" +
          Esc(f.code()) + "</td><td>" + audit::SeverityName(f.severity()) + "</td><td>" + Esc(f.region()) +
          "</td><td>" + (f.year() ? std::to_string(f.year()) : "") + "</td><td>" + docs + "</td><td>" + detail +
          "</td></tr>";
  }
  *h += "</tbody></table></div>";
  if (d.findings.size() > d.max_rows) {
    *h += "<p class=\"muted\">" + std::to_string(d.max_rows) + " of " + std::to_string(d.findings.size()) +
          " shown; all: <code>reportflow findings</code>.</p>";
  }
  *h += "</section>\n";
}

void YoySection(const AuditReportData& d, std::string* h) {
  *h += "<section id=\"audit-yoy\"><h2>Year over year</h2>";
  if (d.yoy.empty()) {
    *h += "<p class=\"muted\">No township-level values.</p></section>\n";
    return;
  }
  *h += "<p>Each unit's value of a metric beside the year before where both exist (counts summed, rates averaged "
        "over the unit's reports of a year); a jump is flagged.</p><div class=\"scroll\"><table><thead><tr>"
        "<th>township</th><th>metric</th><th>unit</th><th>year</th><th>value</th><th>year before</th>"
        "<th>change</th><th>jump</th></tr></thead><tbody>";
  size_t shown = 0;
  for (const auto& r : d.yoy) {
    if (shown++ >= d.max_rows) break;
    *h += "<tr class=\"yoy\" data-unit=\"" + Esc(r.unit_name) + "\" data-metric=\"" + Esc(r.metric_id) +
          "\" data-year=\"" + std::to_string(r.year) + "\"><td>" + Esc(r.unit_name) + "</td><td>" +
          Esc(r.metric_id) + "</td><td>" + Esc(r.unit) + "</td><td>" + std::to_string(r.year) + "</td><td>" +
          Num(r.value) + "</td><td class=\"prev\">" + (r.previous ? Num(*r.previous) : "") + "</td><td>" +
          (r.change ? Num(*r.change) : "") + "</td><td class=\"" + (r.jump.empty() ? "" : "jump") + "\">" +
          Esc(r.jump) + "</td></tr>";
  }
  *h += "</tbody></table></div>";
  if (d.yoy.size() > d.max_rows) {
    *h += "<p class=\"muted\">" + std::to_string(d.max_rows) + " of " + std::to_string(d.yoy.size()) + " rows shown.</p>";
  }
  *h += "</section>\n";
}

}  // namespace

Status LoadAuditReportData(DataReader& reader, AuditReportData* out) {
  RETURN_IF_ERROR(ForEachFinding(reader, [&](const aggregate::v1::AuditFinding& f) { out->findings.push_back(f); }));
  ASSIGN_OR_RETURN(audit::AuditOptions options, AuditOptionsOf(reader));
  ASSIGN_OR_RETURN(out->yoy, YearOverYearRows(reader, options));
  ASSIGN_OR_RETURN(std::vector<audit::FiledDocument> docs, FiledDocuments(reader));
  std::map<std::string, int> latest;  // county code -> latest year with a placed township report
  for (const auto& d : docs) {
    if (!d.county_code.empty() && !d.township_code.empty() && d.year != 0) {
      latest[d.county_code] = std::max(latest[d.county_code], d.year);
    }
  }
  const geo::Gazetteer& g = geo::Gazetteer::Default();
  for (const auto& [county, year] : latest) {
    auto id = audit::ResolveScope(g, county);
    if (id.ok()) out->coverage.push_back(audit::ComputeCoverage(g, *id, year, docs));
  }
  return Status::OK();
}

void AppendAuditSections(const AuditReportData& data, std::string* html) {
  *html += kStyle;
  CoverageSection(data, html);
  FindingsSection(data, html);
  YoySection(data, html);
}

}  // namespace reportflow::cli
