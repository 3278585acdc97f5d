// The batch report of `reportflow report`: one self-contained HTML page
// (inline CSS, JavaScript and SVG; no network access) with totals, tables per
// region and per metric, charts (distribution of key metrics by county, a
// coverage grid of metrics by township), consistency findings, quarantined
// documents, rejected files, and per document the source sentences with each
// metric's span highlighted; every metric links to its sentence (#m-<doc>-<i>).
//
// The page's script renders the charts from an embedded JSON block, then sets
// <body data-render-status="ok" data-charts="N">; a script error sets
// data-render-status="error" and is listed in #js-errors (what the headless
// browser test checks).
//
// Pure: builds a string from the data given; reading the stores is the caller's job.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/ingest/v1/ingest.pb.h"

namespace reportflow::cli {

struct ReportDocument {
  ingest::v1::LedgerEntry entry;
  bool has_contribution = false;
  aggregate::v1::DocContribution contribution;
  std::string text;  // the stored text spans refer to ("" when unavailable)
};

struct ReportInput {
  std::string title = "reportflow batch report";
  std::string data_dir;
  std::string generated_at;  // shown as is
  std::vector<ReportDocument> documents;
  std::vector<ingest::v1::BatchRecord> batches;
  std::vector<std::pair<std::string, ingest::v1::Rejection>> rejections;  // (batch_id, rejection)
  bool full_text = false;    // whole stored text per document, not only the sentences with metrics
  size_t key_metrics = 6;    // metrics in the distribution chart
  size_t grid_metrics = 24;  // metric columns in the coverage grid
};

std::string RenderReportHtml(const ReportInput& input);

// HTML-escapes & < > " '.
std::string HtmlEscape(const std::string& text);
// `text` with [begin,end) spans wrapped in <mark id=...> (spans that overlap an
// earlier one get an empty anchor instead); spans not on UTF-8 boundaries or
// out of range are skipped. Offsets are relative to `text`.
struct Highlight {
  size_t begin = 0, end = 0;
  std::string id, title;
};
std::string HighlightHtml(const std::string& text, std::vector<Highlight> spans);

}  // namespace reportflow::cli
