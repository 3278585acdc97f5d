// IngestService: the pipeline's entry point and dispatcher.
//
// It reads operators' batches (files, folders, archives) through InputScanner,
// decodes them (DocumentDecoder), stores each document and its ledger entry in
// the ingest store, and dispatches work to segment and extract workers by
// credit (the ZeroMQ guide's load-balancing pattern: a worker announces how
// many documents it can take; nothing is pushed blindly to a slow or dead
// worker). Segment results come back here and are dispatched to extract
// workers; extract workers push results to aggregate, which acknowledges each
// committed document. Unacknowledged documents are re-dispatched after a lease
// with attempt+1, and quarantined after limits.max_attempts.
//
// Sockets (all bound here; workers connect):
//   endpoints.ingest_control  ROUTER  operator requests (pipeline.v1.ControlRequest)
//   endpoints.segment_work    ROUTER  segment workers: ready/results/failures
//   endpoints.extract_work    ROUTER  extract workers: ready/failures
//   endpoints.ingest_acks     PULL    acknowledgements from aggregate
//
// Store layout: see common/storage/README.md ("ingest").
// Thread-safety: Run() owns every socket on the calling thread; Shutdown() may
// be called from any thread or a signal handler.
#pragma once

#include <memory>

#include "common/base/result.h"
#include "common/service/service.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::ingest {

class IngestService : public service::Service {
 public:
  static Result<std::unique_ptr<IngestService>> Create(const config::v1::PipelineConfig& config);
  ~IngestService() override;
  Status Run() override;
  void Shutdown() override;

 private:
  struct Impl;
  explicit IngestService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reportflow::ingest
