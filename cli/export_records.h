// The records `reportflow export` and `reportflow serve` hand out, read once
// from a data directory through the shared filter: documents, metrics (each
// with its index in its document, which `parent` refers to), rollups and
// regions, as the JSON records of cli/records.h; and the audit view
// (cli/audit_data.h): findings, their documents, and coverage.
//
// The filter on the audit tables: a finding is kept when its region or one of
// its documents' regions lies in --region (a township, or the county, city or
// province above it), when its year or one of its documents' years is --year,
// and, with --metric, when it is about a metric of that prefix (near-duplicate
// and missing-filer findings are about no metric). A kept finding lists all
// its documents, also one outside the filter (the other half of a copy).
// Coverage rows are kept by the unit's region and the year; --metric does not
// apply to them.
// Thread-safety: free functions over one DataReader.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "cli/data_reader.h"
#include "cli/filters.h"
#include "common/base/status.h"

namespace reportflow::cli {

enum class RecordTable { kDocuments, kMetrics, kRollups, kRegions, kFindings, kFindingDocuments, kCoverage };
inline constexpr RecordTable kRecordTables[] = {RecordTable::kRegions,  RecordTable::kDocuments,
                                                RecordTable::kMetrics,  RecordTable::kRollups,
                                                RecordTable::kFindings, RecordTable::kFindingDocuments,
                                                RecordTable::kCoverage};
// "documents", "metrics", "rollups", "regions", "findings", "finding_documents", "coverage".
std::string TableName(RecordTable table);
// Every field of the table's records, in order (metrics: metric_index after
// doc_id; findings: finding_id first, the fields of `reportflow findings
// --format csv`; finding_documents: finding_id, position, then each
// document's doc_id, source, year, region, region_code, value, spans;
// coverage: the fields of `reportflow coverage --format csv`).
std::vector<std::string> TableColumns(RecordTable table);

// Calls `fn` with every record of `table` that `filter` keeps, in store order
// (regions: every region; the filter does not apply). finding_id numbers the
// kept findings from 1 in the order `reportflow findings` lists them, the
// same in the findings and finding_documents tables.
Status ForEachRecord(DataReader& reader, const RecordFilter& filter, RecordTable table,
                     const std::function<void(const nlohmann::ordered_json&)>& fn);

}  // namespace reportflow::cli
