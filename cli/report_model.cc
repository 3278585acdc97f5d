#include "cli/report_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "cli/records.h"
#include "common/results/section_path.h"
#include "cli/report_html.h"
#include "common/stream/rollup_keys.h"

namespace reportflow::cli {
namespace {

namespace cpb = ::reportflow::common::v1;
namespace epb = ::reportflow::extract::v1;
using nlohmann::ordered_json;

// Region levels from the top, as the page names them.
constexpr cpb::RegionLevel kLevels[] = {cpb::REGION_LEVEL_PROVINCE, cpb::REGION_LEVEL_CITY, cpb::REGION_LEVEL_COUNTY,
                                        cpb::REGION_LEVEL_TOWNSHIP};

int LevelIndex(cpb::RegionLevel level) {
  for (int i = 0; i < 4; ++i) {
    if (kLevels[i] == level) return i;
  }
  return -1;
}

// The columns of a rollup row in the summary, named as in RollupRecord.
const std::vector<std::string>& RollupRowColumns() {
  static const std::vector<std::string> kColumns = {"year", "metric", "reports", "kind", "statistic", "value",
                                                    "unit", "documents", "mentions", "sum", "mean", "median",
                                                    "p90", "min", "max", "coverage"};
  return kColumns;
}

const std::vector<std::string>& DocColumns() {
  static const std::vector<std::string> kColumns = {"id",    "source", "node",     "year", "state",
                                                    "title", "metrics", "findings", "chunk"};
  return kColumns;
}

std::string Num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

std::string MetricValueText(const epb::Metric& m) {
  std::string v = Num(m.value());
  if (m.has_value_max()) v += "–" + Num(m.value_max());
  return v + (m.unit().empty() ? "" : " " + m.unit());
}

std::string SeverityName(epb::Severity s) {
  switch (s) {
    case epb::SEVERITY_INFO: return "info";
    case epb::SEVERITY_WARNING: return "warning";
    case epb::SEVERITY_ERROR: return "error";
    default: return "unspecified";
  }
}

// In the detail's HTML the document's id is written "@" (the page's script puts
// it back: "m-@-3" becomes "m-<doc_id>-3"), which keeps the compressed detail small.
std::string MetricAnchor(const std::string&, int index) { return "m-@-" + std::to_string(index); }

// The document's source: its sentences with metrics (or its whole text), each
// metric's span highlighted and anchored.
std::string SourceHtml(const ReportDocument& d, bool full_text) {
  const auto& c = d.contribution;
  auto title_of = [](int i) { return "#" + std::to_string(i + 1); };
  std::string h;
  if (d.text.empty()) {
    h += "<p class=\"muted\">Stored text unavailable; metric texts only:</p><ul class=\"sentences\">";
    for (int i = 0; i < c.metrics_size(); ++i) {
      h += "<li><mark class=\"q\" id=\"" + MetricAnchor(d.entry.doc_id(), i) + "\">" + HtmlEscape(c.metrics(i).text()) +
           "</mark></li>";
    }
    return h + "</ul>";
  }
  if (full_text) {
    std::vector<Highlight> spans;
    for (int i = 0; i < c.metrics_size(); ++i) {
      const auto& sp = c.metrics(i).span();
      spans.push_back({sp.begin(), sp.end(), MetricAnchor(d.entry.doc_id(), i), title_of(i)});
    }
    return "<div class=\"fulltext\">" + HighlightHtml(d.text, spans) + "</div>";
  }
  // Sentences with metrics, in text order.
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
  h += "<ol class=\"sentences\">";
  for (const auto& [range, idxs] : sentences) {
    std::vector<Highlight> spans;
    for (int i : idxs) {
      const auto& sp = c.metrics(i).span();
      spans.push_back({sp.begin() - range.first, sp.end() - range.first, MetricAnchor(d.entry.doc_id(), i), title_of(i)});
    }
    h += "<li>" + HighlightHtml(d.text.substr(range.first, range.second - range.first), spans) + "</li>";
  }
  for (int i : orphans) {
    h += "<li><mark class=\"q\" id=\"" + MetricAnchor(d.entry.doc_id(), i) + "\">" + HtmlEscape(c.metrics(i).text()) +
         "</mark> <span class=\"muted\">(sentence span unavailable)</span></li>";
  }
  return h + "</ol>";
}

ordered_json DocumentDetail(const ReportDocument& d, bool full_text) {
  const auto& c = d.contribution;
  const auto& meta = c.metadata();
  ordered_json j;
  j["id"] = d.entry.doc_id();
  j["source"] = d.entry.source();
  j["state"] = DocStateName(d.entry.state());
  j["title"] = meta.title();
  std::string place;
  for (const std::string* part : {&meta.province(), &meta.city(), &meta.county(), &meta.township()}) {
    if (!part->empty()) place += (place.empty() ? "" : " ") + *part;
  }
  j["place"] = place;
  j["place_status"] = PlaceStatusName(meta.place().status());
  j["year"] = meta.has_year() ? ordered_json(meta.year()) : ordered_json(nullptr);
  if (!d.entry.last_error().empty()) j["error"] = d.entry.last_error_stage() + ": " + d.entry.last_error();
  ordered_json metrics = ordered_json::array();
  for (int i = 0; i < c.metrics_size(); ++i) {
    const auto& m = c.metrics(i);
    const std::string section = results::JoinedSectionPath(c.sections(), m, " › ");
    metrics.push_back({m.metric_id(), m.subject(), MetricValueText(m), ApproxName(m.approx()), RoleName(m.role()),
                       section});
  }
  j["metric_columns"] = {"metric", "subject", "value", "approx", "role", "section"};
  j["metrics"] = std::move(metrics);
  ordered_json findings = ordered_json::array();
  for (const auto& f : c.findings()) {
    findings.push_back({SeverityName(f.severity()), f.code(), f.message(),
                        std::vector<uint32_t>(f.metric_indexes().begin(), f.metric_indexes().end())});
  }
  j["findings"] = std::move(findings);
  j["html"] = d.has_contribution ? SourceHtml(d, full_text) : "";
  return j;
}

struct Node {
  cpb::RegionLevel level;
  std::string name, code;
  std::set<std::string> written;  // other written forms of the name (traditional spellings ...)
  std::map<int32_t, uint64_t> documents_by_year;
  std::string parent_code;
};

struct MetricInfo {
  std::string zh, en, kind;
  size_t docs = 0;
};

}  // namespace

std::string RegionNodeKey(cpb::RegionLevel level, const std::string& code, const std::string& name) {
  return code.empty() ? "~" + stream::LevelName(level) + ":" + name : code;
}

ReportModel BuildReportModel(const ReportInput& in) {
  ReportModel model;
  // ---- region nodes: the regions `reportflow regions` lists (ReadRegions) ----
  std::map<std::string, Node> nodes;
  for (const RegionRow& row : in.regions) {
    if (LevelIndex(row.level) < 0) continue;
    Node& n = nodes[RegionNodeKey(row.level, row.code, row.name)];
    n.level = row.level;
    n.name = row.name;
    n.code = row.code;
    n.parent_code = row.parent_code;
    for (const auto& [year, count] : row.documents_by_year) n.documents_by_year[year] += count;
  }
  // Written forms from the documents' places, and each document's lowest region.
  std::map<std::string, std::string> doc_node;  // doc_id -> node key
  for (const auto& d : in.documents) {
    if (!d.has_contribution) continue;
    const auto& m = d.contribution.metadata();
    const std::string keys[4] = {
        RegionNodeKey(cpb::REGION_LEVEL_TOWNSHIP, m.township_code(), SimplifiedName(m.township())),
        RegionNodeKey(cpb::REGION_LEVEL_COUNTY, m.county_code(), SimplifiedName(m.county())),
        RegionNodeKey(cpb::REGION_LEVEL_CITY, m.city_code(), SimplifiedName(m.city())),
        RegionNodeKey(cpb::REGION_LEVEL_PROVINCE, m.province_code(), SimplifiedName(m.province()))};
    // As written in the document, and as the place resolver read it.
    const std::string written[4][2] = {{m.township(), m.place().township_written()},
                                       {m.county(), m.place().county_written()},
                                       {m.city(), ""},
                                       {m.province(), ""}};
    for (int i = 0; i < 4; ++i) {
      auto it = nodes.find(keys[i]);
      if (it == nodes.end()) continue;
      doc_node.emplace(d.entry.doc_id(), keys[i]);
      for (const std::string& w : written[i]) {
        if (!w.empty() && w != it->second.name) it->second.written.insert(w);
      }
    }
  }
  // Order: by level from the top, then by code (named-only regions after), then name.
  std::vector<std::string> order;
  for (const auto& [key, n] : nodes) order.push_back(key);
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    const Node& x = nodes[a];
    const Node& y = nodes[b];
    return std::make_tuple(LevelIndex(x.level), x.code.empty(), x.code, x.name) <
           std::make_tuple(LevelIndex(y.level), y.code.empty(), y.code, y.name);
  });
  std::map<std::string, int> index;
  for (size_t i = 0; i < order.size(); ++i) index[order[i]] = static_cast<int>(i);

  // ---- metric catalogue ----
  std::map<std::string, MetricInfo> metrics;
  for (const auto& d : in.documents) {
    std::set<std::string> seen;
    for (const auto& m : d.contribution.metrics()) {
      MetricInfo& info = metrics[m.metric_id()];
      if (info.zh.empty()) info.zh = m.label_zh();
      if (info.en.empty()) info.en = m.label_en();
      if (info.kind.empty()) info.kind = MetricKindName(m.metric_kind());
      if (seen.insert(m.metric_id()).second) ++info.docs;
    }
  }
  for (const auto& r : in.rollups) {
    MetricInfo& info = metrics[r.key().metric_id()];
    if (info.kind.empty()) info.kind = MetricKindName(r.metric_kind());
  }
  std::vector<std::string> metric_order;
  for (const auto& [id, info] : metrics) metric_order.push_back(id);
  std::stable_sort(metric_order.begin(), metric_order.end(),
                   [&](const std::string& a, const std::string& b) { return metrics[a].docs > metrics[b].docs; });
  std::map<std::string, int> metric_index;
  ordered_json catalogue = ordered_json::array();
  for (size_t i = 0; i < metric_order.size(); ++i) {
    const MetricInfo& info = metrics[metric_order[i]];
    metric_index[metric_order[i]] = static_cast<int>(i);
    catalogue.push_back({{"id", metric_order[i]}, {"zh", info.zh}, {"en", info.en}, {"kind", info.kind},
                         {"docs", info.docs}});
  }

  // ---- summary ----
  ordered_json& s = model.summary;
  s["levels"] = ordered_json::array();
  for (cpb::RegionLevel l : kLevels) s["levels"].push_back(stream::LevelName(l));
  s["nodes"] = ordered_json::array();
  for (const std::string& key : order) {
    const Node& n = nodes[key];
    ++model.regions_by_level[LevelIndex(n.level)];
    ordered_json j;
    j["k"] = key;
    j["n"] = n.name.empty() ? "(unknown)" : n.name;
    j["l"] = LevelIndex(n.level);
    j["c"] = n.code;
    // A region without a known parent (one known by name only) hangs at the
    // top of the tree: every region is listed once.
    const auto parent = n.parent_code.empty() ? index.end() : index.find(n.parent_code);
    j["p"] = parent == index.end() ? -1 : parent->second;
    j["w"] = ordered_json(std::vector<std::string>(n.written.begin(), n.written.end()));
    ordered_json years = ordered_json::object();
    for (const auto& [year, count] : n.documents_by_year) years[std::to_string(year)] = count;
    j["y"] = std::move(years);
    s["nodes"].push_back(std::move(j));
  }
  s["rollup_columns"] = RollupRowColumns();
  ordered_json rollups = ordered_json::object();
  for (const auto& r : in.rollups) {
    const auto& k = r.key();
    const auto node = nodes.find(RegionNodeKey(k.level(), k.region_code(), k.region()));
    // Not a listed region (documents without a place), or the city-level twin of a municipality.
    if (node == nodes.end() || node->second.level != k.level()) continue;
    const ordered_json rec = RollupRecord(r);
    ordered_json row = ordered_json::array();
    for (const std::string& col : RollupRowColumns()) {
      if (col == "metric") row.push_back(metric_index[k.metric_id()]);
      else row.push_back(rec[col]);
    }
    rollups[std::to_string(index[RegionNodeKey(k.level(), k.region_code(), k.region())])].push_back(std::move(row));
  }
  s["rollups"] = std::move(rollups);
  s["metrics"] = std::move(catalogue);
  s["doc_columns"] = DocColumns();
  s["docs"] = ordered_json::array();
  const size_t per_chunk = std::max<size_t>(1, in.docs_per_chunk);
  for (size_t i = 0; i < in.documents.size(); ++i) {
    const ReportDocument& d = in.documents[i];
    const auto& meta = d.contribution.metadata();
    auto it = doc_node.find(d.entry.doc_id());
    s["docs"].push_back({d.entry.doc_id(), d.entry.source(), it == doc_node.end() ? -1 : index[it->second],
                         meta.has_year() ? ordered_json(meta.year()) : ordered_json(nullptr),
                         DocStateName(d.entry.state()), meta.title(), d.contribution.metrics_size(),
                         d.contribution.findings_size(), i / per_chunk});
    if (i % per_chunk == 0) model.detail_chunks.push_back(ordered_json::array());
    model.detail_chunks.back().push_back(DocumentDetail(d, in.full_text));
  }
  s["chunks"] = model.detail_chunks.size();
  s["grid_metrics"] = in.grid_metrics;
  return model;
}

}  // namespace reportflow::cli
