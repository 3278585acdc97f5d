#include "cli/report_html.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "cli/records.h"
#include "services/aggregate/document_values.h"

namespace reportflow::cli {
namespace {

namespace epb = ::reportflow::extract::v1;
using nlohmann::ordered_json;

std::string Num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

std::string Pct(double share) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f%%", share * 100);
  return buf;
}

std::string OrUnknown(const std::string& s) { return s.empty() ? "(unknown)" : s; }
std::string DocAnchor(const std::string& doc_id) { return "doc-" + doc_id; }
std::string MetricAnchor(const std::string& doc_id, int index) { return "m-" + doc_id + "-" + std::to_string(index); }

bool IsBoundary(const std::string& text, size_t pos) {
  return pos == text.size() || (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80);
}

std::string StateName(ingest::v1::DocState s) {
  switch (s) {
    case ingest::v1::DOC_STATE_COMPLETE: return "complete";
    case ingest::v1::DOC_STATE_QUARANTINED: return "quarantined";
    case ingest::v1::DOC_STATE_SEGMENTED: return "segmented";
    case ingest::v1::DOC_STATE_INGESTED: return "ingested";
    default: return "unknown";
  }
}

std::string SeverityName(epb::Severity s) {
  switch (s) {
    case epb::SEVERITY_INFO: return "info";
    case epb::SEVERITY_WARNING: return "warning";
    case epb::SEVERITY_ERROR: return "error";
    default: return "unspecified";
  }
}

std::string MetricValueText(const epb::Metric& m) {
  std::string v = Num(m.value());
  if (m.has_value_max()) v += "–" + Num(m.value_max());
  return v + (m.unit().empty() ? "" : " " + m.unit());
}

// One document's value of a metric (aggregate::DocumentValues: one per
// document, in the canonical unit), where it came from.
struct DocPoint {
  double value;
  std::string county, township, href;
};

// Statistics of one metric over the whole report, with the rollups' semantics.
struct MetricSummary {
  std::string label_zh, label_en;
  epb::MetricKind kind = epb::METRIC_KIND_UNSPECIFIED;
  std::set<std::string> docs;
  size_t mentions = 0;
  std::map<std::string, std::vector<DocPoint>> by_unit;  // canonical unit -> document values
  std::vector<std::pair<std::string, int>> examples;  // (doc_id, metric index)
  // The canonical unit most documents report the metric in.
  std::string Unit() const {
    std::string best;
    size_t n = 0;
    for (const auto& [u, points] : by_unit) {
      if (points.size() > n) best = u, n = points.size();
    }
    return best;
  }
  bool Summed() const { return aggregate::StatisticOf(kind) == aggregate::v1::ROLLUP_STATISTIC_SUM; }
};

struct RegionSummary {
  int documents = 0, complete = 0, quarantined = 0, metrics = 0, findings = 0;
  std::set<int> years;
  std::string first_doc;
  std::string city, province;
};

constexpr const char* kCss = R"CSS(
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#f6f7f9; --accent:#2f6fb2; --warn:#b26b00; --err:#b2322f; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif; color:var(--fg); background:var(--bg); }
header { background:#1d2330; color:#fff; padding:18px 28px; }
header h1 { margin:0 0 4px; font-size:22px; }
header .meta { color:#c4cad6; font-size:12px; }
nav { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--line); padding:6px 28px; }
nav a { margin-right:14px; color:var(--accent); text-decoration:none; font-size:13px; }
main { padding:16px 28px 60px; max-width:1400px; }
section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:14px 18px; margin:16px 0; }
h2 { font-size:17px; margin:0 0 10px; }
h3 { font-size:15px; margin:14px 0 6px; }
.cards { display:flex; flex-wrap:wrap; gap:10px; }
.card { border:1px solid var(--line); border-radius:6px; padding:8px 14px; min-width:130px; }
.card .v { font-size:22px; font-weight:600; }
.card .k { color:var(--muted); font-size:12px; }
.card.warn .v { color:var(--warn); } .card.err .v { color:var(--err); }
p.warn { color:var(--warn); }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { border-bottom:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
th { background:#eef1f6; cursor:pointer; user-select:none; white-space:nowrap; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; }
.scroll { overflow-x:auto; }
.muted { color:var(--muted); }
.sev-error { color:var(--err); font-weight:600; } .sev-warning { color:var(--warn); font-weight:600; }
mark.q { background:#ffe58a; padding:0 1px; border-radius:2px; }
mark.q:target, a:target + mark.q { background:#ff9f43; outline:2px solid #e67e22; }
article.doc { border-top:2px solid var(--line); padding-top:8px; margin-top:16px; }
article.doc:target { border-top-color:var(--accent); }
.sentences li { margin:4px 0; }
.fulltext { white-space:pre-wrap; background:#fbfbfc; border:1px solid var(--line); padding:10px; max-height:480px; overflow:auto; }
.chart { margin:8px 0 18px; overflow-x:auto; }
.chart svg text { font-size:11px; fill:var(--fg); }
.chart .axis { stroke:#9aa3b2; stroke-width:1; }
#js-errors { color:var(--err); }
@media print { nav { display:none; } section { break-inside:avoid; } }
)CSS";

// Installed first, so errors of the main script (even syntax errors) are caught.
constexpr const char* kErrorHookJs = R"JS(
(function () {
  function record(msg) {
    var box = document.getElementById('js-errors');
    if (box) { var li = document.createElement('li'); li.textContent = msg; box.appendChild(li); box.hidden = false; }
    else { (window.__rfPendingErrors = window.__rfPendingErrors || []).push(msg); }
    if (document.body) document.body.setAttribute('data-render-status', 'error');
  }
  window.__rfRecordError = record;
  window.addEventListener('error', function (e) { record('error: ' + (e.message || e.type)); });
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
  var original = console.error;
  console.error = function () { record('console.error: ' + Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
})();
)JS";

constexpr const char* kMainJs = R"JS(
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  (window.__rfPendingErrors || []).forEach(function (m) { window.__rfRecordError(m); });
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function tip(e, text) { el('title', {}, e).textContent = text; }
  function fmt(v) {
    if (Math.abs(v) >= 1e6) return v.toExponential(2);
    return String(Math.round(v * 100) / 100);
  }
  function median(xs) {
    var s = xs.slice().sort(function (a, b) { return a - b; });
    var m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  // Small multiples: one panel per key metric, one row per county, a dot per
  // reported quantity (linking to its sentence) and a tick at the median.
  function distribution(host, panels) {
    var drawn = 0;
    panels.forEach(function (p) {
      var left = 150, right = 30, rowH = 24, top = 28, width = 640;
      var height = top + rowH * p.counties.length + 30;
      var all = [];
      p.counties.forEach(function (c) { c.points.forEach(function (pt) { all.push(pt.v); }); });
      var lo = Math.min(0, Math.min.apply(null, all)), hi = Math.max.apply(null, all);
      if (hi === lo) hi = lo + 1;
      var x = function (v) { return left + (v - lo) / (hi - lo) * (width - left - right); };
      var svg = el('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
                            'class': 'rf-chart', 'data-chart': 'distribution' });
      el('text', { x: 0, y: 14, 'font-weight': '600' }, svg).textContent =
          p.label + ' (' + p.metric + ', ' + (p.unit || 'no unit') + ')';
      var axisY = top + rowH * p.counties.length + 4;
      el('line', { x1: left, x2: width - right, y1: axisY, y2: axisY, 'class': 'axis' }, svg);
      [lo, (lo + hi) / 2, hi].forEach(function (t) {
        el('line', { x1: x(t), x2: x(t), y1: axisY, y2: axisY + 4, 'class': 'axis' }, svg);
        el('text', { x: x(t), y: axisY + 16, 'text-anchor': 'middle' }, svg).textContent = fmt(t);
      });
      p.counties.forEach(function (c, row) {
        var cy = top + row * rowH + rowH / 2;
        el('text', { x: left - 8, y: cy + 4, 'text-anchor': 'end' }, svg).textContent =
            c.county + ' (' + c.points.length + ')';
        el('line', { x1: left, x2: width - right, y1: cy, y2: cy, stroke: '#eef1f6' }, svg);
        c.points.forEach(function (pt, i) {
          var a = el('a', { href: pt.href }, svg);
          var dot = el('circle', { cx: x(pt.v), cy: cy + ((i % 5) - 2) * 2, r: 4.5, fill: '#2f6fb2',
                                   'fill-opacity': 0.55, stroke: '#1d4f85' }, a);
          tip(dot, pt.t + ': ' + fmt(pt.v) + ' ' + (p.unit || ''));
        });
        var m = median(c.points.map(function (pt) { return pt.v; }));
        var tick = el('line', { x1: x(m), x2: x(m), y1: cy - 9, y2: cy + 9, stroke: '#b2322f', 'stroke-width': 2 }, svg);
        tip(tick, c.county + ' median ' + fmt(m));
      });
      host.appendChild(svg);
      drawn++;
    });
    return drawn;
  }

  // Rows: townships (grouped by county); columns: metrics; cell shade: quantities reported.
  function coverage(host, grid) {
    if (!grid.metrics.length || !grid.rows.length) return 0;
    var cell = 18, left = 260, top = 150;
    var width = left + cell * grid.metrics.length + 20, height = top + cell * grid.rows.length + 10;
    var max = 1;
    grid.rows.forEach(function (r) { r.cells.forEach(function (n) { if (n > max) max = n; }); });
    var svg = el('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
                          'class': 'rf-chart', 'data-chart': 'coverage' });
    grid.metrics.forEach(function (m, j) {
      var tx = left + j * cell + cell / 2 + 4;
      var t = el('text', { x: tx, y: top - 6, transform: 'rotate(-60 ' + tx + ' ' + (top - 6) + ')' }, svg);
      t.textContent = m.label;
      tip(t, m.id);
    });
    grid.rows.forEach(function (r, i) {
      var y = top + i * cell;
      var a = el('a', { href: r.href }, svg);
      el('text', { x: left - 6, y: y + cell - 5, 'text-anchor': 'end' }, a).textContent = r.county + ' · ' + r.township;
      r.cells.forEach(function (n, j) {
        var light = n ? 85 - 50 * Math.log(1 + n) / Math.log(1 + max) : 96;
        var rect = el('rect', { x: left + j * cell, y: y, width: cell - 2, height: cell - 2, rx: 2,
                                fill: n ? 'hsl(210,65%,' + light + '%)' : '#f1f2f4' }, svg);
        tip(rect, r.township + ' / ' + grid.metrics[j].label + ': ' + (n ? n + ' quantities' : 'not reported'));
      });
    });
    host.appendChild(svg);
    return 1;
  }

  function sortableTables() {
    Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
        th.addEventListener('click', function () {
          var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
          var dir = th.getAttribute('data-dir') === 'asc' ? -1 : 1;
          th.setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');
          rows.sort(function (a, b) {
            var x = a.cells[col].textContent, y = b.cells[col].textContent;
            var nx = parseFloat(x), ny = parseFloat(y);
            if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
            return x.localeCompare(y, 'zh') * dir;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  }

  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = 0;
  var dist = document.getElementById('chart-distribution');
  charts += distribution(dist, data.distribution);
  if (!data.distribution.length) dist.textContent = 'No classified metrics to chart.';
  var cov = document.getElementById('chart-coverage');
  var drawn = coverage(cov, data.coverage);
  if (!drawn) cov.textContent = 'No metrics by region to chart.';
  charts += drawn;
  sortableTables();
  if (document.body.getAttribute('data-render-status') !== 'error') {
    document.body.setAttribute('data-render-status', 'ok');
  }
  document.body.setAttribute('data-charts', String(charts));
})();
)JS";

// JSON for a <script type="application/json"> block: "</" cannot close it.
std::string ScriptSafeJson(const ordered_json& j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

class Html {
 public:
  Html& operator<<(const std::string& raw) {
    out_ += raw;
    return *this;
  }
  Html& Text(const std::string& text) {
    out_ += HtmlEscape(text);
    return *this;
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

void Card(Html& h, const std::string& value, const std::string& key, const std::string& cls = "") {
  h << "<div class=\"card " << cls << "\"><div class=\"v\">" << HtmlEscape(value) << "</div><div class=\"k\">"
    << HtmlEscape(key) << "</div></div>";
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
    out += "<mark class=\"q\" id=\"" + HtmlEscape(h.id) + "\" title=\"" + HtmlEscape(h.title) + "\">";
    out += HtmlEscape(text.substr(h.begin, h.end - h.begin));
    out += "</mark>";
    pos = h.end;
  }
  out += HtmlEscape(text.substr(pos));
  return out;
}

std::string RenderReportHtml(const ReportInput& in) {
  // ---- gather -------------------------------------------------------------
  std::map<std::string, MetricSummary> by_metric;
  std::map<std::pair<std::string, std::string>, RegionSummary> by_region;  // (county, township)
  size_t complete = 0, quarantined = 0, unfinished = 0, quantities = 0, unclassified = 0;
  // Documents whose place is not decided (ambiguous or not in the gazetteer), and counts by status.
  std::map<std::string, size_t> places_by_status;
  std::vector<const ReportDocument*> undecided;
  std::map<std::string, size_t> findings_by_severity;
  size_t findings = 0;
  for (const auto& d : in.documents) {
    const auto state = d.entry.state();
    if (state == ingest::v1::DOC_STATE_COMPLETE) ++complete;
    else if (state == ingest::v1::DOC_STATE_QUARANTINED) ++quarantined;
    else ++unfinished;
    const auto& meta = d.contribution.metadata();
    if (d.has_contribution) {
      ++places_by_status[PlaceStatusName(meta.place().status())];
      if (meta.place().status() == common::v1::PLACE_STATUS_AMBIGUOUS ||
          meta.place().status() == common::v1::PLACE_STATUS_NOT_FOUND) {
        undecided.push_back(&d);
      }
    }
    auto& region = by_region[{OrUnknown(meta.county()), OrUnknown(meta.township())}];
    region.city = meta.city();
    region.province = meta.province();
    ++region.documents;
    if (state == ingest::v1::DOC_STATE_COMPLETE) ++region.complete;
    if (state == ingest::v1::DOC_STATE_QUARANTINED) ++region.quarantined;
    if (region.first_doc.empty()) region.first_doc = d.entry.doc_id();
    if (!d.has_contribution) continue;
    if (meta.has_year()) region.years.insert(meta.year());
    region.metrics += d.contribution.metrics_size();
    region.findings += d.contribution.findings_size();
    findings += d.contribution.findings_size();
    for (const auto& f : d.contribution.findings()) ++findings_by_severity[SeverityName(f.severity())];
    std::map<std::string, int> first_mention;
    for (int i = 0; i < d.contribution.metrics_size(); ++i) {
      const auto& m = d.contribution.metrics(i);
      ++quantities;
      if (m.metric_id() == "unclassified" || m.metric_id().empty()) ++unclassified;
      auto& s = by_metric[m.metric_id()];
      s.label_zh = m.label_zh();
      s.label_en = m.label_en();
      s.docs.insert(d.entry.doc_id());
      ++s.mentions;
      first_mention.emplace(m.metric_id(), i);
      if (s.examples.size() < 3) s.examples.emplace_back(d.entry.doc_id(), i);
    }
    for (const aggregate::DocValue& v : aggregate::DocumentValues(d.contribution.metrics())) {
      if (!std::isfinite(v.value)) continue;
      auto& s = by_metric[v.metric_id];
      s.kind = v.kind;
      s.by_unit[v.unit].push_back({v.value, OrUnknown(meta.county()), OrUnknown(meta.township()),
                                   "#" + MetricAnchor(d.entry.doc_id(), first_mention[v.metric_id])});
    }
  }
  std::set<std::string> counties;
  for (const auto& [key, r] : by_region) counties.insert(key.first);
  size_t rejected = 0;
  for (const auto& b : in.batches) rejected += b.rejected();
  rejected = std::max(rejected, in.rejections.size());

  // Metrics ranked by the documents reporting them (classified only).
  std::vector<std::string> ranked;
  for (const auto& [id, s] : by_metric) {
    if (id != "unclassified" && !id.empty()) ranked.push_back(id);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const std::string& a, const std::string& b) {
    return by_metric[a].docs.size() > by_metric[b].docs.size();
  });

  // ---- chart data ----------------------------------------------------------
  ordered_json data;
  data["distribution"] = ordered_json::array();
  for (size_t k = 0; k < ranked.size() && k < in.key_metrics; ++k) {
    const std::string& id = ranked[k];
    const std::string unit = by_metric[id].Unit();
    std::map<std::string, ordered_json> per_county;
    for (const DocPoint& pt : by_metric[id].by_unit[unit]) {
      per_county[pt.county].push_back({{"v", pt.value}, {"t", pt.township}, {"href", pt.href}});
    }
    if (per_county.empty()) continue;
    ordered_json panel;
    panel["metric"] = id;
    panel["label"] = by_metric[id].label_zh.empty() ? id : by_metric[id].label_zh;
    panel["unit"] = unit;
    panel["counties"] = ordered_json::array();
    for (auto& [county, points] : per_county) panel["counties"].push_back({{"county", county}, {"points", points}});
    data["distribution"].push_back(panel);
  }
  ordered_json grid;
  grid["metrics"] = ordered_json::array();
  std::vector<std::string> grid_ids(ranked.begin(), ranked.begin() + std::min(ranked.size(), in.grid_metrics));
  for (const auto& id : grid_ids) {
    grid["metrics"].push_back({{"id", id}, {"label", by_metric[id].label_zh.empty() ? id : by_metric[id].label_zh}});
  }
  grid["rows"] = ordered_json::array();
  {
    std::map<std::pair<std::string, std::string>, std::map<std::string, int>> counts;
    for (const auto& d : in.documents) {
      if (!d.has_contribution) continue;
      const auto& meta = d.contribution.metadata();
      auto& row = counts[{OrUnknown(meta.county()), OrUnknown(meta.township())}];
      for (const auto& m : d.contribution.metrics()) ++row[m.metric_id()];
    }
    for (const auto& [key, row] : counts) {
      ordered_json cells = ordered_json::array();
      for (const auto& id : grid_ids) {
        auto it = row.find(id);
        cells.push_back(it == row.end() ? 0 : it->second);
      }
      grid["rows"].push_back({{"county", key.first},
                              {"township", key.second},
                              {"href", "#" + DocAnchor(by_region[key].first_doc)},
                              {"cells", cells}});
    }
  }
  data["coverage"] = grid;

  // ---- page ----------------------------------------------------------------
  Html h;
  h << "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">\n"
    << "<title>" << HtmlEscape(in.title) << "</title>\n<style>" << kCss << "</style>\n<script>" << kErrorHookJs
    << "</script>\n</head>\n<body data-render-status=\"pending\">\n";
  h << "<header><h1>" << HtmlEscape(in.title) << "</h1><div class=\"meta\">data " << HtmlEscape(in.data_dir)
    << " · generated " << HtmlEscape(in.generated_at) << " · " << std::to_string(in.batches.size())
    << " batch(es)</div></header>\n";
  h << "<nav><a href=\"#totals\">Totals</a><a href=\"#charts\">Charts</a><a href=\"#places\">Places</a><a href=\"#regions\">Regions</a>"
       "<a href=\"#metrics\">Metrics</a><a href=\"#findings\">Findings</a><a href=\"#quarantine\">Quarantined</a>"
       "<a href=\"#rejections\">Rejected files</a><a href=\"#documents\">Documents</a></nav>\n<main>\n";
  h << "<ul id=\"js-errors\" hidden></ul>\n";

  h << "<section id=\"totals\"><h2>Totals</h2><div class=\"cards\">";
  Card(h, std::to_string(in.documents.size()), "documents");
  Card(h, std::to_string(complete), "complete");
  Card(h, std::to_string(quarantined), "quarantined", quarantined ? "err" : "");
  if (unfinished) Card(h, std::to_string(unfinished), "not finished", "warn");
  Card(h, std::to_string(rejected), "files rejected", rejected ? "warn" : "");
  Card(h, std::to_string(quantities), "quantities extracted");
  Card(h, std::to_string(quantities - unclassified), "classified");
  Card(h, std::to_string(ranked.size()), "distinct metrics");
  Card(h, std::to_string(findings), "consistency findings", findings ? "warn" : "");
  Card(h, std::to_string(counties.size()), "counties");
  Card(h, std::to_string(by_region.size()), "townships");
  h << "</div>";
  if (!in.batches.empty()) {
    h << "<h3>Batches</h3><div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>batch</th><th>started</th>"
         "<th class=\"n\">files</th><th class=\"n\">documents</th><th class=\"n\">already complete</th>"
         "<th class=\"n\">rejected</th><th class=\"n\">duplicates</th><th>paths</th></tr></thead><tbody>";
    for (const auto& b : in.batches) {
      std::string paths;
      for (const auto& p : b.paths()) paths += (paths.empty() ? "" : ", ") + p;
      char started[64] = "";
      if (b.has_started_at()) {
        const time_t t = b.started_at().seconds();
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S UTC", &tm);
      }
      h << "<tr><td>" << HtmlEscape(b.batch_id()) << "</td><td>" << started << "</td><td class=\"n\">"
        << std::to_string(b.files_found()) << "</td><td class=\"n\">" << std::to_string(b.documents())
        << "</td><td class=\"n\">" << std::to_string(b.already_complete()) << "</td><td class=\"n\">"
        << std::to_string(b.rejected()) << "</td><td class=\"n\">" << std::to_string(b.duplicates()) << "</td><td>"
        << HtmlEscape(paths) << "</td></tr>";
    }
    h << "</tbody></table></div>";
  }
  h << "</section>\n";

  h << "<section id=\"charts\"><h2>Charts</h2>"
    << "<h3>Distribution of key metrics by county</h3><p class=\"muted\">One dot per document: its one value of the "
       "metric in the canonical unit (a total over its parts, repeats once; click a dot for its source sentence); the "
       "red tick is the county median.</p>"
    << "<div class=\"chart\" id=\"chart-distribution\"></div>"
    << "<h3>Coverage: metrics reported by township</h3><p class=\"muted\">Darker = more quantities; grey = not "
       "reported. The most widely reported metrics are shown.</p>"
    << "<div class=\"chart\" id=\"chart-coverage\"></div>"
    << "<noscript>The charts need JavaScript; the tables below hold the same data.</noscript></section>\n";

  h << "<section id=\"places\"><h2>Places</h2><p>";
  for (const auto& [status, n] : places_by_status) h << HtmlEscape(status) << " " << std::to_string(n) << " · ";
  h << "</p>";
  if (undecided.empty()) {
    h << "<p class=\"muted\">Every placed document was resolved to one unit of the gazetteer.</p>";
  } else {
    h << "<p class=\"warn\">" << std::to_string(undecided.size())
      << " document(s) could not be placed with certainty: they count under an unknown county until a scope decides "
         "(<code>reportflow run ... --region</code>).</p><div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
         "<th>document</th><th>status</th><th>unit as written</th><th>candidates</th><th>note</th></tr></thead><tbody>";
    for (const ReportDocument* d : undecided) {
      const auto& place = d->contribution.metadata().place();
      std::string candidates;
      for (const auto& c : place.candidates()) {
        candidates += (candidates.empty() ? "" : "<br>") + HtmlEscape(c.province() + c.city() + c.county() + c.township()) +
                      " <span class=\"muted\">" + HtmlEscape(c.code()) + "</span>";
      }
      h << "<tr><td><a href=\"#" << DocAnchor(d->entry.doc_id()) << "\">" << HtmlEscape(d->entry.source())
        << "</a></td><td>" << HtmlEscape(PlaceStatusName(place.status())) << "</td><td>"
        << HtmlEscape(place.township_written().empty() ? d->contribution.metadata().township() : place.township_written())
        << "</td><td>" << candidates << "</td><td>" << HtmlEscape(place.note()) << "</td></tr>";
    }
    h << "</tbody></table></div>";
  }
  h << "</section>\n";

  h << "<section id=\"regions\"><h2>By region</h2><div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
       "<th>province</th><th>city</th><th>county</th><th>township</th><th>years</th><th class=\"n\">documents</th><th class=\"n\">complete</th>"
       "<th class=\"n\">quarantined</th><th class=\"n\">quantities</th><th class=\"n\">findings</th></tr></thead><tbody>";
  for (const auto& [key, r] : by_region) {
    std::string years;
    for (int y : r.years) years += (years.empty() ? "" : ", ") + std::to_string(y);
    h << "<tr><td>" << HtmlEscape(r.province) << "</td><td>" << HtmlEscape(r.city) << "</td><td>"
      << HtmlEscape(key.first) << "</td><td><a href=\"#" << DocAnchor(r.first_doc) << "\">"
      << HtmlEscape(key.second) << "</a></td><td>" << years << "</td><td class=\"n\">" << std::to_string(r.documents)
      << "</td><td class=\"n\">" << std::to_string(r.complete) << "</td><td class=\"n\">"
      << std::to_string(r.quarantined) << "</td><td class=\"n\">" << std::to_string(r.metrics)
      << "</td><td class=\"n\">" << std::to_string(r.findings) << "</td></tr>";
  }
  h << "</tbody></table></div></section>\n";

  h << "<section id=\"metrics\"><h2>By metric</h2><p class=\"muted\">Each document contributes one value per "
       "metric: a stated total wins over its 其中 parts, a repeated figure counts once, targets and year-on-year "
       "changes are left out. <b>value</b> is the sum of those values for counts and amounts, and their mean for "
       "rates (a rate is never summed).</p><div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
       "<th>metric</th><th>label</th><th class=\"n\">documents</th><th class=\"n\">coverage</th>"
       "<th class=\"n\">mentions</th><th>statistic</th><th class=\"n\">value</th><th class=\"n\">min</th>"
       "<th class=\"n\">median</th><th class=\"n\">max</th><th>unit</th><th>sources</th></tr></thead><tbody>";
  std::vector<std::string> metric_rows = ranked;
  if (by_metric.count("unclassified")) metric_rows.push_back("unclassified");
  for (const auto& id : metric_rows) {
    auto& s = by_metric[id];
    const std::string unit = s.Unit();
    std::vector<double> v;
    for (const DocPoint& pt : s.by_unit[unit]) v.push_back(pt.value);
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    // Counts and money: the total of one value per document; rates: their mean, never a sum.
    const double headline = s.Summed() || v.empty() ? sum : sum / static_cast<double>(v.size());
    const double med = v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
    std::string sources;
    for (size_t e = 0; e < s.examples.size(); ++e) {
      sources += "<a href=\"#" + MetricAnchor(s.examples[e].first, s.examples[e].second) + "\">" +
                 std::to_string(e + 1) + "</a> ";
    }
    h << "<tr><td>" << HtmlEscape(id) << "</td><td>" << HtmlEscape(s.label_zh)
      << (s.label_en.empty() ? "" : " <span class=\"muted\">" + HtmlEscape(s.label_en) + "</span>")
      << "</td><td class=\"n\">" << std::to_string(s.docs.size()) << "</td><td class=\"n\">"
      << Pct(complete ? static_cast<double>(s.docs.size()) / complete : 0) << "</td><td class=\"n\">"
      << std::to_string(s.mentions) << "</td><td>" << (s.Summed() ? "sum" : "mean") << "</td><td class=\"n\">"
      << Num(headline) << "</td><td class=\"n\">"
      << Num(v.empty() ? 0 : v.front()) << "</td><td class=\"n\">" << Num(med) << "</td><td class=\"n\">"
      << Num(v.empty() ? 0 : v.back()) << "</td><td>" << HtmlEscape(unit) << "</td><td>" << sources
      << "</td></tr>";
  }
  h << "</tbody></table></div></section>\n";

  h << "<section id=\"findings\"><h2>Consistency findings</h2>";
  if (findings == 0) {
    h << "<p class=\"muted\">No findings.</p>";
  } else {
    h << "<p>";
    for (const auto& [sev, n] : findings_by_severity) h << HtmlEscape(sev) << ": " << std::to_string(n) << " ";
    h << "</p><div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>severity</th><th>code</th><th>county</th>"
         "<th>township</th><th>message</th><th>metrics</th></tr></thead><tbody>";
    for (const auto& d : in.documents) {
      if (!d.has_contribution) continue;
      const auto& meta = d.contribution.metadata();
      for (const auto& f : d.contribution.findings()) {
        const std::string sev = SeverityName(f.severity());
        std::string links;
        for (uint32_t idx : f.metric_indexes()) {
          if (static_cast<int>(idx) >= d.contribution.metrics_size()) continue;
          links += "<a href=\"#" + MetricAnchor(d.entry.doc_id(), static_cast<int>(idx)) + "\">" +
                   HtmlEscape(d.contribution.metrics(static_cast<int>(idx)).text()) + "</a> ";
        }
        h << "<tr><td class=\"sev-" << sev << "\">" << sev << "</td><td>" << HtmlEscape(f.code()) << "</td><td>"
          << HtmlEscape(OrUnknown(meta.county())) << "</td><td><a href=\"#" << DocAnchor(d.entry.doc_id()) << "\">"
          << HtmlEscape(OrUnknown(meta.township())) << "</a></td><td>" << HtmlEscape(f.message()) << "</td><td>"
          << links << "</td></tr>";
      }
    }
    h << "</tbody></table></div>";
  }
  h << "</section>\n";

  h << "<section id=\"quarantine\"><h2>Quarantined documents</h2>";
  if (quarantined == 0) {
    h << "<p class=\"muted\">None.</p>";
  } else {
    h << "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>doc</th><th>source</th><th>stage</th>"
         "<th class=\"n\">attempts</th><th>error</th></tr></thead><tbody>";
    for (const auto& d : in.documents) {
      if (d.entry.state() != ingest::v1::DOC_STATE_QUARANTINED) continue;
      h << "<tr><td><code>" << HtmlEscape(d.entry.doc_id()) << "</code></td><td>" << HtmlEscape(d.entry.source())
        << "</td><td>" << HtmlEscape(d.entry.last_error_stage()) << "</td><td class=\"n\">"
        << std::to_string(d.entry.attempts()) << "</td><td>" << HtmlEscape(d.entry.last_error()) << "</td></tr>";
    }
    h << "</tbody></table></div>";
  }
  h << "</section>\n";

  h << "<section id=\"rejections\"><h2>Rejected files</h2>";
  if (in.rejections.empty()) {
    h << "<p class=\"muted\">None.</p>";
  } else {
    h << "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>batch</th><th>source</th><th>reason</th>"
         "</tr></thead><tbody>";
    for (const auto& [batch, r] : in.rejections) {
      h << "<tr><td>" << HtmlEscape(batch) << "</td><td>" << HtmlEscape(r.source()) << "</td><td>"
        << HtmlEscape(r.reason()) << "</td></tr>";
    }
    h << "</tbody></table></div>";
  }
  h << "</section>\n";

  h << "<section id=\"documents\"><h2>Documents</h2><p class=\"muted\">Each document's metrics, and "
    << (in.full_text ? "its stored text" : "the sentences they come from")
    << ", with every quantity highlighted where it was found (byte spans into the stored text).</p>";
  for (const auto& d : in.documents) {
    const auto& c = d.contribution;
    const auto& meta = c.metadata();
    h << "<article class=\"doc\" id=\"" << DocAnchor(d.entry.doc_id()) << "\"><h3>"
      << HtmlEscape(OrUnknown(meta.township())) << " <span class=\"muted\">" << HtmlEscape(meta.county())
      << (meta.has_year() ? " " + std::to_string(meta.year()) : "") << " · " << StateName(d.entry.state())
      << "</span></h3><div class=\"muted\">" << HtmlEscape(meta.title()) << "<br>doc <code>"
      << HtmlEscape(d.entry.doc_id()) << "</code> · " << HtmlEscape(d.entry.source()) << "</div>";
    if (!d.has_contribution || c.metrics_size() == 0) {
      h << "<p class=\"muted\">No metrics.</p></article>";
      continue;
    }
    h << "<div class=\"scroll\"><table><thead><tr><th>#</th><th>metric</th><th>subject</th><th class=\"n\">value</th>"
         "<th>approx</th><th>text</th><th>section</th></tr></thead><tbody>";
    for (int i = 0; i < c.metrics_size(); ++i) {
      const auto& m = c.metrics(i);
      std::string section;
      for (const auto& s : m.section_path()) section += (section.empty() ? "" : " › ") + s;
      h << "<tr><td><a href=\"#" << MetricAnchor(d.entry.doc_id(), i) << "\">" << std::to_string(i + 1)
        << "</a></td><td>" << HtmlEscape(m.metric_id()) << "</td><td>" << HtmlEscape(m.subject())
        << "</td><td class=\"n\">" << HtmlEscape(MetricValueText(m)) << "</td><td>" << ApproxName(m.approx())
        << "</td><td><a href=\"#" << MetricAnchor(d.entry.doc_id(), i) << "\">" << HtmlEscape(m.text())
        << "</a></td><td>" << HtmlEscape(section) << "</td></tr>";
    }
    h << "</tbody></table></div>";
    auto title_of = [&](int i) {
      const auto& m = c.metrics(i);
      return "#" + std::to_string(i + 1) + " " + m.metric_id() + " = " + MetricValueText(m);
    };
    if (d.text.empty()) {
      h << "<p class=\"muted\">Stored text unavailable; metric texts only:</p><ul class=\"sentences\">";
      for (int i = 0; i < c.metrics_size(); ++i) {
        h << "<li><mark class=\"q\" id=\"" << MetricAnchor(d.entry.doc_id(), i) << "\">" << HtmlEscape(c.metrics(i).text())
          << "</mark></li>";
      }
      h << "</ul></article>";
      continue;
    }
    if (in.full_text) {
      std::vector<Highlight> spans;
      for (int i = 0; i < c.metrics_size(); ++i) {
        const auto& sp = c.metrics(i).span();
        spans.push_back({sp.begin(), sp.end(), MetricAnchor(d.entry.doc_id(), i), title_of(i)});
      }
      h << "<div class=\"fulltext\">" << HighlightHtml(d.text, spans) << "</div></article>";
      continue;
    }
    // Sentences with metrics, in text order; each metric's span highlighted.
    std::map<std::pair<uint32_t, uint32_t>, std::vector<int>> sentences;
    std::vector<int> orphans;
    for (int i = 0; i < c.metrics_size(); ++i) {
      const auto& m = c.metrics(i);
      const auto& ss = m.sentence_span();
      const bool ok = ss.begin() < ss.end() && ss.end() <= d.text.size() && m.span().begin() >= ss.begin() &&
                      m.span().end() <= ss.end();
      if (ok) sentences[{ss.begin(), ss.end()}].push_back(i);
      else orphans.push_back(i);
    }
    h << "<ol class=\"sentences\">";
    for (const auto& [range, idxs] : sentences) {
      std::vector<Highlight> spans;
      for (int i : idxs) {
        const auto& sp = c.metrics(i).span();
        spans.push_back({sp.begin() - range.first, sp.end() - range.first, MetricAnchor(d.entry.doc_id(), i), title_of(i)});
      }
      h << "<li>" << HighlightHtml(d.text.substr(range.first, range.second - range.first), spans) << "</li>";
    }
    for (int i : orphans) {
      h << "<li><mark class=\"q\" id=\"" << MetricAnchor(d.entry.doc_id(), i) << "\">" << HtmlEscape(c.metrics(i).text())
        << "</mark> <span class=\"muted\">(sentence span unavailable)</span></li>";
    }
    h << "</ol></article>";
  }
  h << "</section>\n</main>\n";
  h << "<script type=\"application/json\" id=\"report-data\">" << ScriptSafeJson(data) << "</script>\n";
  h << "<script>" << kMainJs << "</script>\n</body>\n</html>\n";
  return std::move(h.str());
}

}  // namespace reportflow::cli
