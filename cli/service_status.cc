#include "cli/service_status.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/clock.h"

namespace reportflow::cli {

std::vector<ServiceTarget> DiscoverServices(const std::string& run_dir) {
  std::vector<ServiceTarget> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir, ec)) {
    if (entry.path().extension() != ".http") continue;
    ServiceTarget t;
    t.instance = entry.path().stem().string();
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "url") t.url = value;
      if (key == "service") t.service = value;
      if (key == "instance") t.instance = value;
    }
    if (t.url.empty()) t.note = "run file " + entry.path().string() + " has no url";
    out.push_back(std::move(t));
  }
  for (const char* required : {"ingest", "aggregate"}) {
    const bool found = std::any_of(out.begin(), out.end(), [&](const ServiceTarget& t) { return t.instance == required; });
    if (!found) {
      ServiceTarget t;
      t.instance = required;
      t.service = required;
      t.note = "not running (no " + (std::filesystem::path(run_dir) / (std::string(required) + ".http")).string() + ")";
      out.push_back(std::move(t));
    }
  }
  auto rank = [](const std::string& service) {
    static const char* kOrder[] = {"ingest", "segment", "extract", "aggregate"};
    for (int i = 0; i < 4; ++i) {
      if (service == kOrder[i]) return i;
    }
    return 4;
  };
  std::sort(out.begin(), out.end(), [&](const ServiceTarget& a, const ServiceTarget& b) {
    const int ra = rank(a.service), rb = rank(b.service);
    return ra != rb ? ra < rb : a.instance < b.instance;
  });
  return out;
}

Result<ServiceTarget> TargetFromAddress(const std::string& address) {
  std::string url = address;
  if (url.rfind("http://", 0) != 0) {
    if (url.find("://") != std::string::npos) {
      return Status::InvalidArgument("--connect " + address + ": only http:// endpoints are supported");
    }
    url = "http://" + url;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  const std::string hostport = url.substr(7);
  const size_t colon = hostport.rfind(':');
  if (hostport.empty() || colon == std::string::npos || colon + 1 == hostport.size() ||
      hostport.find('/') != std::string::npos ||
      !std::all_of(hostport.begin() + colon + 1, hostport.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("--connect " + address + ": expected host:port or http://host:port");
  }
  ServiceTarget t;
  t.instance = hostport;
  t.url = url;
  return t;
}

Result<std::vector<Sample>> ParseExposition(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument("metrics line " + std::to_string(lineno) + ": " + why + ": " + line);
    };
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (s.name.empty()) return bad("no metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return bad("bad label");
        const std::string key = line.substr(i, eq - i);
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value.push_back(line[j] == 'n' ? '\n' : line[j]);
          } else {
            value.push_back(line[j]);
          }
        }
        if (j >= line.size()) return bad("unterminated label value");
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return bad("unterminated labels");
      ++i;
    }
    while (i < line.size() && line[i] == ' ') ++i;
    std::string value = line.substr(i);
    if (const size_t sp = value.find(' '); sp != std::string::npos) value = value.substr(0, sp);  // timestamp
    if (value == "+Inf") s.value = HUGE_VAL;
    else if (value == "-Inf") s.value = -HUGE_VAL;
    else if (value == "NaN") s.value = NAN;
    else {
      try {
        size_t used = 0;
        s.value = std::stod(value, &used);
        if (used != value.size()) return bad("bad value");
      } catch (const std::exception&) {
        return bad("bad value");
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Probe ProbeService(const std::string& url, double timeout_seconds) {
  Probe p;
  p.seconds = static_cast<double>(Clock::Real().MonotonicMillis()) / 1000.0;
  p.now_unix = static_cast<double>(Clock::Real().NowMillis()) / 1000.0;
  httplib::Client client(url);
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  auto metrics = client.Get("/metrics");
  if (!metrics) {
    p.error = "unreachable: " + httplib::to_string(metrics.error());
    return p;
  }
  if (metrics->status != 200) {
    p.error = "/metrics answered HTTP " + std::to_string(metrics->status);
    return p;
  }
  auto parsed = ParseExposition(metrics->body);
  if (!parsed.ok()) {
    p.error = parsed.status().message();
    return p;
  }
  p.reachable = true;
  p.samples = std::move(parsed).value();
  auto ready = client.Get("/readyz");
  if (ready) {
    p.ready = ready->status == 200;
    p.readiness = ready->body;
    while (!p.readiness.empty() && p.readiness.back() == '\n') p.readiness.pop_back();
  } else {
    p.readiness = "no answer on /readyz";
  }
  return p;
}

namespace {

// Sum of every sample named `name` (all label sets); nullopt when absent.
std::optional<double> Sum(const Probe& p, const std::string& name) {
  std::optional<double> total;
  for (const auto& s : p.samples) {
    if (s.name == name) total = total.value_or(0) + s.value;
  }
  return total;
}

std::string ServiceOf(const ServiceTarget& target, const Probe& p) {
  for (const auto& s : p.samples) {
    if (s.name == "reportflow_build_info") {
      auto it = s.labels.find("service");
      if (it != s.labels.end()) return it->second;
    }
  }
  if (!target.service.empty()) return target.service;
  const size_t dash = target.instance.find('-');
  return target.instance.substr(0, dash);
}

std::string InstanceOf(const ServiceTarget& target, const Probe& p) {
  for (const auto& s : p.samples) {
    if (s.name == "reportflow_build_info") {
      auto it = s.labels.find("service_instance");
      if (it != s.labels.end() && !it->second.empty()) return it->second;
    }
  }
  return target.instance;
}

}  // namespace

StatusRow Summarize(const ServiceTarget& target, const Probe* earlier, const Probe& later) {
  StatusRow row;
  row.instance = target.instance;
  row.service = target.service;
  row.url = target.url;
  if (target.url.empty()) {
    row.state = "down";
    row.detail = target.note;
    return row;
  }
  if (!later.reachable) {
    row.state = "down";
    row.detail = later.error;
    return row;
  }
  row.service = ServiceOf(target, later);
  row.instance = InstanceOf(target, later);
  row.state = later.ready ? "up" : "not ready";
  row.detail = later.readiness;
  const std::string p = "reportflow_" + row.service + "_";
  std::string processed_name;
  if (row.service == "ingest") {
    processed_name = p + "documents_completed_total";
    row.in_flight = Sum(later, p + "in_flight_documents");
    row.queued = Sum(later, p + "queued_documents");
    row.retries = Sum(later, p + "redispatches_total");
    row.quarantined = Sum(later, p + "documents_quarantined_total");
  } else if (row.service == "segment" || row.service == "extract") {
    processed_name = p + "documents_processed_total";
    row.in_flight = Sum(later, p + "in_progress_documents");
    row.retries = Sum(later, p + "documents_failed_total");
  } else if (row.service == "aggregate") {
    processed_name = p + "documents_applied_total";
    row.retries = Sum(later, p + "apply_failures_total");
  }
  row.processed = Sum(later, processed_name);
  if (row.processed) {
    std::optional<double> before = earlier && earlier->reachable ? Sum(*earlier, processed_name) : std::nullopt;
    if (before && later.seconds > earlier->seconds) {
      row.rate = std::max(0.0, (*row.processed - *before) / (later.seconds - earlier->seconds));
    } else if (auto start = Sum(later, "process_start_time_seconds"); start && later.now_unix > *start) {
      row.rate = *row.processed / (later.now_unix - *start);
    }
  }
  return row;
}

}  // namespace reportflow::cli
