#include "services/ingest/decode_sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <new>

#include "common/text/doc_id.h"

extern char** environ;

namespace reportflow::ingest {
namespace pb = ::reportflow::ingest::v1;

namespace {

constexpr int kExitOutOfMemory = 3;
constexpr int kExitBadInvocation = 4;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string FormatName(const std::string& format) {
  if (format == "pdf") return "PDF";
  if (format == "docx") return "Word (.docx)";
  if (format == "html") return "HTML";
  return format;
}

std::string Seconds(int64_t ms) {
  char buf[32];
  if (ms % 1000 == 0) {
    std::snprintf(buf, sizeof(buf), "%lld s", static_cast<long long>(ms / 1000));
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f s", static_cast<double>(ms) / 1000.0);
  }
  return buf;
}

std::string Megabytes(uint64_t bytes) { return std::to_string(bytes >> 20) + " MB"; }

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The child's address space now (VmSize), so the memory budget is what the
// decode may add, not what the executable's libraries already map.
uint64_t AddressSpaceBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  }
  return 0;
}

}  // namespace

bool DecodeSandbox::Job::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

DecodeOutcome DecodeSandbox::Job::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(outcome_);
}

Result<std::unique_ptr<DecodeSandbox>> DecodeSandbox::Create(Options options) {
  if (options.workers < 1) return Status::InvalidArgument("decode sandbox: at least one worker");
  if (access(options.executable.c_str(), X_OK) != 0) {
    return Status::IoError("decode sandbox: cannot execute " + options.executable + ": " + strerror(errno));
  }
  std::unique_ptr<DecodeSandbox> sandbox(new DecodeSandbox(std::move(options)));
  sandbox->running_.assign(static_cast<size_t>(sandbox->options_.workers), 0);
  for (int i = 0; i < sandbox->options_.workers; ++i) {
    sandbox->threads_.emplace_back([s = sandbox.get(), i] { s->Work(static_cast<size_t>(i)); });
  }
  return sandbox;
}

DecodeSandbox::~DecodeSandbox() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (pid_t pid : running_) {
      if (pid > 0) kill(pid, SIGKILL);
    }
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool DecodeSandbox::Wants(std::string_view bytes) {
  const std::string format = DetectFormat(bytes);
  return format == "pdf" || format == "docx" || format == "html";
}

std::shared_ptr<DecodeSandbox::Job> DecodeSandbox::Submit(std::string source, std::string bytes) {
  auto job = std::make_shared<Job>();
  job->format_ = DetectFormat(bytes);
  job->source_ = std::move(source);
  job->bytes_ = std::move(bytes);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(job);
  }
  cv_.notify_one();
  return job;
}

void DecodeSandbox::SetRunning(size_t slot, pid_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  running_[slot] = pid;
}

void DecodeSandbox::Work(size_t slot) {
  // Signals are for the service's main thread (its handler wakes the loop).
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    DecodeOutcome outcome = RunChild(*job, slot);
    {
      std::lock_guard<std::mutex> lock(job->mu_);
      job->outcome_ = std::move(outcome);
      job->done_ = true;
      job->bytes_.clear();
      job->bytes_.shrink_to_fit();
    }
    if (options_.wake) options_.wake();
  }
}

DecodeOutcome DecodeSandbox::RunChild(Job& job, size_t slot) {
  const std::string what = FormatName(job.format_);
  auto fail = [&](const std::string& why) {
    return RejectedOutcome(job.source_, pb::REJECTION_CODE_UNREADABLE, what + ": cannot start the decoder: " + why);
  };
  const DecodeBudget& budget = options_.budget;
  const int in = memfd_create("reportflow-decode", MFD_CLOEXEC);
  if (in < 0) return fail(std::string("memfd_create: ") + strerror(errno));
  if (!WriteAll(in, job.bytes_) || lseek(in, 0, SEEK_SET) != 0) {
    close(in);
    return fail(std::string("memfd write: ") + strerror(errno));
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    close(in);
    return fail(std::string("pipe: ") + strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> args = {options_.executable,
                                   std::string(kDecodeChildFlag),
                                   job.source_,
                                   std::to_string(budget.timeout_ms),
                                   std::to_string(budget.memory_bytes),
                                   std::to_string(budget.max_output_bytes),
                                   std::to_string(getpid())};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, options_.executable.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(in);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return fail(std::string("posix_spawn: ") + strerror(rc));
  }
  SetRunning(slot, pid);

  const int64_t deadline = NowMillis() + budget.timeout_ms;
  std::string out;
  bool timed_out = false, too_big = false;
  char buf[1 << 16];
  for (;;) {
    const int64_t left = deadline - NowMillis();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = read(pipe_fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is done
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > budget.max_output_bytes + 1) {
      too_big = true;
      break;
    }
  }
  close(pipe_fds[0]);
  if (timed_out || too_big) kill(pid, SIGKILL);
  SetRunning(slot, 0);  // the child is not reaped yet, so its pid cannot be reused before this
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  if (timed_out) {
    return RejectedOutcome(job.source_, pb::REJECTION_CODE_TOO_LARGE,
                    what + " parse exceeded " + Seconds(budget.timeout_ms) + " (limits.decode_timeout_ms); file not read");
  }
  if (too_big || (WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ)) {
    return RejectedOutcome(job.source_, pb::REJECTION_CODE_TOO_LARGE,
                    what + " text exceeded " + Megabytes(budget.max_output_bytes) + "; file not read");
  }
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
    return RejectedOutcome(job.source_, pb::REJECTION_CODE_TOO_LARGE,
                    what + " parse exceeded " + Seconds(budget.timeout_ms) +
                        " of CPU time (limits.decode_timeout_ms); file not read");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kExitOutOfMemory) {
    return RejectedOutcome(job.source_, pb::REJECTION_CODE_TOO_LARGE,
                    what + " parse exceeded " + Megabytes(budget.memory_bytes) +
                        " of memory (limits.decode_memory_mb); file not read");
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return RejectedOutcome(job.source_, pb::REJECTION_CODE_UNDECODABLE,
                    what + " parser crashed (signal " + std::to_string(sig) + ", " + strsignal(sig) +
                        "; memory budget " + Megabytes(budget.memory_bytes) + "); file not read");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.empty()) {
    return RejectedOutcome(job.source_, pb::REJECTION_CODE_UNDECODABLE,
                    what + " decoder failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                        "); file not read");
  }
  DecodeOutcome outcome;
  const std::string_view body = std::string_view(out).substr(1);
  if (out[0] == 'D' && outcome.document.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    outcome.ok = true;
    outcome.doc_id = text::DocIdForText(outcome.document.text());
    outcome.document.set_source(job.source_);
    return outcome;
  }
  if (out[0] == 'R' && outcome.rejection.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    outcome.rejection.set_source(job.source_);
    return outcome;
  }
  return RejectedOutcome(job.source_, pb::REJECTION_CODE_UNDECODABLE, what + " decoder returned an unreadable result");
}

int RunDecodeChild(int argc, char** argv) {
  if (argc != 7) return kExitBadInvocation;
  // Dies with ingest; if ingest already died, the re-check catches it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (std::to_string(getppid()) != argv[6]) return kExitBadInvocation;
  const std::string source = argv[2];
  int64_t timeout_ms = 0;
  uint64_t memory_bytes = 0, max_output_bytes = 0;
  try {
    timeout_ms = std::stoll(argv[3]);
    memory_bytes = std::stoull(argv[4]);
    max_output_bytes = std::stoull(argv[5]);
  } catch (const std::exception&) {
    return kExitBadInvocation;
  }
  std::string bytes;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = read(0, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return kExitBadInvocation;
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  // The budget: CPU seconds (the parent's wall deadline usually comes first),
  // address space the decode may add, bytes it may write.
  const rlim_t cpu = static_cast<rlim_t>((timeout_ms + 999) / 1000 + 1);
  const rlimit cpu_limit{cpu, cpu + 1};
  const rlim_t as = static_cast<rlim_t>(AddressSpaceBytes() + memory_bytes);
  const rlimit as_limit{as, as};
  const rlimit fsize_limit{static_cast<rlim_t>(max_output_bytes + (1u << 20)),
                           static_cast<rlim_t>(max_output_bytes + (1u << 20))};
  if (setrlimit(RLIMIT_CPU, &cpu_limit) != 0 || setrlimit(RLIMIT_AS, &as_limit) != 0 ||
      setrlimit(RLIMIT_FSIZE, &fsize_limit) != 0) {
    return kExitBadInvocation;
  }
  std::string out;
  try {
    DecodeOutcome outcome = DecodeDocument(source, bytes);
    bytes.clear();
    bytes.shrink_to_fit();
    out = outcome.ok ? "D" + outcome.document.SerializeAsString() : "R" + outcome.rejection.SerializeAsString();
  } catch (const std::bad_alloc&) {
    return kExitOutOfMemory;
  }
  return WriteAll(1, out) ? 0 : kExitBadInvocation;
}

}  // namespace reportflow::ingest
