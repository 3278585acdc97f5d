#include <CLI/CLI.hpp>
#include <signal.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "common/base/memory.h"
#include "common/config/config_loader.h"
#include "common/logging/logging.h"
#include "common/service/command_line.h"
#include "common/service/service.h"
#include "common/storage/store.h"

namespace reportflow::service {

Result<std::unique_ptr<Waker>> Waker::Create() {
  const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return Status::IoError("eventfd failed");
  return std::unique_ptr<Waker>(new Waker(fd));
}

Waker::~Waker() { close(fd_); }

void Waker::Wake() {
  const uint64_t one = 1;
  // write() is async-signal-safe; a full counter still leaves the fd readable.
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof(one));
}

bool Waker::Drain() {
  uint64_t value = 0;
  return read(fd_, &value, sizeof(value)) == sizeof(value) && value > 0;
}

namespace {

// Marks a PersistentFailure (its message's start, as storage::IsNoSpace's).
constexpr std::string_view kPersistentPrefix = "persistent failure: ";

std::atomic<Service*> g_service{nullptr};

void OnSignal(int) {
  if (Service* s = g_service.load()) s->Shutdown();
}

// A full disk ends the process here, without closing the service's store:
// RocksDB would sync a log file whose write already failed, and Debian's
// RocksDB (built with assertions) aborts on that. What was committed is in
// the write-ahead log already, as after a SIGKILL; the next run resumes.
[[noreturn]] void ExitNoSpace(spdlog::logger& log, const Status& s) {
  log.error("{}; stopped: free space, then run again (what was committed is kept)", s.message());
  log.flush();
  std::_Exit(kExitNoSpace);
}

}  // namespace

Status PersistentFailure(const Status& cause) {
  if (IsPersistentFailure(cause)) return cause;
  return Status(cause.code(), std::string(kPersistentPrefix) + cause.message());
}

bool IsPersistentFailure(const Status& s) { return !s.ok() && s.message().rfind(kPersistentPrefix, 0) == 0; }

int RunServiceMain(int argc, char** argv, const std::string& name, const std::string& description,
                   const ServiceFactory& factory, HeapPolicy heap) {
  CLI::App app{description, "reportflow-" + name};
  app.set_version_flag("--version", VersionText("reportflow-" + name));
  std::string config_path, data_dir, log_level;
  app.add_option("--config,-c", config_path, "pipeline config (YAML); see deploy/config/pipeline.yaml");
  app.add_option("--data,-d", data_dir, "data directory (overrides data_dir in the config)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off (overrides logging.level)");
  std::vector<std::string> overrides;
  app.add_option("--set", overrides,
                 "override one config key, e.g. --set segment.worker_id=segment-2 (repeatable; per-instance settings)");
  int ready_fd = -1;
  app.add_option("--ready-fd", ready_fd, "write one byte to this descriptor once started, then close it (launchers)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ParseErrorExit(app, e);
  }
  // Not inherited by what the service starts (ingest's decode sandbox): the
  // launcher learns of a death from the process itself, and of readiness here.
  if (ready_fd >= 0 && fcntl(ready_fd, F_SETFD, FD_CLOEXEC) != 0) ready_fd = -1;
  config::PipelineConfig cfg;
  Status s = config::LoadPipelineConfig(config_path, data_dir, overrides, &cfg);
  if (s.ok() && !log_level.empty()) {
    cfg.mutable_logging()->set_level(log_level);
    s = config::Validate(cfg);
  }
  if (!s.ok()) {
    std::cerr << "reportflow-" << name << ": " << s.message() << std::endl;
    return 2;
  }
  s = logging::InitLogging(name, cfg.logging().level(), cfg.logging().file());
  if (!s.ok()) {
    std::cerr << "reportflow-" << name << ": " << s.message() << std::endl;
    return 2;
  }
  auto log = logging::GetLogger(name);
  if (heap.keep_freed_ms != 0) KeepFreedPages(heap.keep_freed_ms);
  PrewarmHeap(heap.prewarm_bytes);
  auto created = factory(cfg);
  if (!created.ok()) {
    log->error("cannot start: {}", created.status().ToString());
    if (storage::IsNoSpace(created.status())) ExitNoSpace(*log, created.status());
    return 1;
  }
  std::unique_ptr<Service> svc = std::move(created).value();
  g_service.store(svc.get());
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  log->info("started (pid {})", getpid());
  if (ready_fd >= 0) {
    const char started = 1;
    [[maybe_unused]] ssize_t n = write(ready_fd, &started, 1);
    close(ready_fd);
  }
  s = svc->Run();
  g_service.store(nullptr);
  // A full disk or a failure that keeps coming back (a store failing its
  // writes) ends the process before the service, and so its store, is
  // destroyed (see ExitNoSpace: closing would sync a log whose write failed).
  if (storage::IsNoSpace(s)) ExitNoSpace(*log, s);
  if (IsPersistentFailure(s)) {
    log->error("stopped with error: {}", s.ToString());  // the launcher reads the error from this line
    log->flush();
    std::_Exit(kExitPersistentFailure);
  }
  svc.reset();
  if (!s.ok() && s.code() != StatusCode::kCancelled) {
    log->error("stopped with error: {}", s.ToString());
    return 1;
  }
  log->info("stopped cleanly");
  return 0;
}

}  // namespace reportflow::service
