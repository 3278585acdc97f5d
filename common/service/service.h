// Service: the lifecycle every reportflow service follows (see STYLE.md habit 2):
//   static Result<std::unique_ptr<X>> Create(const PipelineConfig&)
//   Status Run()        blocks until shutdown; returns the reason it stopped
//   void Shutdown()     idempotent, callable from any thread and from a signal handler
//
// Signals are events: the handler only wakes the service's poll loop through
// its Waker (an eventfd); the loop stops intake, drains, flushes and returns.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::service {

// An eventfd the poll loop watches. Wake() is async-signal-safe.
class Waker {
 public:
  static Result<std::unique_ptr<Waker>> Create();
  ~Waker();
  int fd() const { return fd_; }
  void Wake();
  // Clears the readable state; returns true if Wake() was called since the last Drain().
  bool Drain();

 private:
  explicit Waker(int fd) : fd_(fd) {}
  int fd_;
};

class Service {
 public:
  virtual ~Service() = default;
  virtual Status Run() = 0;
  // Asks Run() to stop (idempotent, async-signal-safe).
  virtual void Shutdown() = 0;
};

using ServiceFactory = std::function<Result<std::unique_ptr<Service>>(const config::v1::PipelineConfig&)>;

// A ServiceFactory for any T with `static Result<std::unique_ptr<T>> Create(const PipelineConfig&)`.
template <typename T>
ServiceFactory FactoryOf() {
  return [](const config::v1::PipelineConfig& cfg) -> Result<std::unique_ptr<Service>> {
    auto created = T::Create(cfg);
    if (!created.ok()) return created.status();
    return std::unique_ptr<Service>(std::move(created).value());
  };
}

// A service that stopped because its disk is full (storage::IsNoSpace) exits
// with this code (ENOSPC's number): restarting cannot help, so `reportflow
// run` does not restart it and reports "no space left on <path>".
inline constexpr int kExitNoSpace = 28;

// A service that stopped because the same failure kept coming back however
// its work was retried (a store failing every write, a disk gone read-only),
// none of it the inputs' fault, exits with this code (sysexits' EX_IOERR): a
// restart would meet it again while ingest's leases run out, blaming the
// documents in flight, so `reportflow run` does not restart it and reports the
// error instead; the documents stay in flight for the next run.
inline constexpr int kExitPersistentFailure = 74;

// `cause`, marked as such a failure (its code kept, its message prefixed with
// "persistent failure: "): ServiceShell::Fail with it stops the service, and
// RunServiceMain exits kExitPersistentFailure.
Status PersistentFailure(const Status& cause);
bool IsPersistentFailure(const Status& s);

// The whole body of a service's main(): parses --config/--data/--log-level
// (and --help), loads and validates the config, sets up logging, creates the
// service, routes SIGINT/SIGTERM to Shutdown(), runs it, and maps the result
// to an exit code (0 clean stop, 1 runtime failure, 2 usage/config error,
// kExitNoSpace disk full, kExitPersistentFailure see above).
//
// With `--ready-fd N` (given by a launcher such as `reportflow run`), it
// writes one byte to descriptor N once the service is created (its sockets
// bound and connected, "started" logged) and closes it: the launcher waits
// for that event instead of retrying a peer that is not listening yet.
//
// How a service's heap is kept (common/base/memory.h), set before the service
// is created.
struct HeapPolicy {
  // Heap faulted in at once (PrewarmHeap), about what its main thread's
  // working set takes; 0 for none.
  size_t prewarm_bytes = 0;
  // How long freed pages stay for reuse before going back to the system
  // (KeepFreedPages; -1: while the process runs); 0 leaves malloc_conf's 3 s.
  int64_t keep_freed_ms = 0;
};

int RunServiceMain(int argc, char** argv, const std::string& name, const std::string& description,
                   const ServiceFactory& factory, HeapPolicy heap = {});

}  // namespace reportflow::service
