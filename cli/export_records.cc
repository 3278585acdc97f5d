#include "cli/export_records.h"

#include "cli/audit_data.h"
#include "cli/audit_records.h"
#include "cli/records.h"
#include "common/base/macros.h"

namespace reportflow::cli {
namespace {

namespace apb = ::reportflow::aggregate::v1;

// A place by name and code: kept when the filter's region is the place or,
// for a 12-digit statistical code, the county, city or province above it.
bool KeepArea(const RecordFilter& filter, const std::string& name, const std::string& code) {
  if (filter.spec().region.empty()) return true;
  if (code.size() == 12) {
    for (size_t digits : {12, 6, 4, 2}) {
      if (filter.KeepRegion("", code.substr(0, digits) + std::string(12 - digits, '0'))) return true;
    }
    return false;
  }
  return filter.KeepRegion(name, "");
}

bool KeepFinding(const RecordFilter& filter, const apb::AuditFinding& f) {
  const FilterSpec& spec = filter.spec();
  if (spec.year != 0) {
    bool year = f.year() == spec.year;
    for (const auto& d : f.documents()) year |= d.year() == spec.year;
    if (!year) return false;
  }
  if (!spec.metric.empty() && (f.metric_id().empty() || !filter.KeepMetricId(f.metric_id()))) return false;
  if (KeepArea(filter, f.region(), f.region_code())) return true;
  for (const auto& d : f.documents()) {
    if (KeepArea(filter, d.region(), d.region_code())) return true;
  }
  return false;
}

// A finding's document as a row of finding_documents.
nlohmann::ordered_json FindingDocumentRecord(int64_t finding_id, int position, const apb::FindingDocument& d) {
  nlohmann::ordered_json r;
  r["finding_id"] = finding_id;
  r["position"] = position;
  r["doc_id"] = d.doc_id();
  r["source"] = d.source();
  r["year"] = d.year() == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(d.year());
  r["region"] = d.region();
  r["region_code"] = d.region_code();
  r["value"] = d.has_value() ? nlohmann::ordered_json(d.value()) : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json spans = nlohmann::ordered_json::array();
  for (const auto& s : d.spans()) spans.push_back({s.begin(), s.end()});
  r["spans"] = spans.dump();  // JSON text in every format: [[begin,end],...] (SQLite: json_each)
  return r;
}

// Findings the filter keeps, numbered from 1.
Status ForEachKeptFinding(DataReader& reader, const RecordFilter& filter,
                          const std::function<void(int64_t, const apb::AuditFinding&)>& fn) {
  int64_t id = 0;
  return ForEachFinding(reader, [&](const apb::AuditFinding& f) {
    if (KeepFinding(filter, f)) fn(++id, f);
  });
}

}  // namespace

std::string TableName(RecordTable table) {
  switch (table) {
    case RecordTable::kDocuments: return "documents";
    case RecordTable::kMetrics: return "metrics";
    case RecordTable::kRollups: return "rollups";
    case RecordTable::kRegions: return "regions";
    case RecordTable::kFindings: return "findings";
    case RecordTable::kFindingDocuments: return "finding_documents";
    case RecordTable::kCoverage: return "coverage";
  }
  return "";
}

std::vector<std::string> TableColumns(RecordTable table) {
  switch (table) {
    case RecordTable::kDocuments: return DocumentColumns(false);
    case RecordTable::kMetrics: {
      std::vector<std::string> columns = MetricColumns(false);
      columns.insert(columns.begin() + 1, "metric_index");
      return columns;
    }
    case RecordTable::kRollups: return RollupColumns(false);
    case RecordTable::kRegions: return RegionColumns();
    case RecordTable::kFindings: {
      std::vector<std::string> columns = FindingColumns(false);
      columns.insert(columns.begin(), "finding_id");
      return columns;
    }
    case RecordTable::kFindingDocuments:
      return {"finding_id", "position", "doc_id", "source", "year", "region", "region_code", "value", "spans"};
    case RecordTable::kCoverage: return CoverageUnitColumns();
  }
  return {};
}

Status ForEachRecord(DataReader& reader, const RecordFilter& filter, RecordTable table,
                     const std::function<void(const nlohmann::ordered_json&)>& fn) {
  switch (table) {
    case RecordTable::kDocuments: {
      static const aggregate::v1::DocContribution kNone;
      return reader.ForEachDocument([&](const ingest::v1::LedgerEntry& e, const aggregate::v1::DocContribution* c) {
        const aggregate::v1::DocContribution& doc = c ? *c : kNone;
        if (filter.KeepDocument(doc.metadata(), doc.metrics())) fn(DocumentRecord(e, c ? &c->metadata() : nullptr));
      });
    }
    case RecordTable::kMetrics:
      return reader.aggregator().ForEachContribution([&](const aggregate::v1::DocContribution& c) {
        if (!filter.KeepPlace(c.metadata())) return;
        for (int i = 0; i < c.metrics_size(); ++i) {
          if (!filter.KeepMetricId(c.metrics(i).metric_id())) continue;
          nlohmann::ordered_json r = MetricRecord(c.doc_id(), c.source(), c.metadata(), c.metrics(i), c.sections());
          nlohmann::ordered_json out;
          for (auto it = r.begin(); it != r.end(); ++it) {
            out[it.key()] = it.value();
            if (it.key() == "doc_id") out["metric_index"] = i;
          }
          fn(out);
        }
      });
    case RecordTable::kRollups:
      return reader.aggregator().ForEachRollup([&](const aggregate::v1::Rollup& r) {
        if (filter.KeepRollup(r.key())) fn(RollupRecord(r));
      });
    case RecordTable::kRegions: {
      ASSIGN_OR_RETURN(std::vector<RegionRow> regions, ReadRegions(reader));
      for (const auto& r : regions) fn(RegionRecord(r));
      return Status::OK();
    }
    case RecordTable::kFindings:
      return ForEachKeptFinding(reader, filter, [&](int64_t id, const apb::AuditFinding& f) {
        nlohmann::ordered_json r = FindingRecord(f);
        r.erase("documents");  // in finding_documents
        nlohmann::ordered_json out;
        out["finding_id"] = id;
        for (auto it = r.begin(); it != r.end(); ++it) out[it.key()] = it.value();
        fn(out);
      });
    case RecordTable::kFindingDocuments:
      return ForEachKeptFinding(reader, filter, [&](int64_t id, const apb::AuditFinding& f) {
        for (int i = 0; i < f.documents_size(); ++i) fn(FindingDocumentRecord(id, i + 1, f.documents(i)));
      });
    case RecordTable::kCoverage:
      return ForEachCountyCoverage(reader, [&](const audit::Coverage& c) {
        if (filter.spec().year != 0 && c.year != filter.spec().year) return;
        for (const auto& u : c.units) {
          if (KeepArea(filter, u.name, u.code)) fn(CoverageUnitRecord(u, c.year));
        }
      });
  }
  return Status::InvalidArgument("unknown table");
}

}  // namespace reportflow::cli
