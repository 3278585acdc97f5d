#include "cli/pipeline_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>
#include <thread>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/files/unique_fd.h"
#include "common/service/service.h"
#include "common/storage/store.h"

extern char** environ;

namespace reportflow::cli {

struct PipelineLauncher::Child {
  std::string instance;              // ingest, aggregate, segment-0 ...
  std::string binary;
  std::vector<std::string> args;
  std::vector<std::string> disks;    // where it writes (its store first): the fullest is named when one is full
  pid_t pid = -1;
  int pidfd = -1;                    // readable once the process has exited (-1: kernel without pidfds)
  int ready_fd = -1;                 // read end of its readiness pipe, until it says it started (or dies)
  bool started = false;              // since its last spawn
  int restarts = 0;
  int64_t restart_at_ms = 0;         // when a dead child may be restarted
  int last_status = 0;
  double cpu_seconds = 0;            // of every run reaped so far (rusage)
  int64_t peak_rss_bytes = 0;        // the largest of them
};

namespace {

// The descriptor number a service's readiness pipe has in the service (--ready-fd).
constexpr int kReadyFd = 3;

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Polls `fds` for input up to `timeout`. False when a signal interrupted it.
bool PollIn(std::vector<pollfd>& fds, std::chrono::milliseconds timeout) {
  for (auto& f : fds) f.revents = 0;
  const int n = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
  return !(n < 0 && errno == EINTR);
}

// What a service's process does between its start and exec, on its own
// stack while it shares the launcher's memory (CLONE_VM | CLONE_VFORK: the
// launcher waits until the exec). Only system calls, as after a fork.
struct ExecArgs {
  const char* binary;
  char* const* argv;
  int null_fd;
  int log_fd;
  int ready_fd;
  pid_t launcher_pid;
  sigset_t mask;  // the launcher's, restored before the exec
};

int ExecService(void* arg) {
  const ExecArgs& a = *static_cast<const ExecArgs*>(arg);
  // A handler of the launcher's (run's SIGINT and SIGTERM) would run here in
  // the launcher's memory: back to the defaults while signals are blocked.
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction sa;
    if (sigaction(sig, nullptr, &sa) != 0 || sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN) continue;
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
  if (sigprocmask(SIG_SETMASK, &a.mask, nullptr) != 0) _exit(127);
  // The service dies with its launcher: SIGKILL when the thread that started
  // it (run's main thread) ends, however it ends. If the launcher died
  // before prctl took effect, getppid no longer names it: exit at once.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != a.launcher_pid) _exit(127);
  umask(077);  // stores, logs and sockets of the data dir: owner only
  if (dup2(a.null_fd, STDIN_FILENO) < 0 || dup2(a.log_fd, STDOUT_FILENO) < 0 || dup2(a.log_fd, STDERR_FILENO) < 0) {
    _exit(127);
  }
  // The readiness pipe as kReadyFd, kept across exec (dup2 clears FD_CLOEXEC).
  if (a.ready_fd == kReadyFd ? fcntl(kReadyFd, F_SETFD, 0) != 0 : dup2(a.ready_fd, kReadyFd) < 0) _exit(127);
  execve(a.binary, a.argv, environ);
  _exit(127);
}

}  // namespace

std::string SelfBinDir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

Status PipelineLauncher::Spawn(Child& child) {
  const std::string log_path = log_dir_ + "/" + child.instance + ".log";
  // Everything the child needs is prepared before the clone: between it and
  // the exec only async-signal-safe calls are allowed (run may have threads
  // by now). The descriptors here close when Spawn returns (the child has its
  // copies by then: the clone waits for the exec).
  static const std::string kReadyFlag = "--ready-fd", kReadyFdText = std::to_string(kReadyFd);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(child.binary.c_str()));
  for (auto& a : child.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(const_cast<char*>(kReadyFlag.c_str()));
  argv.push_back(const_cast<char*>(kReadyFdText.c_str()));
  argv.push_back(nullptr);
  const files::UniqueFd log_fd(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!log_fd.valid()) return Status::IoError("cannot open " + log_path + ": " + std::strerror(errno));
  const files::UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_fd.valid()) return Status::IoError(std::string("cannot open /dev/null: ") + std::strerror(errno));
  int ready[2];
  if (pipe2(ready, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::IoError(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  files::UniqueFd ready_read(ready[0]);
  const files::UniqueFd ready_write(ready[1]);
  // Started as posix_spawn starts a process (clone with CLONE_VM |
  // CLONE_VFORK), not by fork: a fork copies run's page tables, and every
  // page run wrote afterwards took a copy-on-write fault (each fork took 5-11
  // ms on a virtual machine, and the four of them held up the last service's
  // start). Signals stay blocked until the child has reset run's handlers.
  ExecArgs exec{child.binary.c_str(), argv.data(), null_fd.get(), log_fd.get(), ready_write.get(), getpid(), {}};
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &exec.mask);
  constexpr size_t kStackBytes = 64 * 1024;
  const std::unique_ptr<char[]> stack(new char[kStackBytes]);
  const pid_t pid = clone(ExecService, stack.get() + kStackBytes, CLONE_VM | CLONE_VFORK | SIGCHLD, &exec);
  const int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &exec.mask, nullptr);
  if (pid < 0) return Status::Unavailable("cannot start " + child.binary + ": " + std::strerror(clone_errno));
  child.pid = pid;
  child.started = false;
  child.ready_fd = ready_read.Release();
  child.pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));  // -1 before Linux 5.3: waits fall back to slices
  return Status::OK();
}

void PipelineLauncher::ReadReady(Child& c) {
  if (c.ready_fd < 0) return;
  char byte;
  const ssize_t n = ::read(c.ready_fd, &byte, 1);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  c.started = n == 1;  // else EOF (it died before starting) or an error: not started
  CloseFd(c.ready_fd);
}

void PipelineLauncher::Reaped(Child& c, int status, const rusage& usage) {
  c.cpu_seconds += static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                   static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  c.peak_rss_bytes = std::max<int64_t>(c.peak_rss_bytes, static_cast<int64_t>(usage.ru_maxrss) * 1024);  // KB
  c.pid = -1;
  c.started = false;
  c.last_status = status;
  CloseFd(c.pidfd);
  CloseFd(c.ready_fd);
}

bool PipelineLauncher::Started(const std::string& instance) {
  for (auto& c : children_) {
    if (c->instance != instance) continue;
    ReadReady(*c);
    return c->started;
  }
  return false;
}

Status PipelineLauncher::AwaitStarted(const std::string& instance, std::chrono::milliseconds timeout) {
  Child* target = nullptr;
  for (auto& c : children_) {
    if (c->instance == instance) target = c.get();
  }
  if (target == nullptr) return Status::NotFound("no service instance " + instance);
  ReadReady(*target);
  if (target->started) return Status::OK();
  std::vector<pollfd> fds;
  if (target->ready_fd >= 0) fds.push_back({target->ready_fd, POLLIN, 0});
  for (auto& c : children_) {
    if (c->pidfd >= 0) fds.push_back({c->pidfd, POLLIN, 0});  // any death: the caller supervises
  }
  if (!PollIn(fds, UntilRestart(timeout))) return Status::Cancelled("interrupted by a signal");
  ReadReady(*target);
  return target->started ? Status::OK() : Status::Unavailable(instance + " has not started yet");
}

void PipelineLauncher::Wait(std::chrono::milliseconds timeout) {
  std::vector<pollfd> fds;
  for (auto& c : children_) {
    if (c->pidfd >= 0) fds.push_back({c->pidfd, POLLIN, 0});
  }
  PollIn(fds, UntilRestart(timeout));  // nothing to watch: a plain timed wait
}

std::chrono::milliseconds PipelineLauncher::UntilRestart(std::chrono::milliseconds timeout) const {
  const int64_t now = Clock::Real().MonotonicMillis();
  for (const auto& c : children_) {
    if (c->pid < 0 && c->restart_at_ms > 0) {
      timeout = std::min(timeout, std::chrono::milliseconds(std::max<int64_t>(0, c->restart_at_ms - now)));
    }
  }
  return timeout;
}

int MaxWorkersPerStage() { return 4 * std::max(1u, std::thread::hardware_concurrency()); }

Result<std::unique_ptr<PipelineLauncher>> PipelineLauncher::Start(const config::v1::PipelineConfig& config,
                                                                  const LaunchOptions& options) {
  for (const auto& [flag, n] : {std::pair<const char*, int>{"--segment-workers", options.segment_workers},
                                std::pair<const char*, int>{"--extract-workers", options.extract_workers}}) {
    if (n < 1) return Status::InvalidArgument(std::string(flag) + " must be >= 1");
    if (n > MaxWorkersPerStage() && !options.force) {
      return Status::InvalidArgument(std::string(flag) + " " + std::to_string(n) + " exceeds " +
                                     std::to_string(MaxWorkersPerStage()) + " (4x the " +
                                     std::to_string(std::thread::hardware_concurrency()) +
                                     " cores of this machine); pass --force to start that many processes");
    }
  }
  std::unique_ptr<PipelineLauncher> launcher(new PipelineLauncher());
  launcher->log_dir_ = (std::filesystem::path(config.data_dir()) / "logs").string();
  std::error_code ec;
  std::filesystem::create_directories(launcher->log_dir_, ec);
  if (!ec) std::filesystem::permissions(launcher->log_dir_, std::filesystem::perms::owner_all, ec);
  if (ec) return Status::IoError("cannot create " + launcher->log_dir_ + ": " + ec.message());

  auto add = [&](const std::string& instance, const std::string& service, std::vector<std::string> extra,
                 std::vector<std::string> disks) {
    auto child = std::make_unique<Child>();
    child->instance = instance;
    child->disks = std::move(disks);
    child->binary = options.bin_dir + "/reportflow-" + service;
    child->args = {"--config", options.config_path};
    for (auto& e : extra) {
      child->args.push_back("--set");
      child->args.push_back(std::move(e));
    }
    launcher->children_.push_back(std::move(child));
  };
  // Stable services first (they bind), then workers (they connect). Ingest
  // first of all: every other service connects to it (aggregate its acks), and
  // a connect that comes before the bind waits for ZeroMQ's reconnect timer
  // (100-200 ms) however soon the bind follows.
  add("ingest", "ingest", {}, {config.ingest().store_path()});
  std::vector<std::string> aggregate_disks = {config.aggregate().store_path()};
  if (!config.aggregate().scratch_dir().empty()) aggregate_disks.push_back(config.aggregate().scratch_dir());
  add("aggregate", "aggregate", {}, aggregate_disks);
  for (int i = 0; i < options.segment_workers; ++i) {
    const std::string id = "segment-" + std::to_string(i);
    std::vector<std::string> extra = {"segment.worker_id=" + id};
    std::string store = config.segment().store_path();
    if (options.segment_workers > 1) store += "-" + std::to_string(i);
    if (options.segment_workers > 1) extra.push_back("segment.store_path=" + store);
    add(id, "segment", extra, {store});
  }
  for (int i = 0; i < options.extract_workers; ++i) {
    const std::string id = "extract-" + std::to_string(i);
    std::vector<std::string> extra = {"extract.worker_id=" + id};
    std::string store = config.extract().store_path();
    if (options.extract_workers > 1) store += "-" + std::to_string(i);
    if (options.extract_workers > 1) extra.push_back("extract.store_path=" + store);
    add(id, "extract", extra, {store});
  }
  for (auto& child : launcher->children_) {
    if (access(child->binary.c_str(), X_OK) != 0) {
      return Status::NotFound("service executable not found: " + child->binary);
    }
  }
  for (auto& child : launcher->children_) {
    Status s = launcher->Spawn(*child);
    if (!s.ok()) {
      launcher->Stop(std::chrono::milliseconds(2000)).IgnoreError();
      return s;
    }
  }
  launcher->max_restarts_ = options.max_restarts;
  return launcher;
}

PipelineLauncher::~PipelineLauncher() {
  bool running = false;
  for (auto& c : children_) running |= c->pid > 0;
  if (running) Stop(std::chrono::milliseconds(5000)).IgnoreError();
}

Status PipelineLauncher::Supervise() {
  const int64_t now = Clock::Real().MonotonicMillis();
  for (auto& c : children_) {
    if (c->pid > 0) {
      int status = 0;
      rusage usage{};
      const pid_t r = wait4(c->pid, &status, WNOHANG, &usage);
      if (r == c->pid) {
        Reaped(*c, status, usage);
        // A full disk: restarting cannot help.
        if (WIFEXITED(status) && WEXITSTATUS(status) == service::kExitNoSpace) return NoSpace(*c);
        // Nor when the service said its failure keeps coming back: each
        // restart would cost the documents in flight a lease, then quarantine.
        if (WIFEXITED(status) && WEXITSTATUS(status) == service::kExitPersistentFailure) return PersistentFailure(*c);
        if (c->restarts >= max_restarts_) {
          return Status::Unavailable("service " + c->instance + " died " + std::to_string(c->restarts + 1) +
                                     " times; giving up (see " + log_dir_ + "/" + c->instance + ".log)");
        }
        // Bounded exponential backoff: 250 ms, 500 ms, 1 s, 2 s, 4 s ...
        c->restart_at_ms = now + (250LL << std::min(c->restarts, 5));
        fprintf(stderr, "reportflow: service %s exited (%s %d); restarting\n", c->instance.c_str(),
                WIFSIGNALED(status) ? "signal" : "status", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
      }
    }
    if (c->pid < 0 && c->restart_at_ms > 0 && now >= c->restart_at_ms) {
      ++c->restarts;
      c->restart_at_ms = 0;
      RETURN_IF_ERROR(Spawn(*c));
    }
  }
  return Status::OK();
}

Status PipelineLauncher::NoSpace(const Child& c) const {
  // The service said its disk is full, not which one: of the places it
  // writes, the one with the least space left.
  std::string path = c.disks.front(), free_space = "free space unknown";
  uint64_t least = UINT64_MAX;
  for (const auto& disk : c.disks) {
    struct statvfs fs {};
    if (statvfs(disk.c_str(), &fs) != 0) continue;
    const uint64_t available = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (available >= least) continue;
    least = available;
    path = disk;
    free_space = std::to_string(available / 1024) + " KB free";
  }
  return storage::NoSpaceError(path, "service " + c.instance + " stopped (" + free_space + "; see " +
                                                 log_dir_ + "/" + c.instance +
                                                 ".log); free space, then run the same command again");
}

Status PipelineLauncher::PersistentFailure(const Child& c) const {
  // The error is in the service's log ("stopped with error: <code>:
  // persistent failure: <what>", service::RunServiceMain); the log is
  // appended to across runs, so the last such line is this run's.
  constexpr std::string_view kMark = "persistent failure: ";
  const std::string log_path = log_dir_ + "/" + c.instance + ".log";
  std::ifstream log(log_path);
  std::string line, reason = "its log does not say why";
  while (std::getline(log, line)) {
    const size_t at = line.find(kMark);
    if (at != std::string::npos) reason = line.substr(at + kMark.size());
  }
  return service::PersistentFailure(Status::Unavailable(
      "service " + c.instance + " stopped and was not restarted (it would meet the same failure): " + reason +
      " (see " + log_path + "); fix the cause, then run the same command again"));
}

Status PipelineLauncher::Stop(std::chrono::milliseconds deadline) {
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    if ((*it)->pid > 0) kill((*it)->pid, SIGTERM);
  }
  const auto end = std::chrono::steady_clock::now() + deadline;
  std::string unclean;
  Status no_space;
  // They stop together; each is reaped the moment it exits (its pidfd wakes
  // the wait), the stragglers are killed at the deadline.
  auto reap = [&](Child& c, int status, const rusage& usage) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == service::kExitNoSpace && no_space.ok()) no_space = NoSpace(c);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      unclean += " " + c.instance + "(exit " + std::to_string(WEXITSTATUS(status)) + ")";
    }
    Reaped(c, status, usage);
  };
  for (auto& c : children_) c->restart_at_ms = 0;
  while (true) {
    std::vector<pollfd> fds;
    bool unwatched = false;  // a child without a pidfd: waited for in short slices
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      Child& c = **it;
      if (c.pid <= 0) continue;
      int status = 0;
      rusage usage{};
      const pid_t r = wait4(c.pid, &status, WNOHANG, &usage);
      if (r == c.pid || r < 0) {
        reap(c, status, usage);
        continue;
      }
      if (c.pidfd >= 0) {
        fds.push_back({c.pidfd, POLLIN, 0});
      } else {
        unwatched = true;
      }
    }
    if (fds.empty() && !unwatched) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
        Child& c = **it;
        if (c.pid <= 0) continue;
        int status = 0;
        rusage usage{};
        kill(c.pid, SIGKILL);
        wait4(c.pid, &status, 0, &usage);
        unclean += " " + c.instance + "(killed after deadline)";
        Reaped(c, status, usage);
      }
      break;
    }
    PollIn(fds, unwatched ? std::min(left, std::chrono::milliseconds(10)) : left);
  }
  if (!no_space.ok()) return no_space;  // the operator's next step, before the list
  if (!unclean.empty()) return Status::Internal("services stopped uncleanly:" + unclean);
  return Status::OK();
}

pid_t PipelineLauncher::PidOf(const std::string& instance) const {
  for (const auto& c : children_) {
    if (c->instance == instance) return c->pid;
  }
  return -1;
}

std::vector<ServiceUsage> PipelineLauncher::Usage() const {
  std::vector<ServiceUsage> out;
  for (const auto& c : children_) out.push_back({c->instance, c->cpu_seconds, c->peak_rss_bytes});
  return out;
}

std::vector<std::string> PipelineLauncher::Instances() const {
  std::vector<std::string> out;
  for (const auto& c : children_) out.push_back(c->instance);
  return out;
}

}  // namespace reportflow::cli
