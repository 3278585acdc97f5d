#include "cli/export_records.h"

#include "cli/records.h"
#include "common/base/macros.h"

namespace reportflow::cli {

std::string TableName(RecordTable table) {
  switch (table) {
    case RecordTable::kDocuments: return "documents";
    case RecordTable::kMetrics: return "metrics";
    case RecordTable::kRollups: return "rollups";
    case RecordTable::kRegions: return "regions";
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
          nlohmann::ordered_json r = MetricRecord(c.doc_id(), c.source(), c.metadata(), c.metrics(i));
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
  }
  return Status::InvalidArgument("unknown table");
}

}  // namespace reportflow::cli
