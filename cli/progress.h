// Progress of a running batch for `reportflow run`: per-stage counts from
// ingest's BatchStatus against the total the input census counted before the
// batch started (cli/input_census.h: files and bytes), a rate over a sliding
// window, an ETA from that rate, rendered as a redrawn block on a terminal or
// as one plain log line otherwise.
// Pure logic (no I/O, no clock): callers pass the time of each sample.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "cli/input_census.h"
#include "reportflow/pipeline/v1/control.pb.h"

namespace reportflow::cli {

class ProgressTracker {
 public:
  // `window_seconds`: how far back the rate looks.
  explicit ProgressTracker(double window_seconds = 15.0) : window_(window_seconds) {}

  // The inputs counted before the batch (none with --attach when the paths
  // are not visible here): totals known from the start.
  void SetCensus(InputCensus census) { census_ = std::move(census); }

  // Records the status seen at `now_seconds` (any monotonic origin).
  void Add(double now_seconds, const pipeline::v1::BatchStatus& status);

  const pipeline::v1::BatchStatus& last() const { return last_; }
  // Documents finished (complete or quarantined) per second over the window;
  // the whole batch's average while the window holds under a second of samples.
  double Rate() const;
  // The documents the batch will have: ingest's count once its scan is done;
  // before, that count plus one per input item not read yet (from the census;
  // nullopt without a census or when an archive could not be listed).
  std::optional<uint32_t> ExpectedDocuments() const;
  // Seconds until every expected document is finished at the current rate;
  // nullopt while the total is unknown or nothing finished yet.
  std::optional<double> EtaSeconds() const;
  // When to ask for the status again: a quarter of the ETA, between
  // `min_ms` and `max_ms`, so the end of a batch is seen within about
  // `min_ms` while a long batch is asked a few times a second, not fifty
  // (each status costs ingest's loop and the CLI a round trip). `min_ms`
  // while the total or the rate is unknown (the first documents of a batch).
  int NextPollMillis(int min_ms = 20, int max_ms = 250) const;

  // The terminal block: one line per stage, queues, rate and ETA (no trailing newline).
  std::string RenderBlock(int bar_width = 24) const;
  // One line for logs: "progress: segment 64/125 extract 40/125 ...".
  std::string RenderLine() const;

 private:
  // "1234/3000 files, 17.0/41.2 MB" (read by ingest / counted by the census).
  std::string InputsRead() const;

  double window_;
  pipeline::v1::BatchStatus last_;
  std::deque<std::pair<double, uint32_t>> finished_;  // (time, documents finished)
  std::optional<InputCensus> census_;
};

// "0:07", "12:03", "1:02:03".
std::string FormatDuration(double seconds);
// "41.2 MB", "980 KB", "12 B".
std::string FormatBytes(uint64_t bytes);
// "[######------]" filled in proportion to done/total.
std::string Bar(uint32_t done, uint32_t total, int width);

}  // namespace reportflow::cli
