// Progress of a running batch for `reportflow run`: per-stage counts from
// ingest's BatchStatus, a rate over a sliding window, an ETA, rendered as a
// redrawn block on a terminal or as one plain log line otherwise.
// Pure logic (no I/O, no clock): callers pass the time of each sample.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "reportflow/pipeline/v1/control.pb.h"

namespace reportflow::cli {

class ProgressTracker {
 public:
  // `window_seconds`: how far back the rate looks.
  explicit ProgressTracker(double window_seconds = 15.0) : window_(window_seconds) {}

  // Records the status seen at `now_seconds` (any monotonic origin).
  void Add(double now_seconds, const pipeline::v1::BatchStatus& status);

  const pipeline::v1::BatchStatus& last() const { return last_; }
  // Documents finished (complete or quarantined) per second over the window;
  // the whole batch's average while the window holds under a second of samples.
  double Rate() const;
  // Seconds until every known document is finished; nullopt while files are
  // still being scanned (the total is not known) or nothing finished yet.
  std::optional<double> EtaSeconds() const;

  // The terminal block: one line per stage, queues, rate and ETA (no trailing newline).
  std::string RenderBlock(int bar_width = 24) const;
  // One line for logs: "progress: segment 64/125 extract 40/125 ...".
  std::string RenderLine() const;

 private:
  double window_;
  pipeline::v1::BatchStatus last_;
  std::deque<std::pair<double, uint32_t>> finished_;  // (time, documents finished)
};

// "0:07", "12:03", "1:02:03".
std::string FormatDuration(double seconds);
// "[######------]" filled in proportion to done/total.
std::string Bar(uint32_t done, uint32_t total, int width);

}  // namespace reportflow::cli
