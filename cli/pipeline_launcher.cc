#include "cli/pipeline_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/base/clock.h"
#include "common/base/macros.h"

extern char** environ;

namespace reportflow::cli {

struct PipelineLauncher::Child {
  std::string instance;              // ingest, aggregate, segment-0 ...
  std::string binary;
  std::vector<std::string> args;
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
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(child.binary.c_str()));
  for (auto& a : child.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, child.binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Status::Unavailable("cannot start " + child.binary + ": " + std::strerror(rc));
  child.pid = pid;
  return Status::OK();
}

Result<std::unique_ptr<PipelineLauncher>> PipelineLauncher::Start(const config::v1::PipelineConfig& config,
                                                                  const LaunchOptions& options) {
  std::unique_ptr<PipelineLauncher> launcher(new PipelineLauncher());
  launcher->log_dir_ = (std::filesystem::path(config.data_dir()) / "logs").string();
  std::error_code ec;
  std::filesystem::create_directories(launcher->log_dir_, ec);
  if (ec) return Status::IoError("cannot create " + launcher->log_dir_ + ": " + ec.message());

  auto add = [&](const std::string& instance, const std::string& service, std::vector<std::string> extra) {
    auto child = std::make_unique<Child>();
    child->instance = instance;
    child->binary = options.bin_dir + "/reportflow-" + service;
    child->args = {"--config", options.config_path};
    for (auto& e : extra) {
      child->args.push_back("--set");
      child->args.push_back(std::move(e));
    }
    launcher->children_.push_back(std::move(child));
  };
  // Stable services first (they bind), then workers (they connect).
  add("aggregate", "aggregate", {});
  add("ingest", "ingest", {});
  for (int i = 0; i < options.segment_workers; ++i) {
    const std::string id = "segment-" + std::to_string(i);
    std::vector<std::string> extra = {"segment.worker_id=" + id};
    if (options.segment_workers > 1) extra.push_back("segment.store_path=" + config.segment().store_path() + "-" + std::to_string(i));
    add(id, "segment", extra);
  }
  for (int i = 0; i < options.extract_workers; ++i) {
    const std::string id = "extract-" + std::to_string(i);
    std::vector<std::string> extra = {"extract.worker_id=" + id};
    if (options.extract_workers > 1) extra.push_back("extract.store_path=" + config.extract().store_path() + "-" + std::to_string(i));
    add(id, "extract", extra);
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

Status PipelineLauncher::Stop(std::chrono::milliseconds deadline) {
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    if ((*it)->pid > 0) kill((*it)->pid, SIGTERM);
  }
  const auto end = std::chrono::steady_clock::now() + deadline;
  std::string unclean;
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
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      unclean += " " + c.instance + "(exit " + std::to_string(WEXITSTATUS(status)) + ")";
    }
    c.pid = -1;
  }
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
