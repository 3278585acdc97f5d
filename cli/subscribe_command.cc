// `reportflow subscribe`: prints the aggregate stream (metrics, rollup and
// region changes) and, with --snapshot, converges to the aggregator's state
// (Clone pattern, through reportflow::stream_client) and prints it at the end.
#include <filesystem>
#include <iostream>

#include "cli/audit_records.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/records.h"
#include "common/base/clock.h"
#include "common/config/config_loader.h"
#include "common/stream/stream_client.h"
#include "common/stream/topics.h"

namespace reportflow::cli {
namespace {

namespace apb = ::reportflow::aggregate::v1;
using nlohmann::ordered_json;

struct SubscribeArgs {
  std::string connect, snapshot_endpoint, data, config_path, format = "jsonl";
  std::vector<std::string> topics;
  bool snapshot = false, until_closed = false;
  double until_idle_s = 0;
  double timeout_s = 10;
  double silence_s = 10;
  uint32_t rcvhwm = 0;
};

void Merge(const ordered_json& from, ordered_json* into) {
  for (const auto& [k, v] : from.items()) (*into)[k] = v;
}

ordered_json EventRecord(const std::string& topic, const apb::StreamEvent& e, const stream::StreamState& state) {
  ordered_json r;
  switch (e.event_case()) {
    case apb::StreamEvent::kMetric: {
      r["event"] = "metric";
      r["sequence"] = e.sequence();
      r["topic"] = topic;
      const auto& m = e.metric();
      // An event's metric carries its section path whole.
      AddMetricFields(m.doc_id(), m.source(), m.metadata(), m.metric(), results::SectionHeadings(), &r);
      break;
    }
    case apb::StreamEvent::kRollup: {
      r["event"] = "rollup";
      r["sequence"] = e.sequence();
      r["topic"] = topic;
      apb::Rollup rollup = e.rollup();
      state.FillCoverage(&rollup);
      Merge(RollupRecord(rollup), &r);
      r["removed"] = rollup.count() == 0 && rollup.documents() == 0;
      break;
    }
    case apb::StreamEvent::kRegion: {
      r["event"] = "region";
      r["sequence"] = e.sequence();
      r["topic"] = topic;
      r["level"] = stream::LevelName(e.region().level());
      r["region"] = e.region().region().empty() ? ordered_json("(unknown)") : ordered_json(e.region().region());
      r["year"] = e.region().year() ? ordered_json(e.region().year()) : ordered_json(nullptr);
      r["documents"] = e.region().documents();
      break;
    }
    case apb::StreamEvent::kFinding: {
      r["event"] = "finding";
      r["sequence"] = e.sequence();
      r["topic"] = topic;
      Merge(FindingRecord(e.finding()), &r);
      break;
    }
    default: break;
  }
  return r;
}

int Subscribe(const SubscribeArgs& a) {
  Format fmt;
  Status s = ParseFormat(a.format, &fmt);
  if (!s.ok()) {
    std::cerr << "reportflow subscribe: " << s.message() << "\n";
    return 2;
  }
  if (fmt != Format::kJsonl && !a.snapshot) {
    std::cerr << "reportflow subscribe: the stream is printed as jsonl; csv and table need --snapshot (state only)\n";
    return 2;
  }
  stream::StreamClientOptions options;
  options.publish_endpoint = a.connect;
  options.snapshot_endpoint = a.snapshot_endpoint;
  options.prefixes = a.topics;
  options.snapshot_timeout_ms = static_cast<int>(a.timeout_s * 1000);
  config::v1::PipelineConfig config;
  if (!a.data.empty() || !a.config_path.empty()) {
    // --config: a connect-side config (another host's endpoints and this
    // subscriber's CURVE keys); --data: the effective config of a local run.
    const auto effective = std::filesystem::path(a.data) / "pipeline.yaml";
    const std::string path = !a.config_path.empty() ? a.config_path
                             : std::filesystem::exists(effective) ? effective.string() : "";
    const std::string dir = a.data.empty() ? std::filesystem::temp_directory_path().string() : a.data;
    const std::string abs = std::filesystem::absolute(dir).lexically_normal().string();
    s = config::LoadPipelineConfig(path, abs, {}, &config);
    if (!s.ok()) {
      std::cerr << "reportflow subscribe: " << s.message() << "\n";
      return 2;
    }
    if (options.publish_endpoint.empty()) options.publish_endpoint = config.endpoints().aggregate_publish();
    if (options.snapshot_endpoint.empty()) options.snapshot_endpoint = config.endpoints().aggregate_snapshot();
  } else {
    // Only the default limits are used; the data dir is a placeholder.
    s = config::LoadPipelineConfig("", std::filesystem::temp_directory_path().string(), {}, &config);
    if (!s.ok()) {
      std::cerr << "reportflow subscribe: " << s.message() << "\n";
      return 2;
    }
  }
  if (options.publish_endpoint.empty()) {
    std::cerr << "reportflow subscribe: give --connect ENDPOINT, --config FILE or --data DIR\n";
    return 2;
  }
  if (a.snapshot && options.snapshot_endpoint.empty()) {
    std::cerr << "reportflow subscribe: --snapshot needs --snapshot-endpoint, --config or --data\n";
    return 2;
  }
  options.limits = config.limits();
  options.security = config.security();
  if (a.rcvhwm > 0) options.limits.set_stream_hwm(a.rcvhwm);

  auto client = stream::StreamClient::Connect(options);
  if (!client.ok()) {
    std::cerr << "reportflow subscribe: " << client.status().message() << "\n";
    return 1;
  }
  auto& c = **client;
  const bool jsonl = fmt == Format::kJsonl;
  if (a.snapshot) {
    s = c.Snapshot();
    if (!s.ok()) {
      std::cerr << "reportflow subscribe: " << s.message() << "\n";
      return 1;
    }
    if (jsonl) {
      std::cout << ordered_json{{"event", "snapshot"}, {"sequence", c.state().sequence()},
                                {"rollups", c.state().rollup_count()}}.dump() << "\n";
    }
  }
  const int64_t idle_ms = static_cast<int64_t>(a.until_idle_s * 1000);
  int64_t last_activity = Clock::Real().MonotonicMillis();
  int64_t last_message = last_activity;  // any message, heartbeats included
  bool silent = false;
  while (true) {
    const int64_t now = Clock::Real().MonotonicMillis();
    const int wait = idle_ms > 0 ? static_cast<int>(std::max<int64_t>(1, last_activity + idle_ms - now)) : 1000;
    auto update = c.Next(wait);
    if (!update.ok()) {
      std::cerr << "reportflow subscribe: " << update.status().message() << "\n";
      return 1;
    }
    using Kind = stream::StreamUpdate::Kind;
    if (update->kind == Kind::kEvent || update->kind == Kind::kRepaired) {
      last_activity = Clock::Real().MonotonicMillis();
    }
    if (update->kind != Kind::kTimeout) last_message = Clock::Real().MonotonicMillis();
    // The service heartbeats every second: silence this long means it is gone
    // without its closing heartbeat reaching us.
    if (a.until_closed && Clock::Real().MonotonicMillis() - last_message >= static_cast<int64_t>(a.silence_s * 1000)) {
      silent = true;
      break;
    }
    if (update->kind == Kind::kEvent && jsonl) {
      std::cout << EventRecord(update->topic, update->event, c.state()).dump() << "\n";
    } else if (update->kind == Kind::kRepaired && jsonl) {
      std::cout << ordered_json{{"event", "gap_repaired"}, {"sequence", c.state().sequence()}, {"gaps", c.gaps()}}.dump()
                << "\n";
    }
    if (update->kind == Kind::kClosed) {
      if (jsonl) {
        std::cout << ordered_json{{"event", "closed"}, {"sequence", update->event.sequence()},
                                  {"complete", update->event.sequence() <= c.state().sequence()}}.dump()
                  << "\n";
      }
      if (a.until_closed) break;
    }
    if (idle_ms > 0 && Clock::Real().MonotonicMillis() - last_activity >= idle_ms) break;
  }
  std::cout.flush();
  // Converged only if no heartbeat announced a sequence we have not applied.
  if (silent) {
    std::cerr << "reportflow subscribe: no message for " << a.silence_s
              << " s; the aggregate service stopped without its closing heartbeat reaching us\n";
  }
  const bool converged = c.complete() && !silent;
  std::cerr << "reportflow subscribe: " << (converged ? "converged" : "NOT converged") << " at sequence "
            << c.state().sequence() << " (last heartbeat " << c.last_heartbeat() << ", gaps " << c.gaps()
            << ", snapshots " << c.snapshots() << ")\n";
  if (a.snapshot) {
    RecordWriter out(RollupColumns(fmt == Format::kTable), fmt, std::cout);
    c.state().ForEachRollup([&](const apb::Rollup& r) {
      ordered_json rec = RollupRecord(r);
      if (jsonl) {
        ordered_json tagged{{"event", "state"}};
        Merge(rec, &tagged);
        rec = std::move(tagged);
      }
      out.Add(rec);
    });
    out.Finish();
  }
  return converged ? 0 : 3;
}

}  // namespace

void AddSubscribeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SubscribeArgs>();
  CLI::App* cmd = app.add_subcommand("subscribe", "print the live aggregate stream; with --snapshot, the converged state");
  cmd->add_option("--connect", args->connect, "stream endpoint (endpoints.aggregate_publish)");
  cmd->add_option("--snapshot-endpoint", args->snapshot_endpoint, "snapshot endpoint (endpoints.aggregate_snapshot)");
  cmd->add_option("--data,-d", args->data, "data directory of `reportflow run` (endpoints from DIR/pipeline.yaml)");
  cmd->add_option("--config,-c", args->config_path,
                  "pipeline config with the connect side of the endpoints and, for tcp://, this subscriber's CURVE "
                  "keys (security)");
  cmd->add_option("--topic,-t", args->topics, "topic prefix, e.g. metric.mediation. or agg.county.巫溪县. (repeatable)");
  cmd->add_flag("--snapshot", args->snapshot, "start from a snapshot and print the converged state at the end");
  cmd->add_flag("--until-closed", args->until_closed,
                "exit when the aggregate service stops (it announces its final sequence), or after --silence "
                "seconds without any message");
  cmd->add_option("--silence", args->silence_s, "with --until-closed: seconds without any message, heartbeats "
                  "included, after which the service is presumed gone (exit 3)")->capture_default_str();
  cmd->add_option("--until-idle", args->until_idle_s, "exit after this many seconds without events (0 = never)");
  cmd->add_option("--timeout", args->timeout_s, "seconds to wait for a snapshot")->capture_default_str();
  cmd->add_option("--rcvhwm", args->rcvhwm, "subscriber queue length in messages (default: limits.stream_hwm)");
  cmd->add_option("--format,-f", args->format, "jsonl (stream and state); csv or table (state only, with --snapshot)")
      ->capture_default_str();
  cmd->callback([=] { *exit_code = Subscribe(*args); });
}

}  // namespace reportflow::cli
