// `reportflow run PATH... --data DIR`: start the pipeline, feed a batch, wait
// until every document is accounted for, stop, and print the completion report.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/control_client.h"
#include "cli/pipeline_launcher.h"
#include "common/base/clock.h"
#include "common/config/config_loader.h"
#include "common/text/doc_id.h"

namespace reportflow::cli {
namespace {

namespace ppb = ::reportflow::pipeline::v1;
namespace ipb = ::reportflow::ingest::v1;

struct RunArgs {
  std::vector<std::string> paths;
  std::string data_dir;
  std::string config_path;
  std::vector<std::string> overrides;
  int segment_workers = 1;
  int extract_workers = 1;
  std::string batch_id;
  bool quiet = false;
  int timeout_s = 0;
};

std::string Absolute(const std::string& p) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(p, ec);
  return ec ? p : abs.lexically_normal().string();
}

void PrintProgress(const ppb::BatchStatus& st, bool tty) {
  const uint32_t finished = st.completed() + st.quarantined();
  const double rate = st.elapsed_seconds() > 0 ? finished / st.elapsed_seconds() : 0;
  char line[256];
  std::snprintf(line, sizeof(line), "%s files %u  documents %u/%u done  rejected %u  quarantined %u  %.0f docs/s  %.1fs",
                st.scan_done() ? "scanned" : "scanning", st.files_found(), finished, st.documents(), st.rejected(),
                st.quarantined(), rate, st.elapsed_seconds());
  if (tty) {
    std::cerr << "\r\033[K" << line << std::flush;
  } else {
    std::cerr << "reportflow: " << line << "\n";
  }
}

void PrintSummary(const ppb::BatchStatus& st) {
  std::cout << "batch " << st.batch_id() << " complete in " << st.elapsed_seconds() << " s\n";
  std::cout << "  files found        " << st.files_found() << "\n";
  std::cout << "  documents          " << st.documents() << " (" << st.already_complete()
            << " already complete before this batch)\n";
  std::cout << "  processed          " << st.completed() - std::min(st.completed(), st.already_complete()) << "\n";
  std::cout << "  rejected           " << st.rejected() << " (" << st.duplicates() << " duplicates)\n";
  for (const auto& r : st.rejections()) {
    std::cout << "    - " << r.source() << ": " << r.reason() << "\n";
  }
  std::cout << "  quarantined        " << st.quarantined() << "\n";
  for (const auto& q : st.quarantined_documents()) {
    std::cout << "    - " << q.doc_id() << " " << q.source() << ": " << q.last_error_stage() << ": " << q.last_error()
              << "\n";
  }
  std::cout << "  metrics            " << st.metrics() << " (from documents processed in this batch)\n";
}

int Run(const RunArgs& args) {
  config::PipelineConfig cfg;
  Status s = config::LoadPipelineConfig(args.config_path, Absolute(args.data_dir), args.overrides, &cfg);
  if (!s.ok()) {
    std::cerr << "reportflow run: " << s.message() << "\n";
    return 2;
  }
  if (args.segment_workers < 1 || args.extract_workers < 1) {
    std::cerr << "reportflow run: --segment-workers and --extract-workers must be >= 1\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir(), ec);
  const std::string effective = (std::filesystem::path(cfg.data_dir()) / "pipeline.yaml").string();
  {
    std::ofstream out(effective);
    out << "# Effective configuration written by `reportflow run`.\n" << config::ToYaml(cfg);
    if (!out) {
      std::cerr << "reportflow run: cannot write " << effective << "\n";
      return 2;
    }
  }
  LaunchOptions options;
  options.bin_dir = SelfBinDir();
  options.config_path = effective;
  options.segment_workers = args.segment_workers;
  options.extract_workers = args.extract_workers;
  auto launched = PipelineLauncher::Start(cfg, options);
  if (!launched.ok()) {
    std::cerr << "reportflow run: " << launched.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<PipelineLauncher> launcher = std::move(launched).value();

  std::vector<std::string> paths;
  for (const auto& p : args.paths) paths.push_back(Absolute(p));
  std::string batch_id = args.batch_id;
  if (batch_id.empty()) {
    std::string seed = std::to_string(Clock::Real().NowMillis()) + "/" + std::to_string(getpid());
    for (const auto& p : paths) seed += "/" + p;
    batch_id = "batch-" + text::TraceIdFor(seed);
  }
  ControlClient client(cfg.endpoints().ingest_control(), cfg.limits());
  ppb::ControlRequest submit;
  submit.mutable_submit()->set_batch_id(batch_id);
  for (const auto& p : paths) submit.mutable_submit()->add_paths(p);

  const bool tty = isatty(STDERR_FILENO) && !args.quiet;
  const auto start = std::chrono::steady_clock::now();
  auto fail = [&](const std::string& msg) {
    if (tty) std::cerr << "\n";
    std::cerr << "reportflow run: " << msg << "\n";
    Status st = launcher->Stop(std::chrono::milliseconds(10000));
    if (!st.ok()) std::cerr << "reportflow run: " << st.message() << "\n";
    std::cerr << "logs: " << (std::filesystem::path(cfg.data_dir()) / "logs").string() << "\n";
    return 1;
  };

  // Submit (retrying while ingest starts, and across ingest restarts).
  bool submitted = false;
  ppb::BatchStatus last;
  auto last_log = std::chrono::steady_clock::now();
  while (true) {
    Status sup = launcher->Supervise();
    if (!sup.ok()) return fail(sup.message());
    if (args.timeout_s > 0 && std::chrono::steady_clock::now() - start > std::chrono::seconds(args.timeout_s)) {
      return fail("timed out after " + std::to_string(args.timeout_s) + " s (--timeout)");
    }
    ppb::ControlRequest req;
    if (!submitted) {
      req = submit;
    } else {
      req.mutable_status()->set_batch_id(batch_id);
    }
    auto resp = client.Call(req, std::chrono::milliseconds(submitted ? 2000 : 1000));
    if (!resp.ok()) {
      if (resp.status().code() == StatusCode::kDeadlineExceeded) continue;  // ingest (re)starting
      if (submitted && resp.status().message().rfind("unknown batch", 0) == 0) {
        submitted = false;  // ingest restarted and forgot the batch: resubmit (idempotent)
        continue;
      }
      return fail(resp.status().message());
    }
    submitted = true;
    last = resp->status();
    if (!args.quiet) {
      const auto now = std::chrono::steady_clock::now();
      if (tty || now - last_log > std::chrono::seconds(5)) {
        PrintProgress(last, tty);
        last_log = now;
      }
    }
    if (last.done()) break;
    // Wait for the next progress tick, or for a child to exit.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (tty) std::cerr << "\n";
  ppb::ControlRequest final_req;
  final_req.mutable_status()->set_batch_id(batch_id);
  final_req.mutable_status()->set_include_rejections(true);
  auto final_resp = client.Call(final_req, std::chrono::milliseconds(10000));
  if (final_resp.ok()) last = final_resp->status();
  Status stopped = launcher->Stop(std::chrono::milliseconds(15000));
  PrintSummary(last);
  if (!stopped.ok()) {
    std::cerr << "reportflow run: " << stopped.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "start the pipeline, process every report under PATH..., print a report");
  cmd->add_option("paths", args->paths, "report files, folders or archives")->required();
  cmd->add_option("--data,-d", args->data_dir, "data directory (stores, sockets, logs)")->required();
  cmd->add_option("--config,-c", args->config_path, "pipeline config (YAML); default: built-in defaults");
  cmd->add_option("--set", args->overrides, "override a config key, e.g. --set limits.max_file_bytes=1048576");
  cmd->add_option("--segment-workers", args->segment_workers, "segment worker processes")->capture_default_str();
  cmd->add_option("--extract-workers", args->extract_workers, "extract worker processes")->capture_default_str();
  cmd->add_option("--batch-id", args->batch_id, "batch id (default: generated)");
  cmd->add_option("--timeout", args->timeout_s, "give up after this many seconds (0 = never)");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace reportflow::cli
