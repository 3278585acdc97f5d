// `reportflow status [--data DIR | --connect ADDR...]`: for each service, up
// or down, processed, in flight, queued, retries, quarantined and rate, from
// the services' HTTP endpoints (/metrics, /readyz). Local services are found
// through the files they write under <data>/run; remote ones are addressed
// with --connect host:port (repeatable). Exit code: 0 when every service is up
// and ready, 1 when one is down or not ready, 2 on a usage error.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/service_status.h"

namespace reportflow::cli {
namespace {

struct StatusArgs {
  std::string data_dir;
  std::vector<std::string> connect;
  std::string format = "table";
  double interval_s = 1.0;
  double timeout_s = 2.0;
};

nlohmann::ordered_json Value(const std::optional<double>& v) {
  if (!v) return nullptr;
  if (*v == static_cast<double>(static_cast<int64_t>(*v))) return static_cast<int64_t>(*v);
  return std::round(*v * 10) / 10;
}

int RunStatus(const StatusArgs& args) {
  Format format;
  if (Status s = ParseFormat(args.format, &format); !s.ok()) {
    std::cerr << "reportflow status: " << s.message() << "\n";
    return 2;
  }
  if (args.data_dir.empty() == args.connect.empty()) {
    std::cerr << "reportflow status: give --data DIR or --connect ADDR (not both)\n";
    return 2;
  }
  std::vector<ServiceTarget> targets;
  if (!args.data_dir.empty()) {
    if (!std::filesystem::is_directory(args.data_dir)) {
      std::cerr << "reportflow status: no data directory " << args.data_dir << "\n";
      return 2;
    }
    targets = DiscoverServices((std::filesystem::path(args.data_dir) / "run").string());
  } else {
    for (const auto& address : args.connect) {
      auto t = TargetFromAddress(address);
      if (!t.ok()) {
        std::cerr << "reportflow status: " << t.status().message() << "\n";
        return 2;
      }
      targets.push_back(*t);
    }
  }
  // Two probes `interval` apart give a current rate; with --interval 0 one
  // probe gives the average since each process started.
  std::vector<Probe> first(targets.size());
  if (args.interval_s > 0) {
    for (size_t i = 0; i < targets.size(); ++i) {
      if (!targets[i].url.empty()) first[i] = ProbeService(targets[i].url, args.timeout_s);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(args.interval_s * 1000)));
  }
  RecordWriter writer({"service", "instance", "state", "processed", "in_flight", "queued", "retries", "quarantined",
                       "rate", "url", "detail"},
                      format, std::cout);
  bool all_up = true;
  for (size_t i = 0; i < targets.size(); ++i) {
    Probe later;
    if (!targets[i].url.empty()) later = ProbeService(targets[i].url, args.timeout_s);
    const StatusRow row = Summarize(targets[i], args.interval_s > 0 ? &first[i] : nullptr, later);
    all_up &= row.state == "up";
    nlohmann::ordered_json r;
    r["service"] = row.service;
    r["instance"] = row.instance;
    r["state"] = row.state;
    r["processed"] = Value(row.processed);
    r["in_flight"] = Value(row.in_flight);
    r["queued"] = Value(row.queued);
    r["retries"] = Value(row.retries);
    r["quarantined"] = Value(row.quarantined);
    r["rate"] = Value(row.rate);
    r["url"] = row.url;
    r["detail"] = row.detail;
    writer.Add(r);
  }
  writer.Finish();
  return all_up ? 0 : 1;
}

}  // namespace

void AddStatusCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand(
      "status", "each service: up/down, processed, in flight, queued, retries, quarantined, rate (exit 1 if any is down)");
  cmd->add_option("--data,-d", args->data_dir, "data directory of a local pipeline (services found under DIR/run)");
  cmd->add_option("--connect", args->connect, "a service's HTTP endpoint, host:port or http://host:port (repeatable)")
      ->delimiter(',');
  cmd->add_option("--format,-f", args->format, "table, csv or jsonl")->capture_default_str();
  cmd->add_option("--interval", args->interval_s,
                  "seconds between the two scrapes the rate is computed from (0: one scrape, average since start)")
      ->capture_default_str();
  cmd->add_option("--timeout", args->timeout_s, "seconds to wait for each service")->capture_default_str();
  cmd->callback([args, exit_code] { *exit_code = RunStatus(*args); });
}

}  // namespace reportflow::cli
