// The batch report of `reportflow report`: one self-contained HTML page (no
// network access) for a province-scale batch.
//
// The page is made of sections (kSections in report_html.cc, each a function
// that appends one <section>): totals and batches; the region explorer
// (province → city → county → township tree with drill-down, a search box and
// a year filter; per region its rollups, a chart comparing its sub-regions on
// one metric, a coverage grid with a legend, and its documents); places left
// undecided; consistency findings; quarantined documents; rejected files.
//
// Numbers come from the code the query commands use: the region tree and its
// document counts from ReadRegions (cli/data_reader.h), every figure from the
// aggregator's rollups through RollupRecord (cli/records.h), the records
// `reportflow aggregates` prints. Counts are
// summed, rates shown as mean/median/min/max and never summed
// (services/aggregate/README.md).
//
// Data is embedded gzip-compressed (cli/report_blob.h): the summary (tree,
// counts, rollups, document index) in one block, per-document detail (metrics,
// findings, source sentences with each metric's span highlighted, anchors
// #m-<doc>-<i>) in chunks decoded only when a document is opened. The page's
// script and stylesheet are cli/report/*.js|css, compiled in at build time.
//
// The script sets <body data-render-status="ok" data-charts="N"> once the
// explorer is drawn; a script error sets data-render-status="error" and is
// listed in #js-errors (what the headless browser test checks). State is in
// the URL fragment (#r=<region key>&y=<year>&m=<metric>&d=<doc id>&q=<search>),
// so a view can be linked to.
//
// Pure: builds a string from the data given; reading the stores is the caller's job.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cli/data_reader.h"
#include "cli/report_audit.h"
#include "common/base/result.h"
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
  // Every rollup, as `aggregates` reads them (Aggregator::ForEachRollup), and
  // every region, as `regions` lists them (ReadRegions, cli/data_reader.h).
  std::vector<aggregate::v1::Rollup> rollups;
  std::vector<RegionRow> regions;
  bool full_text = false;      // whole stored text per document, not only the sentences with metrics
  size_t docs_per_chunk = 256;  // documents per compressed detail chunk
  size_t grid_metrics = 16;    // metric columns in the coverage grid
  AuditReportData audit;       // coverage, audit findings, year over year (cli/report_audit.h)
};

// One section of the page: appends a <section id=...> to `html`.
using ReportSection = std::function<void(const ReportInput& input, std::string* html)>;

// The page; an error only if the data cannot be compressed.
Result<std::string> RenderReportHtml(const ReportInput& input);

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
