// Evaluation of extracted metrics against a gold file (tests/testdata/devset
// format, one JSON object per line; see tests/testdata/devset/README.md).
//
// Gold items are located in their report by plain string search (each gold
// `text` occurs exactly once), which gives byte offsets. An extracted metric
// matches a gold item when their spans overlap and (value, unit, approx) are
// equal; matching is one-to-one. Items marked `doubtful` may go either way:
// an unmatched doubtful item is not a miss, and metrics overlapping one are
// neither true nor false positives.
//
//   precision = true positives / (true positives + false positives)
//   recall    = matched non-doubtful gold / non-doubtful gold
//   metric accuracy = matched non-doubtful gold items with `ok_metrics` whose
//                     metric id is one of them / such items (gold_metrics.jsonl)
//
// Pure logic apart from reading the gold file and the reports directory;
// segmentation is injected so this library does not depend on the segment
// service (the CLI passes Segmenter::Segment).
// Thread-safety: free functions without shared state.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "reportflow/common/v1/common.pb.h"
#include "reportflow/extract/v1/extract.pb.h"
#include "reportflow/segment/v1/segment.pb.h"
#include "services/extract/extractor.h"

namespace reportflow::extract {

struct GoldItem {
  std::string file;
  std::string text;  // exact surface span
  double value = 0;
  std::string unit;
  common::v1::Approx approx = common::v1::APPROX_EXACT;
  common::v1::QuantityKind kind = common::v1::QUANTITY_KIND_COUNT;
  std::string subject;
  bool doubtful = false;
  // The metric ids an analyst accepts (gold_metrics.jsonl); empty = not scored.
  std::vector<std::string> ok_metrics;
  int line = 0;        // 1-based line in the gold file
  uint32_t begin = 0;  // byte offsets in the report, set by LocateGold()
  uint32_t end = 0;
};

// One miss or false positive, printable.
struct EvalIssue {
  std::string file;
  std::string text;    // gold text (miss) or metric text (false positive)
  uint32_t begin = 0;  // byte offset in the report
  std::string detail;  // expected vs. found
};

struct FileScore {
  std::string file;
  int gold = 0;               // non-doubtful gold items
  int doubtful = 0;           // doubtful gold items
  int extracted = 0;          // all metrics extracted from the file
  int true_positives = 0;
  int false_positives = 0;
  int misses = 0;
  int neutral = 0;            // metrics on doubtful items
  int metric_scored = 0;      // matched gold items with ok_metrics
  int metric_correct = 0;     // ... whose metric id is acceptable
};

struct EvalReport {
  int gold = 0;
  int doubtful = 0;
  int extracted = 0;
  int true_positives = 0;
  int false_positives = 0;
  int misses = 0;
  int neutral = 0;
  double precision = 1.0;
  double recall = 1.0;
  int metric_scored = 0;
  int metric_correct = 0;
  double metric_accuracy = 1.0;  // metric_correct / metric_scored (1 when nothing is scored)
  std::vector<EvalIssue> metric_errors;  // detail: "ok a|b → got c"
  // (acceptable ids joined by '|', id got) → how often.
  std::map<std::pair<std::string, std::string>, int> confusion;
  std::vector<FileScore> files;  // sorted by file name
  std::vector<EvalIssue> missed;
  std::vector<EvalIssue> false_positive_list;

  // A human-readable multi-line report: totals, per-file table, misses and
  // false positives.
  std::string ToString() const;
};

// Parses gold.jsonl content. Errors name the line; unknown approx/kind values
// and missing fields are errors.
Result<std::vector<GoldItem>> ParseGoldJsonl(std::string_view content);

// Sets begin/end of every item from `texts` (file name -> report text). Errors
// when a file is unknown or a span does not occur exactly once.
Status LocateGold(const std::map<std::string, std::string>& texts, std::vector<GoldItem>* gold);

// Scores located gold items against extraction results (file name -> result).
// Every file in `results` is scored, with or without gold items.
EvalReport Score(const std::vector<GoldItem>& gold, const std::map<std::string, v1::ExtractionResult>& results);

// Segments a report's text (valid UTF-8) into `out`.
using SegmentFn = std::function<Status(std::string_view text, segment::v1::SegmentedDocument* out)>;

// The whole evaluation: reads `gold_path`, every *.txt report in `reports_dir`
// (decoded to UTF-8), segments and extracts each, locates the gold items and
// scores them. This is what `reportflow eval --gold FILE --reports DIR` prints.
Result<EvalReport> EvaluateReports(const std::string& gold_path, const std::string& reports_dir,
                                   const SegmentFn& segment, const Extractor& extractor);

}  // namespace reportflow::extract
