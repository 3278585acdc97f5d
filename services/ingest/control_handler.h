// ControlHandler: answers the operator's control requests (submit a batch,
// a batch's status, shutdown) from the BatchTracker. No sockets: the service
// parses the request, calls Handle and sends the response.
//
// Thread-safety: none (one ingest loop owns it).
#pragma once

#include <functional>

#include "reportflow/pipeline/v1/control.pb.h"
#include "services/ingest/batch_tracker.h"

namespace reportflow::ingest {

// What a request asked of the service beyond its response.
struct ControlOutcome {
  bool submitted = false;  // a new batch started
  bool shutdown = false;   // stop the service
};

class ControlHandler {
 public:
  // `load` reports the pipeline-wide queues and workers for each status.
  ControlHandler(BatchTracker* batches, ScanLimits limits, std::function<PipelineLoad()> load)
      : batches_(batches), limits_(limits), load_(std::move(load)) {}
  // The response to `request`.
  pipeline::v1::ControlResponse Handle(const pipeline::v1::ControlRequest& request, ControlOutcome* outcome);

 private:
  BatchTracker* batches_;
  ScanLimits limits_;
  std::function<PipelineLoad()> load_;
};

}  // namespace reportflow::ingest
