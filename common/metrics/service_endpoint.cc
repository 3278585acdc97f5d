#include "common/metrics/service_endpoint.h"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/metrics/process_metrics.h"

#ifndef REPORTFLOW_VERSION
#define REPORTFLOW_VERSION "unknown"
#endif

namespace reportflow::metrics {

Status ParseListenAddress(std::string_view listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == listen.size()) {
    return Status::InvalidArgument("listen address '" + std::string(listen) + "' must look like host:port");
  }
  std::string_view h = listen.substr(0, colon);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') {
      return Status::InvalidArgument("listen address '" + std::string(listen) + "': bad IPv6 host");
    }
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return Status::InvalidArgument("listen address '" + std::string(listen) + "': write IPv6 hosts as [addr]:port");
  }
  const std::string_view p = listen.substr(colon + 1);
  int value = -1;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value < 0 || value > 65535) {
    return Status::InvalidArgument("listen address '" + std::string(listen) + "': port must be 0..65535");
  }
  *host = std::string(h);
  *port = value;
  return Status::OK();
}

ServiceEndpoint::ServiceEndpoint(EndpointOptions options) : options_(std::move(options)) {
  not_ready_reason_ = "starting";
}

Result<std::unique_ptr<ServiceEndpoint>> ServiceEndpoint::Start(const EndpointOptions& options) {
  std::unique_ptr<ServiceEndpoint> ep(new ServiceEndpoint(options));
  ep->registry_
      .GetGauge("reportflow_build_info", "Constant 1, labelled with the service, its instance name and version.",
                {{"service", options.service}, {"service_instance", options.instance}, {"version", REPORTFLOW_VERSION}})
      .Set(1);
  if (options.listen == "off") return ep;
  RETURN_IF_ERROR(ep->Serve());
  RETURN_IF_ERROR(ep->WriteRunFile());
  return ep;
}

Status ServiceEndpoint::Serve() {
  std::string host;
  int port = 0;
  RETURN_IF_ERROR(ParseListenAddress(options_.listen, &host, &port));
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server_->set_keep_alive_max_count(100);
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second process bind
  // the same fixed port and silently share scrapes; only SO_REUSEADDR here.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry_.Exposition() + ProcessExposition(), kExpositionContentType);
  });
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    auto [ok, text] = Liveness();
    res.status = ok ? 200 : 503;
    res.set_content(text + "\n", "text/plain; charset=utf-8");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    auto [ok, text] = Readiness();
    res.status = ok ? 200 : 503;
    res.set_content(text + "\n", "text/plain; charset=utf-8");
  });
  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
    if (bound <= 0) return Status::Unavailable("cannot bind HTTP endpoint on " + host + ":0");
  } else if (!server_->bind_to_port(host, port)) {
    return Status::Unavailable("cannot bind HTTP endpoint on " + options_.listen + " (in use?)");
  }
  std::string url_host = host;
  if (host == "0.0.0.0" || host.empty()) url_host = "127.0.0.1";
  if (host == "::") url_host = "::1";
  if (url_host.find(':') != std::string::npos) url_host = "[" + url_host + "]";
  url_ = "http://" + url_host + ":" + std::to_string(bound);
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    thread_done_ = true;
  });
  // stop() only takes effect once the accept loop runs: wait for it (bounded).
  const int64_t deadline = Clock::Real().MonotonicMillis() + 5000;
  while (!server_->is_running() && !thread_done_ && Clock::Real().MonotonicMillis() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_->is_running()) return Status::Unavailable("HTTP endpoint on " + url_ + " did not start");
  return Status::OK();
}

Status ServiceEndpoint::WriteRunFile() {
  if (options_.run_dir.empty()) return Status::OK();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options_.run_dir, ec);
  if (ec) return Status::IoError("cannot create " + options_.run_dir + ": " + ec.message());
  const fs::path final_path = fs::path(options_.run_dir) / (options_.instance + ".http");
  const fs::path tmp = fs::path(options_.run_dir) / (options_.instance + ".http.tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "url=" << url_ << "\nservice=" << options_.service << "\ninstance=" << options_.instance
        << "\npid=" << getpid() << "\n";
    if (!out) return Status::IoError("cannot write " + tmp.string());
  }
  fs::rename(tmp, final_path, ec);
  if (ec) return Status::IoError("cannot write " + final_path.string() + ": " + ec.message());
  run_file_ = final_path.string();
  return Status::OK();
}

ServiceEndpoint::~ServiceEndpoint() {
  if (server_) {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  if (!run_file_.empty()) {
    std::error_code ec;
    std::filesystem::remove(run_file_, ec);
  }
}

void ServiceEndpoint::SetReady(bool ready, std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  not_ready_reason_ = std::string(reason);
  ready_ = ready;
}

void ServiceEndpoint::Beat() { last_beat_ms_.store(Clock::Real().MonotonicMillis(), std::memory_order_relaxed); }

std::pair<bool, std::string> ServiceEndpoint::Liveness() const {
  const int64_t last = last_beat_ms_.load(std::memory_order_relaxed);
  if (last == 0) return {true, "ok: starting"};
  const int64_t age_ms = Clock::Real().MonotonicMillis() - last;
  if (age_ms > options_.stall_seconds * 1000) {
    return {false, "stalled: service loop made no progress for " + std::to_string(age_ms / 1000) + " s"};
  }
  return {true, "ok"};
}

std::pair<bool, std::string> ServiceEndpoint::Readiness() const {
  if (stopping_.load(std::memory_order_relaxed)) return {false, "not ready: shutting down"};
  std::lock_guard<std::mutex> lock(mu_);
  if (ready_) return {true, "ready"};
  return {false, "not ready: " + (not_ready_reason_.empty() ? std::string("unknown") : not_ready_reason_)};
}

}  // namespace reportflow::metrics
