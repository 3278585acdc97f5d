// Reads what the HTML report shows from a data directory (cli/report_html.h):
// documents with their contributions and stored texts, batches and rejections
// from ingest, every rollup as `aggregates` reads it and every region as
// `regions` lists it (ReadRegions). Stores are opened read-only without a
// lock, so it works while the pipeline runs (a snapshot as of opening).
#pragma once

#include <string>

#include "cli/report_html.h"
#include "common/base/result.h"

namespace reportflow::cli {

struct ReportReadOptions {
  std::string title = "reportflow batch report";
  bool full_text = false;
};

// NotFound when `data_dir` is not a data directory; other errors when a store
// cannot be read. Unreadable stored texts are not an error: their documents
// are shown without sentences and `warning` says so.
Result<ReportInput> ReadReportInput(const std::string& data_dir, const ReportReadOptions& options,
                                    std::string* warning);

// The page of a data directory with the default options, or "" and `error`
// (the shape of query_api.h's ReportRenderer, for `serve`'s /report).
std::string RenderDataDirReport(const std::string& data_dir, std::string* error);

}  // namespace reportflow::cli
