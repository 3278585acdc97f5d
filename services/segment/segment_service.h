// SegmentService: a segment worker. Takes raw documents from ingest by credit,
// segments them (Segmenter), stores the result in its own store before
// returning it to ingest. Idempotent by doc_id: a stored result with the same
// processing version is returned without segmenting again.
//
// Store layout: cf "segmented": doc_id -> segment.v1.SegmentedDocument
// WITHOUT its text (structure, spans, metadata; the text is stored once, by
// ingest, and readers join it from there).
// Thread-safety: Run() on one thread; Shutdown() from any thread or a signal handler.
#pragma once

#include <memory>

#include "common/base/result.h"
#include "common/service/service.h"
#include "common/service/worker_runner.h"
#include "common/storage/store.h"
#include "reportflow/config/v1/config.pb.h"
#include "reportflow/pipeline/v1/envelope.pb.h"
#include "services/segment/segmenter.h"

namespace reportflow::segment {

inline constexpr char kSegmentedCf[] = "segmented";

class SegmentService : public service::Service {
 public:
  static Result<std::unique_ptr<SegmentService>> Create(const config::v1::PipelineConfig& config);
  Status Run() override { return runner_->Run(); }
  void Shutdown() override { runner_->Stop(); }

  // The work handler: raw document in, segmented document out; the
  // structure to persist (without the text) is added to `writes`.
  Status Handle(const pipeline::v1::Envelope& in, pipeline::v1::Envelope* out, storage::WriteBatch* writes);

 private:
  SegmentService() = default;
  std::unique_ptr<Segmenter> segmenter_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<service::WorkerRunner> runner_;
};

}  // namespace reportflow::segment
