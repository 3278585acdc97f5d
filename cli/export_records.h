// The records `reportflow export` and `reportflow serve` hand out, read once
// from a data directory through the shared filter: documents, metrics (each
// with its index in its document, which `parent` refers to), rollups and
// regions, as the JSON records of cli/records.h.
// Thread-safety: free functions over one DataReader.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "cli/data_reader.h"
#include "cli/filters.h"
#include "common/base/status.h"

namespace reportflow::cli {

enum class RecordTable { kDocuments, kMetrics, kRollups, kRegions };
inline constexpr RecordTable kRecordTables[] = {RecordTable::kRegions, RecordTable::kDocuments, RecordTable::kMetrics,
                                                RecordTable::kRollups};
// "documents", "metrics", "rollups", "regions".
std::string TableName(RecordTable table);
// Every field of the table's records, in order (metrics: metric_index after doc_id).
std::vector<std::string> TableColumns(RecordTable table);

// Calls `fn` with every record of `table` that `filter` keeps, in store order
// (regions: every region; the filter does not apply).
Status ForEachRecord(DataReader& reader, const RecordFilter& filter, RecordTable table,
                     const std::function<void(const nlohmann::ordered_json&)>& fn);

}  // namespace reportflow::cli
