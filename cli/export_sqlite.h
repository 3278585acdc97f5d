// A SQLite database of a data directory (`reportflow export --format sqlite`):
//
//   regions    code (unique), level, name, parent_code -> regions(code), documents
//   documents  doc_id (primary key), every field of `reportflow docs`;
//              township_code, county_code, city_code, province_code -> regions(code)
//   metrics    (doc_id -> documents, metric_index) primary key, every field of
//              `reportflow metrics`; region_code -> regions(code); span as span_begin, span_end
//   rollups    every field of `reportflow aggregates`; region_code -> regions(code)
//
// with indexes for the usual look-ups and views for common questions:
//   metric_by_county_year     a metric's headline value per county and year
//   rates_by_township         rate metrics (mean, median, min, max) per township and year
//   documents_without_place   documents whose township and county are unknown
//   documents_per_region      documents counted in each region, any level
// Foreign keys are enforced while writing. The file is written beside `path`
// and renamed over it when complete.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "cli/data_reader.h"
#include "cli/filters.h"
#include "common/base/status.h"

namespace reportflow::cli {

// Rows written per table name.
using ExportCounts = std::map<std::string, uint64_t>;

Status ExportSqlite(DataReader& reader, const RecordFilter& filter, const std::string& path, ExportCounts* counts);

}  // namespace reportflow::cli
