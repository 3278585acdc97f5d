// Service status for `reportflow status`: finds the services (run files under
// <data>/run, or addresses given with --connect), scrapes their /metrics and
// /readyz, and summarises each as one row (up/down, processed, in flight,
// queued, retries, quarantined, rate).
//
// The parsing and summarising functions are pure (tested without sockets);
// Probe() does the HTTP requests (cpp-httplib, short timeouts).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace reportflow::cli {

// A service to ask.
struct ServiceTarget {
  std::string instance;  // ingest, segment-0 ... (from the run file; else the address)
  std::string service;   // ingest, segment, extract, aggregate ("" until scraped)
  std::string url;       // http://host:port ("" when the service never wrote one)
  std::string note;      // why there is no url
};

// Reads <run_dir>/*.http (url=, service=, instance= lines), sorted by
// instance; adds ingest and aggregate without a url when their file is
// missing (the pipeline needs them, so their absence is news).
std::vector<ServiceTarget> DiscoverServices(const std::string& run_dir);
// "host:port" or "http://host:port" -> a target. InvalidArgument otherwise.
Result<ServiceTarget> TargetFromAddress(const std::string& address);

// One sample of a scrape: metric name, labels, value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
// Parses the text exposition format (comments skipped). InvalidArgument on a
// malformed line (this is the operator tool, not the strict test parser).
Result<std::vector<Sample>> ParseExposition(const std::string& text);

// What one probe of a service saw.
struct Probe {
  bool reachable = false;
  std::string error;             // when not reachable
  bool ready = false;
  std::string readiness;         // the /readyz text
  std::vector<Sample> samples;
  double seconds = 0;            // monotonic time of the scrape
  double now_unix = 0;           // wall time of the scrape
};
Probe ProbeService(const std::string& url, double timeout_seconds);

// One row of `reportflow status`. Unset optionals print as "-" (not
// meaningful for that service).
struct StatusRow {
  std::string instance, service, state, url, detail;
  std::optional<double> processed, in_flight, queued, retries, quarantined, rate;
};
// Summarises a target from one probe, or two (`earlier` taken before `later`:
// the rate is the processed delta over the interval; with one probe, the
// average since process start).
StatusRow Summarize(const ServiceTarget& target, const Probe* earlier, const Probe& later);

}  // namespace reportflow::cli
