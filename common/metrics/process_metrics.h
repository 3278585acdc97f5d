// The standard process metrics of the Prometheus client libraries
// (https://prometheus.io/docs/instrumenting/writing_clientlibs/#process-metrics),
// read from /proc/self when /metrics is scraped: CPU seconds, resident and
// virtual memory, open and maximum file descriptors, start time.
//
// Thread-safety: free functions, safe from any thread.
#pragma once

#include <optional>
#include <string>

namespace reportflow::metrics {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // since the Unix epoch
  double open_fds = 0;
  double max_fds = 0;             // the soft RLIMIT_NOFILE
};

// This process's figures; nullopt where /proc is unavailable (not Linux).
std::optional<ProcessStats> ReadProcessStats();

// The process_* families in the text exposition format (0.0.4), each with
// HELP and TYPE; empty without /proc.
std::string ProcessExposition();
std::string ProcessExposition(const ProcessStats& stats);

}  // namespace reportflow::metrics
