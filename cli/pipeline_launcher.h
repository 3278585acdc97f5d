// PipelineLauncher: starts the four services as separate processes and
// supervises them, as systemd or Kubernetes would in production: a service
// that dies is restarted with bounded exponential backoff; one that keeps
// dying exhausts its budget and the launcher reports it.
//
// Each process gets `--config <effective config>` plus per-instance `--set`
// overrides (worker id, store path), and writes its log to <data>/logs/<name>.log.
// It also gets `--ready-fd`, the write end of a pipe it writes one byte to once
// started (sockets bound: service::RunServiceMain), so `run` waits for that
// event rather than for a peer's reconnect timer; each child's exit is
// watched through a pidfd, so waits end when a process ends, not on a timer.
// Each service dies with the launcher (PR_SET_PDEATHSIG: SIGKILL when the
// launching thread ends, however it ends), and creates its files owner-only
// (umask 077): stores 0700, logs and sockets 0600.
// Thread-safety: one thread.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::cli {

struct LaunchOptions {
  std::string bin_dir;          // where reportflow-<service> executables are
  std::string config_path;      // the effective config all services read
  int segment_workers = 1;
  int extract_workers = 1;
  int max_restarts = 5;         // per service instance
  bool force = false;           // allow more workers than MaxWorkersPerStage()
};

// What a service instance used, from the kernel's accounting of its reaped
// processes (wait4), summed over its restarts.
struct ServiceUsage {
  std::string instance;
  double cpu_seconds = 0;      // user + system, every thread (RocksDB's and ZeroMQ's included)
  int64_t peak_rss_bytes = 0;  // the largest peak resident set of its processes
};

// Workers per stage allowed without `force`: 4x the cores (at least 4).
int MaxWorkersPerStage();

class PipelineLauncher {
 public:
  static Result<std::unique_ptr<PipelineLauncher>> Start(const config::v1::PipelineConfig& config,
                                                         const LaunchOptions& options);
  ~PipelineLauncher();

  // Reaps exited children and restarts them when their backoff has passed.
  // Error when a service exhausted its restart budget, or stopped on a full
  // disk (never restarted: storage::IsNoSpace, "no space left on <the
  // fullest place it writes>": its store, or aggregate's scratch dir), or on
  // a persistent failure (never restarted: service::IsPersistentFailure,
  // with the error the service logged).
  Status Supervise();
  // Whether `instance` runs and said it started (since its last spawn).
  bool Started(const std::string& instance);
  // Waits until `instance` has started, a child exits, a signal arrives, or
  // `timeout`; OK only if it has started (else call Supervise and ask again).
  Status AwaitStarted(const std::string& instance, std::chrono::milliseconds timeout);
  // Waits until a child exits, a signal arrives, or `timeout` (the pause
  // between two status polls of `run`, during which a crash wakes it).
  void Wait(std::chrono::milliseconds timeout);
  // SIGTERM to every process (reverse start order), waits up to `deadline`,
  // then SIGKILLs what is left. Error if any exited uncleanly (storage::IsNoSpace
  // if one stopped on a full disk).
  Status Stop(std::chrono::milliseconds deadline);
  // CPU and peak memory of every instance, in start order: complete once
  // Stop has reaped them all (a running process is not counted yet).
  std::vector<ServiceUsage> Usage() const;

  // For tests: the pid of an instance ("ingest", "segment-0", ...), or -1.
  pid_t PidOf(const std::string& instance) const;
  std::vector<std::string> Instances() const;

 private:
  struct Child;
  PipelineLauncher() = default;
  Status Spawn(Child& child);
  // Reads the readiness pipe of `child` if it has something (byte or EOF).
  void ReadReady(Child& child);
  // The child was reaped: its descriptors are closed.
  void Reaped(Child& child, int status, const rusage& usage);
  // `timeout`, shortened to when the next dead child is due for its restart
  // (a wait must not hold up Supervise).
  std::chrono::milliseconds UntilRestart(std::chrono::milliseconds timeout) const;
  // "no space left on <the fullest place it writes>": a child that exited service::kExitNoSpace.
  Status NoSpace(const Child& child) const;
  // service::PersistentFailure with the error `child` logged: a child that exited service::kExitPersistentFailure.
  Status PersistentFailure(const Child& child) const;
  std::vector<std::unique_ptr<Child>> children_;
  std::string log_dir_;
  int max_restarts_ = 5;
};

// The directory of the running executable (to find the service binaries).
std::string SelfBinDir();

}  // namespace reportflow::cli
