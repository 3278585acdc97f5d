// ServiceEndpoint: a service's HTTP face for operators and orchestrators.
//
//   GET /metrics  the service's Registry in the Prometheus text format
//   GET /healthz  200 while the service loop makes progress (liveness); 503
//                 when the loop has not called Beat() for `stall_seconds`
//   GET /readyz   200 once the service called SetReady(true) (its loop runs and
//                 it takes work); 503 with the reason before that and while
//                 shutting down
//
// The listen address comes from config (<service>.http_listen, "host:port";
// port 0 picks a free port; "off" disables the server). The bound address is
// written to <run_dir>/<instance>.http (url=, service=, instance=, pid= lines,
// written atomically) so `reportflow status --data DIR` and `reportflow run`
// find services on ephemeral ports; a clean stop removes the file, a crash
// leaves it (status then reports the instance as down).
//
// Every endpoint registers reportflow_build_info{service,service_instance,version}
// (not `instance`: Prometheus sets that label itself on every scraped series),
// and /metrics ends with the standard process_* metrics (process_metrics.h).
//
// Lifecycle: Start() binds and serves on its own thread (cpp-httplib, two
// worker threads); the destructor stops the server, joins and removes the run
// file. Thread-safety: every public method is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/base/result.h"
#include "common/metrics/registry.h"

namespace httplib {
class Server;
}

namespace reportflow::metrics {

struct EndpointOptions {
  std::string service;         // ingest, segment, extract, aggregate
  std::string instance;        // ingest, aggregate, segment-0, extract-3 ...
  std::string listen;          // "host:port" | "off"
  std::string run_dir;         // where <instance>.http is written; empty = nowhere
  int64_t stall_seconds = 60;  // /healthz fails after this long without Beat()
};

// Splits "host:port" ("[::1]:9100" for IPv6). InvalidArgument on bad input.
Status ParseListenAddress(std::string_view listen, std::string* host, int* port);

class ServiceEndpoint {
 public:
  static Result<std::unique_ptr<ServiceEndpoint>> Start(const EndpointOptions& options);
  ~ServiceEndpoint();
  ServiceEndpoint(const ServiceEndpoint&) = delete;
  ServiceEndpoint& operator=(const ServiceEndpoint&) = delete;

  Registry& registry() { return registry_; }
  // Readiness as served by /readyz; `reason` is shown when not ready.
  void SetReady(bool ready, std::string_view reason = "");
  // Readiness turns to "shutting down" for good. Async-signal-safe (one
  // atomic store), so Shutdown() may call it from a signal handler.
  void SetStopping() { stopping_.store(true, std::memory_order_relaxed); }
  // Marks loop progress (cheap: one atomic store). Call once per loop turn.
  void Beat();

  // http://host:port of the server ("" when disabled).
  const std::string& url() const { return url_; }
  const std::string& run_file() const { return run_file_; }

  // What /healthz and /readyz answer: ok + text.
  std::pair<bool, std::string> Liveness() const;
  std::pair<bool, std::string> Readiness() const;

 private:
  explicit ServiceEndpoint(EndpointOptions options);
  Status Serve();
  Status WriteRunFile();

  const EndpointOptions options_;
  Registry registry_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> thread_done_{false};
  std::string url_;
  std::string run_file_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> last_beat_ms_{0};
  mutable std::mutex mu_;
  std::string not_ready_reason_;  // guarded by mu_
};

}  // namespace reportflow::metrics
