// The data of the HTML report (cli/report_html.h), as the page's script reads
// it: a region tree (province → city → county → township): one node per region
// of ReadRegions (cli/data_reader.h, what `reportflow regions` lists: keyed by
// 12-digit code, else by simplified name), its document counts by year and
// parent from there, and its rollups
// (the records `reportflow aggregates` prints: cli/records.h RollupRecord), the
// metric catalogue, an index of documents, and per-document detail in chunks
// (compressed separately, opened on demand).
//
// Pure: builds JSON from the data given.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/ingest/v1/ingest.pb.h"

namespace reportflow::cli {

struct ReportInput;

struct ReportModel {
  // {"levels": [...], "nodes": [{k,n,l,c,p,w,y}], "rollups": {node: [[...]]},
  //  "rollup_columns": [...], "metrics": [{id,zh,en,kind,docs}], "docs": [[...]], "doc_columns": [...]}
  nlohmann::ordered_json summary;
  // Per-document detail, `docs_per_chunk` documents per chunk, in document order.
  std::vector<nlohmann::ordered_json> detail_chunks;
  // Figures the static sections show.
  size_t regions_by_level[4] = {0, 0, 0, 0};  // province, city, county, township
};

ReportModel BuildReportModel(const ReportInput& input);

// The key of a region node: its 12-digit code (a municipality's code is one
// region), or "~<level>:<name>" for a region known by name only.
std::string RegionNodeKey(common::v1::RegionLevel level, const std::string& code, const std::string& name);

}  // namespace reportflow::cli
