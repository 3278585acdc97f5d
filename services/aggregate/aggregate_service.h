// AggregateService: the pipeline's last stage. Receives extraction results
// from extract workers, applies them to the rollups (Aggregator) in its own
// store, and acknowledges each committed document to ingest.
//
// Sockets:
//   endpoints.aggregate_input  PULL (bind)     extraction results from extract workers
//   endpoints.ingest_acks      PUSH (connect)  acknowledgements to ingest
//   endpoints.aggregate_publish  PUB (bind)    live stream: [topic][aggregate.v1.StreamEvent]
//   endpoints.aggregate_snapshot ROUTER (bind) snapshots of the full state (Clone pattern)
// Topics and the snapshot protocol: common/stream/topics.h, aggregate.proto.
//
// Thread-safety: Run() owns every socket on the calling thread; Shutdown() may
// be called from any thread or a signal handler.
#pragma once

#include <memory>

#include "common/base/result.h"
#include "common/service/service.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::aggregate {

class AggregateService : public service::Service {
 public:
  static Result<std::unique_ptr<AggregateService>> Create(const config::v1::PipelineConfig& config);
  ~AggregateService() override;
  Status Run() override;
  void Shutdown() override;

 private:
  struct Impl;
  explicit AggregateService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reportflow::aggregate
