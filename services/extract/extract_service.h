// ExtractService: an extract worker. Takes segmented documents from ingest by
// credit, extracts quantities (Extractor), stores the result in its own store,
// then pushes it to aggregate. Idempotent by doc_id: a stored result with the
// same processing version (extractor + taxonomy) is forwarded without work.
//
// Store layout: cf "extractions": doc_id -> extract.v1.ExtractionResult,
// without its text fingerprint (recomputed from the delivered text on a hit).
// Thread-safety: Run() on one thread; Shutdown() from any thread or a signal handler.
#pragma once

#include <memory>

#include "common/base/result.h"
#include "common/service/service.h"
#include "common/service/worker_runner.h"
#include "common/storage/store.h"
#include "reportflow/config/v1/config.pb.h"
#include "reportflow/pipeline/v1/envelope.pb.h"
#include "services/extract/extractor.h"

namespace reportflow::extract {

inline constexpr char kExtractionsCf[] = "extractions";

// The taxonomy named by the config, or the compiled-in default.
Result<std::shared_ptr<const Taxonomy>> LoadConfiguredTaxonomy(const config::v1::PipelineConfig& config);

class ExtractService : public service::Service {
 public:
  static Result<std::unique_ptr<ExtractService>> Create(const config::v1::PipelineConfig& config);
  Status Run() override { return runner_->Run(); }
  void Shutdown() override { runner_->Stop(); }

  // The work handler (public for in-process tests): segmented document in, extraction out.
  Status Handle(const pipeline::v1::Envelope& in, pipeline::v1::Envelope* out, storage::WriteBatch* writes);

 private:
  ExtractService() = default;
  std::unique_ptr<Extractor> extractor_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<service::WorkerRunner> runner_;
};

}  // namespace reportflow::extract
