// `reportflow run PATH... --data DIR`: start the pipeline, feed a batch, wait
// until every document is accounted for, stop, and print the completion report.
// Exits 0 only when every input became a document (cli/exit_codes.h).
#include <sys/ioctl.h>
#include <csignal>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "cli/control_client.h"
#include "cli/exit_codes.h"
#include "cli/input_census.h"
#include "cli/data_dir_lock.h"
#include "cli/pipeline_launcher.h"
#include "cli/place_summary.h"
#include "cli/progress.h"
#include "common/base/clock.h"
#include "common/config/config_loader.h"
#include "common/geo/gazetteer.h"
#include "common/service/service.h"
#include "common/storage/store.h"
#include "common/text/doc_id.h"

namespace reportflow::cli {
namespace {

// Status polls: at least this often near the end of a batch, at most this
// rarely otherwise (ProgressTracker::NextPollMillis).
constexpr int kStatusPollMinMillis = 20;
constexpr int kStatusPollMaxMillis = 250;


namespace ppb = ::reportflow::pipeline::v1;
namespace ipb = ::reportflow::ingest::v1;

struct RunArgs {
  std::vector<std::string> paths;
  std::string data_dir;
  std::string config_path;
  std::vector<std::string> overrides;
  std::vector<std::string> regions;  // operator scope for place resolution (segment.region)
  int segment_workers = 1;
  int extract_workers = 1;
  std::string batch_id;
  bool quiet = false;
  int timeout_s = 0;
  int progress_interval_s = 10;  // plain progress lines when stderr is not a terminal
  bool force = false;            // more workers than PipelineLauncher allows by default
  bool attach = false;           // submit to services that run already (other hosts, systemd, Kubernetes)
  bool allow_rejects = false;    // rejected inputs do not make the exit code non-zero
  int connect_timeout_s = 30;    // --attach: give up when ingest has not answered within this
};

std::string Absolute(const std::string& p) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(p, ec);
  return ec ? p : abs.lexically_normal().string();
}

// Live progress: a block redrawn in place on a terminal, else one plain line.
class ProgressView {
 public:
  explicit ProgressView(bool tty) : tty_(tty) {}
  void Show(const ProgressTracker& tracker) {
    if (!tty_) {
      std::cerr << "reportflow: " << tracker.RenderLine() << "\n";
      return;
    }
    // Lines longer than the terminal would wrap and break the redraw: cut them (they are ASCII).
    struct winsize ws {};
    const size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col - 1 : 4096;
    const std::string full = tracker.RenderBlock();
    std::string block;
    for (size_t start = 0;;) {
      const size_t nl = full.find('\n', start);
      block += full.substr(start, std::min(width, (nl == std::string::npos ? full.size() : nl) - start));
      if (nl == std::string::npos) break;
      block += '\n';
      start = nl + 1;
    }
    std::string out;
    out += "\r";
    if (lines_ > 1) out += "\033[" + std::to_string(lines_ - 1) + "A";  // back to the block's first line
    lines_ = 1;
    for (char c : block) {
      if (c == '\n') {
        out += "\033[K\n";
        ++lines_;
      } else {
        out.push_back(c);
      }
    }
    out += "\033[K";
    std::cerr << out << std::flush;
  }
  void Finish() {
    if (tty_ && lines_ > 0) std::cerr << "\n";
    lines_ = 0;
  }

 private:
  bool tty_;
  int lines_ = 0;
};

// The signal that asked `run` to stop (SIGINT, SIGTERM), or 0.
volatile sig_atomic_t g_stop_signal = 0;
void OnStopSignal(int sig) { g_stop_signal = sig; }

// A service that gave up ("... (see <log>)"): the reason it last gave for
// not starting (e.g. "store <path> is damaged ..."), so the message names it.
std::string WithStartError(const std::string& message) {
  const size_t see = message.rfind("(see ");
  const size_t end = see == std::string::npos ? std::string::npos : message.find(".log", see);
  if (end == std::string::npos) return message;
  std::ifstream log(message.substr(see + 5, end + 4 - (see + 5)));
  std::string line, reason;
  while (std::getline(log, line)) {
    const size_t at = line.find("cannot start: ");
    if (at != std::string::npos) reason = line.substr(at + 14);
  }
  return reason.empty() ? message : message + ": " + reason;
}

void PrintSummary(const ppb::BatchStatus& st, bool interrupted = false) {
  if (interrupted) {
    std::cout << "batch " << st.batch_id() << " INTERRUPTED after " << st.elapsed_seconds() << " s (" << st.completed()
              << " of " << st.documents() << " documents done)\n";
  } else {
    std::cout << "batch " << st.batch_id() << " complete in " << st.elapsed_seconds() << " s\n";
  }
  std::cout << "  files found        " << st.files_found() << "\n";
  std::cout << "  documents          " << st.documents() << " (" << st.already_complete()
            << " already complete before this batch)\n";
  std::cout << "  processed          " << st.completed() - std::min(st.completed(), st.already_complete()) << "\n";
  if (st.reprocessed() > 0) {
    std::cout << "  reprocessed        " << st.reprocessed()
              << " documents (complete before, but their results were missing)\n";
    for (const auto& note : st.store_notes()) std::cout << "    - " << note << "\n";
  }
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
  if (st.retries() > 0) std::cout << "  retries            " << st.retries() << " (re-dispatched after a lease expiry or failure)\n";
  if (st.elapsed_seconds() > 0) {
    char rate[64];
    // Documents this batch actually processed (not those complete before it).
    const uint32_t worked = st.completed() - std::min(st.completed(), st.already_complete()) + st.quarantined();
    std::snprintf(rate, sizeof(rate), "%.1f", worked / st.elapsed_seconds());
    std::cout << "  throughput         " << rate << " documents/s\n";
  }
}

// What each service used (the launcher's accounting of its processes):
// sizing for the hosts a batch of this shape will need.
void PrintUsage(const PipelineLauncher& launcher) {
  const char* label = "  services           ";
  for (const ServiceUsage& u : launcher.Usage()) {
    char line[160];
    std::snprintf(line, sizeof(line), "%s %.2f s CPU, %lld MB peak memory", u.instance.c_str(), u.cpu_seconds,
                  static_cast<long long>(u.peak_rss_bytes >> 20));
    std::cout << label << line << "\n";
    label = "                     ";
  }
}

int Run(const RunArgs& args) {
  config::PipelineConfig cfg;
  Status s = config::LoadPipelineConfig(args.config_path, Absolute(args.data_dir), args.overrides, &cfg);
  if (!s.ok()) {
    std::cerr << "reportflow run: " << s.message() << "\n";
    return 2;
  }
  // --region replaces the config's segment.region (the scope places resolve in).
  if (!args.regions.empty()) {
    cfg.mutable_segment()->clear_region();
    for (const std::string& r : args.regions) cfg.mutable_segment()->add_region(r);
  }
  // Fail fast on a scope that names nothing (a typo would silently decide nothing).
  for (const std::string& r : cfg.segment().region()) {
    if (!geo::Gazetteer::Default().IsRegionScope(r)) {
      std::cerr << "reportflow run: --region/segment.region '" << r
                << "' names no province, city or county (use a name such as 重庆市 or 万州区, or a code such as 50)\n";
      return 2;
    }
  }
  // A data dir inside an input folder would ingest the pipeline's own stores and logs.
  for (const auto& p : args.paths) {
    const std::string input = Absolute(p) + "/";
    if ((cfg.data_dir() + "/").rfind(input, 0) == 0) {
      std::cerr << "reportflow run: the data dir " << cfg.data_dir() << " is inside the input " << Absolute(p)
                << "; choose a data dir outside the inputs\n";
      return 2;
    }
  }
  // Count the inputs (names and sizes): a total for progress from the start,
  // and nothing to do when an input does not exist. With --attach the paths are
  // the ingest host's: count them only if they are visible here too. A missing
  // input is found before anything starts; the count itself runs on a thread
  // while the services start (it takes a tenth of a second or more on a large
  // folder, as long as a service takes to start).
  const bool count_inputs = !args.attach || std::all_of(args.paths.begin(), args.paths.end(), [](const std::string& p) {
    std::error_code ec;
    return std::filesystem::exists(p, ec);
  });
  if (count_inputs) {
    const std::vector<std::string> missing = MissingInputs(args.paths);
    if (!missing.empty()) {
      for (const auto& m : missing) std::cerr << "reportflow run: " << m << ": " << kNoSuchPath << "\n";
      std::cerr << "reportflow run: nothing to do (exit " << kExitNothingToDo << ")\n";
      return kExitNothingToDo;
    }
  }
  if (args.segment_workers < 1 || args.extract_workers < 1) {
    std::cerr << "reportflow run: --segment-workers and --extract-workers must be >= 1\n";
    return 2;
  }
  auto lock = DataDirLock::Acquire(cfg.data_dir());  // one owner per data dir, held until run exits
  if (!lock.ok()) {
    std::cerr << "reportflow run: " << lock.status().message() << "\n";
    return kExitFailure;
  }
  std::error_code ec;
  const std::string effective = (std::filesystem::path(cfg.data_dir()) / "pipeline.yaml").string();
  {
    std::ofstream out(effective);
    out << "# Effective configuration written by `reportflow run`; paths are relative to this folder.\n"
        << config::ToYaml(config::RelativeToDataDir(cfg));
    if (!out) {
      std::cerr << "reportflow run: cannot write " << effective << "\n";
      return 2;
    }
  }
  // Endpoint files of a previous run (services write <data>/run/<instance>.http
  // when they start); stale ones would show as "down" in `reportflow status`.
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(cfg.data_dir()) / "run", ec)) {
    if (!args.attach && entry.path().extension() == ".http") std::filesystem::remove(entry.path(), ec);
  }
  std::future<InputCensus> counting;
  if (count_inputs) counting = std::async(std::launch::async, [paths = args.paths] { return CountInputs(paths); });
  std::unique_ptr<PipelineLauncher> launcher;  // none with --attach: the services run elsewhere
  if (!args.attach) {
    LaunchOptions options;
    options.bin_dir = SelfBinDir();
    options.config_path = effective;
    options.segment_workers = args.segment_workers;
    options.extract_workers = args.extract_workers;
    options.force = args.force;
    auto launched = PipelineLauncher::Start(cfg, options);
    if (!launched.ok()) {
      std::cerr << "reportflow run: " << launched.status().message() << "\n";
      return 1;
    }
    launcher = std::move(launched).value();
  }

  std::vector<std::string> paths;
  for (const auto& p : args.paths) paths.push_back(Absolute(p));
  std::string batch_id = args.batch_id;
  if (batch_id.empty()) {
    std::string seed = std::to_string(Clock::Real().NowMillis()) + "/" + std::to_string(getpid());
    for (const auto& p : paths) seed += "/" + p;
    batch_id = "batch-" + text::TraceIdFor(seed);
  }
  ControlClient client(cfg.endpoints().ingest_control(), cfg.limits(), cfg.security());
  ppb::ControlRequest submit;
  submit.mutable_submit()->set_batch_id(batch_id);
  for (const auto& p : paths) submit.mutable_submit()->add_paths(p);

  const bool tty = isatty(STDERR_FILENO) && !args.quiet;
  const auto start = std::chrono::steady_clock::now();
  ProgressView view(tty);
  // SIGINT/SIGTERM: stop submitting, stop the services (they finish what is
  // in flight within limits.drain_timeout_ms), report, exit 128 + signal.
  // Installed before the first line is printed, so a signal is never missed.
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ProgressTracker tracker;
  if (!args.quiet) {
    std::cerr << "reportflow: batch " << batch_id << "; watch the services with: reportflow status --data "
              << cfg.data_dir() << "\n";
  }
  // The count, once the batch is submitted (it ran while the services started).
  auto take_census = [&] {
    if (!counting.valid()) return;
    const InputCensus census = counting.get();
    tracker.SetCensus(census);
    if (args.quiet) return;
    char took[32];
    std::snprintf(took, sizeof(took), "%.1f", census.seconds);
    std::cerr << "reportflow: inputs: " << census.items << " files, " << FormatBytes(census.bytes)
              << (census.archives ? " (" + std::to_string(census.archives) + " archives listed)" : "")
              << " (counted in " << took << " s)\n";
  };
  auto fail = [&](const std::string& msg) {
    view.Finish();
    std::cerr << "reportflow run: " << msg << "\n";
    Status st = launcher ? launcher->Stop(std::chrono::milliseconds(10000)) : Status::OK();
    if (!st.ok()) std::cerr << "reportflow run: " << st.message() << "\n";
    std::cerr << "logs: " << (std::filesystem::path(cfg.data_dir()) / "logs").string() << "\n";
    return kExitFailure;
  };

  auto interrupted = [&](const ppb::BatchStatus& status) {
    const int sig = g_stop_signal;
    view.Finish();
    std::cerr << "reportflow run: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
              << ": stopping the services (they finish in-flight work first)\n";
    const auto drain = std::chrono::milliseconds(cfg.limits().drain_timeout_ms() + 10000);
    Status st = launcher ? launcher->Stop(drain) : Status::OK();
    PrintSummary(status, /*interrupted=*/true);
    if (launcher) PrintUsage(*launcher);
    std::cout << "  logs               " << (std::filesystem::path(cfg.data_dir()) / "logs").string() << "\n";
    std::cout << "resume: run the same command again; documents already complete are not processed again\n";
    if (!st.ok()) std::cerr << "reportflow run: " << st.message() << "\n";
    return 128 + sig;
  };

  // Submit (retrying while ingest starts, and across ingest restarts).
  bool submitted = false;
  ppb::BatchStatus last;
  last.set_batch_id(batch_id);
  auto last_log = std::chrono::steady_clock::now();
  while (true) {
    if (g_stop_signal) return interrupted(last);
    Status sup = launcher ? launcher->Supervise() : Status::OK();
    // Disk full, or a service failing however its work is retried: what is
    // committed stays, the documents not finished stay in flight (not
    // quarantined), and a rerun resumes them.
    if (storage::IsNoSpace(sup) || service::IsPersistentFailure(sup)) {
      const int code = fail(sup.message());
      PrintSummary(last, /*interrupted=*/true);
      std::cout << "  stopped            " << sup.message() << "\n";
      return code;
    }
    if (!sup.ok()) return fail(WithStartError(sup.message()));
    if (args.timeout_s > 0 && std::chrono::steady_clock::now() - start > std::chrono::seconds(args.timeout_s)) {
      return fail("timed out after " + std::to_string(args.timeout_s) + " s (--timeout)");
    }
    if (args.attach && !submitted &&
        std::chrono::steady_clock::now() - start > std::chrono::seconds(args.connect_timeout_s)) {
      return fail("no ingest service answered at " + cfg.endpoints().ingest_control() + " within " +
                  std::to_string(args.connect_timeout_s) +
                  " s (--connect-timeout); is it running, and do --config's endpoints and keys match it?");
    }
    // Ingest listens once it says it started: asking before that would wait
    // for the control socket's reconnect timer (100-200 ms).
    if (launcher && !submitted && !launcher->Started("ingest")) {
      (void)launcher->AwaitStarted("ingest", std::chrono::milliseconds(1000));  // wakes on start, exit or signal
      continue;
    }
    ppb::ControlRequest req;
    if (!submitted) {
      req = submit;
    } else {
      req.mutable_status()->set_batch_id(batch_id);
    }
    auto resp = client.Call(req, std::chrono::milliseconds(submitted ? 2000 : 1000));
    if (!resp.ok()) {
      if (g_stop_signal) continue;  // the signal interrupted the call: report and stop above
      if (resp.status().code() == StatusCode::kDeadlineExceeded) continue;  // ingest (re)starting
      if (submitted && resp.status().message().rfind("unknown batch", 0) == 0) {
        submitted = false;  // ingest restarted and forgot the batch: resubmit (idempotent)
        continue;
      }
      return fail(resp.status().message());
    }
    submitted = true;
    take_census();
    last = resp->status();
    const auto now = std::chrono::steady_clock::now();
    tracker.Add(std::chrono::duration<double>(now - start).count(), last);
    if (!args.quiet) {
      if (tty || now - last_log >= std::chrono::seconds(std::max(1, args.progress_interval_s))) {
        view.Show(tracker);
        last_log = now;
      }
    }
    if (last.done()) break;
    // The next status poll: a quarter of the ETA, so the end of a batch is
    // seen within about kStatusPollMinMillis and a long batch is not asked
    // fifty times a second. A service that dies wakes the wait at once.
    const auto pause = std::chrono::milliseconds(tracker.NextPollMillis(kStatusPollMinMillis, kStatusPollMaxMillis));
    if (launcher) {
      launcher->Wait(pause);
    } else {
      std::this_thread::sleep_for(pause);
    }
  }
  view.Finish();
  ppb::ControlRequest final_req;
  final_req.mutable_status()->set_batch_id(batch_id);
  final_req.mutable_status()->set_include_rejections(true);
  auto final_resp = client.Call(final_req, std::chrono::milliseconds(10000));
  if (final_resp.ok()) last = final_resp->status();
  // The batch is done, so every document is committed in aggregate's store:
  // the running service tallies the places from it (no store to open and
  // replay after it stops). With --attach its store lives elsewhere, so only
  // the service can answer.
  Result<aggregate::v1::PlacesSummary> places =
      AskPlaceSummary(cfg, kPlacesListed, std::chrono::milliseconds(args.attach ? 3000 : 5000));
  Status stopped = launcher ? launcher->Stop(std::chrono::milliseconds(15000)) : Status::OK();
  PrintSummary(last);
  if (!places.ok() && !args.attach) places = ReadPlaceSummary(cfg.data_dir());  // the services have stopped
  if (places.ok()) {
    PrintPlaceSummary(*places, cfg.data_dir(), std::cout);
  } else {
    std::cerr << "reportflow run: cannot summarise places: " << places.status().message() << "\n";
  }
  if (launcher) PrintUsage(*launcher);
  std::cout << "  logs               " << (std::filesystem::path(cfg.data_dir()) / "logs").string() << "\n";
  std::cout << "next: reportflow report --data " << cfg.data_dir() << " --out report.html\n";
  if (!stopped.ok()) {
    std::cerr << "reportflow run: " << stopped.message() << "\n";
    return kExitFailure;
  }
  const int code = BatchExitCode(last, args.allow_rejects);
  const uint32_t rejected = last.rejected() - std::min(last.rejected(), last.duplicates());
  auto plural = [](uint32_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
  if (code == kExitQuarantined) {
    std::cout << "exit " << code << ": " << plural(last.quarantined(), "document") << " quarantined (reportflow "
              << "quarantine list --data " << cfg.data_dir() << ")\n";
  } else if (code == kExitRejected) {
    std::cout << "exit " << code << ": " << plural(rejected, "input") << " rejected (--allow-rejects accepts them)\n";
  } else if (code == kExitNothingToDo) {
    std::cout << "exit " << code << ": nothing to do: no report file under the inputs\n";
  }
  return code;
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "start the pipeline, process every report under PATH..., print a report");
  cmd->add_option("paths", args->paths, "report files, folders or archives")->required();
  cmd->add_option("--data,-d", args->data_dir, "data directory (stores, sockets, logs)")->required();
  cmd->add_option("--config,-c", args->config_path, "pipeline config (YAML); default: built-in defaults");
  cmd->add_option("--set", args->overrides, "override a config key, e.g. --set limits.max_file_bytes=1048576");
  cmd->add_option("--region", args->regions,
                  "scope for places shared by several regions, e.g. --region 重庆市 (name or code; repeatable; "
                  "config key segment.region)");
  cmd->add_option("--segment-workers", args->segment_workers, "segment worker processes")->capture_default_str();
  cmd->add_option("--extract-workers", args->extract_workers, "extract worker processes")->capture_default_str();
  cmd->add_option("--batch-id", args->batch_id, "batch id (default: generated)");
  cmd->add_option("--timeout", args->timeout_s, "give up after this many seconds (0 = never)");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->add_flag("--force", args->force, "allow more than 4x the cores of workers per stage");
  cmd->add_flag("--allow-rejects", args->allow_rejects,
                "exit 0 even if some inputs were rejected (quarantined documents still exit 4)");
  cmd->add_option("--connect-timeout", args->connect_timeout_s,
                  "with --attach: fail when ingest has not answered within this many seconds")
      ->capture_default_str();
  cmd->add_flag("--attach", args->attach,
                "submit to services that run already (started by systemd, Kubernetes or on other hosts; endpoints "
                "and keys from --config) instead of starting them; PATHs must be readable by the ingest service");
  cmd->add_option("--progress-interval", args->progress_interval_s,
                  "seconds between plain progress lines when stderr is not a terminal")
      ->capture_default_str();
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace reportflow::cli
