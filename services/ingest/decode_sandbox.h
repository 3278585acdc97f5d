// DecodeSandbox: decodes the heavy formats (PDF, .docx, HTML) in a child
// process under a CPU, memory and wall-time budget, so a slow or hostile file
// can neither stall ingest's loop nor take its memory. Plain text stays
// in-process (the fast path: DecodeDocument in the caller).
//
// The child is the ingest executable itself, started again (posix_spawn of
// /proc/self/exe) in decode mode (RunDecodeChild, reached from main() when
// argv[1] is kDecodeChildFlag): the file's bytes on stdin (a memfd, so the
// parent never blocks writing), the result on stdout (a pipe). The child sets
// RLIMIT_CPU, RLIMIT_AS and RLIMIT_FSIZE on itself before it parses, and
// PR_SET_PDEATHSIG, so it dies with ingest however ingest ends.
//
// A pool of `workers` threads runs one child each and waits on the pipe until
// the wall deadline; past it the child is SIGKILLed and the file is rejected
// ("PDF parse exceeded 10 s"). A finished job calls `wake` from the pool
// thread (ingest passes its loop's Waker), so the loop never waits on a
// decode: it polls Job::done() when woken.
//
// Lifecycle: the destructor kills running children and joins the pool; jobs
// not started then stay not done. Thread-safety: Submit() and Job methods
// from any thread.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "services/ingest/document_decoder.h"

namespace reportflow::ingest {

// argv[1] of the ingest executable in decode mode.
inline constexpr std::string_view kDecodeChildFlag = "--decode-child";

struct DecodeBudget {
  int64_t timeout_ms = 10000;        // wall time per file (also the CPU limit, rounded up)
  uint64_t memory_bytes = 1ull << 30;  // the child's address space
  uint64_t max_output_bytes = 64ull << 20;  // the decoded document the child returns
};

class DecodeSandbox {
 public:
  struct Options {
    DecodeBudget budget;
    int workers = 2;
    std::string executable = "/proc/self/exe";  // started with kDecodeChildFlag
    std::function<void()> wake;                 // called (pool thread) when a job is done
  };

  // One file's decode. done() turns true once; Take() then moves the outcome out.
  class Job {
   public:
    bool done() const;
    DecodeOutcome Take();

   private:
    friend class DecodeSandbox;
    std::string source_, bytes_, format_;
    mutable std::mutex mu_;
    bool done_ = false;
    DecodeOutcome outcome_;
  };

  static Result<std::unique_ptr<DecodeSandbox>> Create(Options options);
  ~DecodeSandbox();
  DecodeSandbox(const DecodeSandbox&) = delete;
  DecodeSandbox& operator=(const DecodeSandbox&) = delete;

  // True for the formats decoded in the sandbox (pdf, docx, html), from the bytes.
  static bool Wants(std::string_view bytes);
  // Queues the file; the job is done once decoded, rejected or killed.
  std::shared_ptr<Job> Submit(std::string source, std::string bytes);

 private:
  explicit DecodeSandbox(Options options) : options_(std::move(options)) {}
  void Work(size_t slot);
  // Runs one child for the job (worker `slot`); returns its outcome (a rejection on any failure).
  DecodeOutcome RunChild(Job& job, size_t slot);
  void SetRunning(size_t slot, pid_t pid);

  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;  // guarded by mu_
  std::vector<pid_t> running_;              // guarded by mu_: a child per worker (0 = none)
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> threads_;
};

// The decode mode of the ingest executable: argv = [exe, kDecodeChildFlag,
// source, timeout_ms, memory_bytes, max_output_bytes, parent_pid]. Reads the
// file from stdin, writes the outcome to stdout; returns the exit code.
int RunDecodeChild(int argc, char** argv);

}  // namespace reportflow::ingest
