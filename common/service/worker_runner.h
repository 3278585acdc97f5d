// WorkerRunner: the loop shared by every worker stage (segment, extract).
//
// A worker connects a DEALER to its stage's work endpoint on ingest and asks
// for work by credit (WorkerReady with its free capacity, on connect and again
// as a heartbeat whenever it has been idle for a second, so a restarted ingest
// learns about it). For each envelope it receives it calls the handler, then:
//   - with no output endpoint, sends the result back on the DEALER (which
//     returns the credit: segment);
//   - with an output endpoint, pushes the result there (PUSH, waiting while
//     the peer is slow: backpressure) and returns the credit with a WorkerReady
//     (extract -> aggregate).
// A handler error becomes a StageFailure envelope (permanent for
// InvalidArgument/Corruption: bad input that a retry cannot fix).
//
// Thread-safety: Run() owns its sockets on the calling thread; Stop() may be
// called from any thread or a signal handler.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/service/service.h"
#include "common/storage/store.h"
#include "reportflow/config/v1/config.pb.h"
#include "reportflow/pipeline/v1/envelope.pb.h"

namespace reportflow::service {

struct WorkerOptions {
  std::string stage;            // "segment" or "extract"
  std::string worker_id;
  std::string work_endpoint;    // ingest's ROUTER for this stage
  std::string output_endpoint;  // empty: reply on the work socket
  storage::Store* store = nullptr;  // where each group's writes are committed (not owned)
  std::string store_id, store_note;  // the store's identity, announced with every WorkerReady
  // The column family holding one record per document: the runner counts
  // its keys at start and the new ones each group commits, and announces the
  // count with every WorkerReady (store_documents), so ingest can tell a store
  // that lost records inside it (services/ingest/store_check.h). Empty: not counted.
  std::string counted_cf;
};

// Processes `in` into `out` (payload and any fields to change; doc_id,
// batch_id, attempt and trace_id are copied by the runner) and adds what must
// be persisted before `out` is forwarded to `writes`; the runner commits the
// writes of the whole group to WorkerOptions::store before sending anything.
using WorkHandler = std::function<Status(const pipeline::v1::Envelope& in, pipeline::v1::Envelope* out,
                                         storage::WriteBatch* writes)>;

// The store tuning of a worker's results: written once and read only when a
// document comes again, so small memtables (8 MB) and cache (4 MB, index and
// filter blocks included) keep the worker's memory flat with corpus size.
// They are budgets that fill as the store grows (a jemalloc heap profile of
// segment over a 100k-report run: cached blocks, 9.7 MB, and memtable arenas,
// 2.8 MB, were most of what grew after the first seconds): the smaller they
// are, the sooner a run reaches its plateau. Every new document is looked up
// in `results_family` first (a stored result is reused): it is probed, and
// what a probe reads is not cached.
inline storage::StoreTuning WorkerStoreTuning(const std::string& results_family) {
  storage::StoreTuning tuning;
  tuning.memtable_budget_bytes = 8u << 20;
  tuning.write_buffer_bytes = 4u << 20;
  tuning.block_cache_bytes = 4u << 20;
  tuning.probed_families = {results_family};
  tuning.read_once_families = {results_family};
  return tuning;
}

class WorkerRunner {
 public:
  static Result<std::unique_ptr<WorkerRunner>> Create(const config::v1::PipelineConfig& config, WorkerOptions options,
                                                      WorkHandler handler);
  ~WorkerRunner();
  // Blocks until Stop(); returns OK on a clean stop.
  Status Run();
  void Stop();

 private:
  struct Impl;
  explicit WorkerRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reportflow::service
