#include "cli/pipeline_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/service/service.h"
#include "common/storage/store.h"

extern char** environ;

namespace reportflow::cli {

struct PipelineLauncher::Child {
  std::string instance;              // ingest, aggregate, segment-0 ...
  std::string binary;
  std::vector<std::string> args;
  std::string store_path;            // named when its disk is full
  pid_t pid = -1;
  int restarts = 0;
  int64_t restart_at_ms = 0;         // when a dead child may be restarted
  int last_status = 0;
};

std::string SelfBinDir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

Status PipelineLauncher::Spawn(Child& child) {
  const std::string log_path = log_dir_ + "/" + child.instance + ".log";
  // Everything the child needs is prepared before fork: between fork and exec
  // only async-signal-safe calls are allowed (run may have threads by now).
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(child.binary.c_str()));
  for (auto& a : child.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Status::IoError("cannot open " + log_path + ": " + std::strerror(errno));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    return Status::IoError(std::string("cannot open /dev/null: ") + std::strerror(errno));
  }
  const pid_t launcher_pid = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // The service dies with its launcher: SIGKILL when the thread that forked
    // it (run's main thread) ends, however it ends. If the launcher died
    // before prctl took effect, getppid no longer names it: exit at once.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != launcher_pid) _exit(127);
    umask(077);  // stores, logs and sockets of the data dir: owner only
    if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0) _exit(127);
    execve(child.binary.c_str(), argv.data(), environ);
    _exit(127);
  }
  const int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) return Status::Unavailable("cannot start " + child.binary + ": " + std::strerror(fork_errno));
  child.pid = pid;
  return Status::OK();
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
                 std::string store_path) {
    auto child = std::make_unique<Child>();
    child->instance = instance;
    child->store_path = std::move(store_path);
    child->binary = options.bin_dir + "/reportflow-" + service;
    child->args = {"--config", options.config_path};
    for (auto& e : extra) {
      child->args.push_back("--set");
      child->args.push_back(std::move(e));
    }
    launcher->children_.push_back(std::move(child));
  };
  // Stable services first (they bind), then workers (they connect).
  add("aggregate", "aggregate", {}, config.aggregate().store_path());
  add("ingest", "ingest", {}, config.ingest().store_path());
  for (int i = 0; i < options.segment_workers; ++i) {
    const std::string id = "segment-" + std::to_string(i);
    std::vector<std::string> extra = {"segment.worker_id=" + id};
    std::string store = config.segment().store_path();
    if (options.segment_workers > 1) store += "-" + std::to_string(i);
    if (options.segment_workers > 1) extra.push_back("segment.store_path=" + store);
    add(id, "segment", extra, store);
  }
  for (int i = 0; i < options.extract_workers; ++i) {
    const std::string id = "extract-" + std::to_string(i);
    std::vector<std::string> extra = {"extract.worker_id=" + id};
    std::string store = config.extract().store_path();
    if (options.extract_workers > 1) store += "-" + std::to_string(i);
    if (options.extract_workers > 1) extra.push_back("extract.store_path=" + store);
    add(id, "extract", extra, store);
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
      const pid_t r = waitpid(c->pid, &status, WNOHANG);
      if (r == c->pid) {
        c->pid = -1;
        c->last_status = status;
        // A full disk: restarting cannot help.
        if (WIFEXITED(status) && WEXITSTATUS(status) == service::kExitNoSpace) return NoSpace(*c);
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
  struct statvfs fs {};
  const std::string free_space = statvfs(c.store_path.c_str(), &fs) == 0
                                     ? std::to_string(static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize / 1024) +
                                           " KB free"
                                     : "free space unknown";
  return storage::NoSpaceError(c.store_path, "service " + c.instance + " stopped (" + free_space + "; see " +
                                                 log_dir_ + "/" + c.instance +
                                                 ".log); free space, then run the same command again");
}

Status PipelineLauncher::Stop(std::chrono::milliseconds deadline) {
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    if ((*it)->pid > 0) kill((*it)->pid, SIGTERM);
  }
  const auto end = std::chrono::steady_clock::now() + deadline;
  std::string unclean;
  Status no_space;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    Child& c = **it;
    c.restart_at_ms = 0;
    if (c.pid <= 0) continue;
    int status = 0;
    while (true) {
      const pid_t r = waitpid(c.pid, &status, WNOHANG);
      if (r == c.pid || r < 0) break;
      if (std::chrono::steady_clock::now() >= end) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, &status, 0);
        unclean += " " + c.instance + "(killed after deadline)";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == service::kExitNoSpace && no_space.ok()) no_space = NoSpace(c);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      unclean += " " + c.instance + "(exit " + std::to_string(WEXITSTATUS(status)) + ")";
    }
    c.pid = -1;
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

std::vector<std::string> PipelineLauncher::Instances() const {
  std::vector<std::string> out;
  for (const auto& c : children_) out.push_back(c->instance);
  return out;
}

}  // namespace reportflow::cli
