#include "cli/audit_records.h"

#include <cmath>

#include "common/audit/findings.h"

namespace reportflow::cli {

using nlohmann::ordered_json;

namespace {

ordered_json Rounded(double v, int digits = 4) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out;
}

}  // namespace

ordered_json FindingRecord(const aggregate::v1::AuditFinding& f) {
  ordered_json r;
  r["kind"] = f.kind();
  r["code"] = f.code();
  r["severity"] = audit::SeverityName(f.severity());
  r["region"] = f.region();
  r["region_code"] = f.region_code();
  r["year"] = f.year() == 0 ? ordered_json(nullptr) : ordered_json(f.year());
  r["metric"] = f.metric_id();
  r["similarity"] = f.kind() == audit::kNearDuplicate ? Rounded(f.similarity()) : ordered_json(nullptr);
  r["numbers_differ"] = f.kind() == audit::kNearDuplicate ? ordered_json(f.numbers_differ()) : ordered_json(nullptr);
  const auto& docs = f.documents();
  r["doc_id"] = docs.size() > 0 ? ordered_json(docs[0].doc_id()) : ordered_json(nullptr);
  r["source"] = docs.size() > 0 ? ordered_json(docs[0].source()) : ordered_json(nullptr);
  r["doc_id_2"] = docs.size() > 1 ? ordered_json(docs[1].doc_id()) : ordered_json(nullptr);
  r["source_2"] = docs.size() > 1 ? ordered_json(docs[1].source()) : ordered_json(nullptr);
  r["message"] = f.message();
  ordered_json list = ordered_json::array();
  for (const auto& d : docs) {
    ordered_json j;
    j["doc_id"] = d.doc_id();
    j["source"] = d.source();
    j["year"] = d.year() == 0 ? ordered_json(nullptr) : ordered_json(d.year());
    j["region"] = d.region();
    j["region_code"] = d.region_code();
    if (d.has_value()) j["value"] = d.value();
    ordered_json spans = ordered_json::array();
    for (const auto& s : d.spans()) spans.push_back({s.begin(), s.end()});
    j["spans"] = spans;
    list.push_back(j);
  }
  r["documents"] = list;
  return r;
}

std::vector<std::string> FindingColumns(bool table) {
  if (table) return {"kind", "code", "severity", "region", "year", "similarity", "numbers_differ", "source", "source_2", "message"};
  return {"kind",   "code",    "severity", "region",   "region_code", "year",    "metric",
          "similarity", "numbers_differ", "doc_id", "source", "doc_id_2", "source_2", "message"};
}

ordered_json CoverageUnitRecord(const audit::CoverageUnit& u, int year) {
  ordered_json r;
  r["county"] = u.county;
  r["county_code"] = u.county_code;
  r["township"] = u.name;
  r["code"] = u.code;
  r["unit_type"] = u.unit_type;
  r["year"] = year;
  r["status"] = u.reports.empty() ? "missing" : "filed";
  r["reports"] = u.reports.size();
  std::vector<std::string> ids, sources;
  for (const auto& d : u.reports) {
    ids.push_back(d.doc_id);
    sources.push_back(d.source);
  }
  r["doc_ids"] = Joined(ids);
  r["sources"] = Joined(sources);
  return r;
}

std::vector<std::string> CoverageUnitColumns() {
  return {"county", "county_code", "township", "code", "unit_type", "year", "status", "reports", "doc_ids", "sources"};
}

ordered_json CoverageCountyRecord(const audit::CoverageCounty& c, int year) {
  ordered_json r;
  r["county"] = c.name;
  r["code"] = c.code;
  r["city"] = c.city;
  r["year"] = year;
  r["units"] = c.units;
  r["filed"] = c.filed;
  r["missing"] = c.units - c.filed;
  r["share_filed"] = Rounded(c.share());
  return r;
}

std::vector<std::string> CoverageCountyColumns() {
  return {"county", "code", "city", "year", "units", "filed", "missing", "share_filed"};
}

ordered_json YoyRecord(const audit::YoyRow& row) {
  ordered_json r;
  r["township"] = row.unit_name;
  r["code"] = row.unit_key;
  r["metric"] = row.metric_id;
  r["unit"] = row.unit;
  r["year"] = row.year;
  r["value"] = Rounded(row.value);
  r["previous_year"] = row.previous ? ordered_json(row.year - 1) : ordered_json(nullptr);
  r["previous"] = row.previous ? Rounded(*row.previous) : ordered_json(nullptr);
  r["change"] = row.change ? Rounded(*row.change) : ordered_json(nullptr);
  r["jump"] = row.jump;
  std::vector<std::string> ids, before;
  for (const auto& o : row.current) ids.push_back(o.doc_id);
  for (const auto& o : row.before) before.push_back(o.doc_id);
  r["doc_ids"] = Joined(ids);
  r["previous_doc_ids"] = Joined(before);
  return r;
}

std::vector<std::string> YoyColumns() {
  return {"township", "code", "metric", "unit", "year", "value", "previous_year", "previous", "change", "jump"};
}

}  // namespace reportflow::cli
