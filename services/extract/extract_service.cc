#include "services/extract/extract_service.h"

#include "common/base/macros.h"
#include "common/storage/store_identity.h"

namespace reportflow::extract {

Result<std::shared_ptr<const Taxonomy>> LoadConfiguredTaxonomy(const config::v1::PipelineConfig& config) {
  if (config.extract().taxonomy_path().empty()) return Taxonomy::Default();
  return Taxonomy::LoadFile(config.extract().taxonomy_path());
}

Result<std::unique_ptr<ExtractService>> ExtractService::Create(const config::v1::PipelineConfig& config) {
  std::unique_ptr<ExtractService> svc(new ExtractService());
  ASSIGN_OR_RETURN(auto taxonomy, LoadConfiguredTaxonomy(config));
  // Fingerprints serve only near-duplicate detection (aggregate): not computed when it is off.
  const bool fingerprints = !config.audit().has_near_duplicates() || config.audit().near_duplicates();
  ASSIGN_OR_RETURN(svc->extractor_, Extractor::Create(std::move(taxonomy), fingerprints));
  // Verified at open; a damaged store is moved aside and rebuilt from upstream (ingest re-sends).
  ASSIGN_OR_RETURN(auto opened, storage::OpenIdentifiedStore(config.extract().store_path(), {kExtractionsCf},
                                                             storage::OnDamage::kMoveAside,
                                                             service::WorkerStoreTuning(kExtractionsCf)));
  svc->store_ = std::move(opened.store);
  service::WorkerOptions options{"extract", config.extract().worker_id(), config.endpoints().extract_work(),
                                 config.endpoints().aggregate_input(), svc->store_.get(), opened.id, opened.note,
                                 kExtractionsCf};
  ExtractService* self = svc.get();
  ASSIGN_OR_RETURN(svc->runner_,
                   service::WorkerRunner::Create(config, options, [self](const auto& in, auto* out, auto* writes) {
                     return self->Handle(in, out, writes);
                   }));
  return svc;
}

Status ExtractService::Handle(const pipeline::v1::Envelope& in, pipeline::v1::Envelope* out,
                              storage::WriteBatch* writes) {
  if (!in.has_segmented_document()) return Status::InvalidArgument("extract expects a segmented_document");
  auto* result = out->mutable_extraction();
  Status stored = store_->GetProto(kExtractionsCf, in.doc_id(), result);
  if (stored.ok() && result->processing_version() == extractor_->Version()) {
    extractor_->Fingerprint(in.segmented_document(), result);
    return Status::OK();
  }
  RETURN_IF_ERROR(extractor_->Extract(in.segmented_document(), result));
  // Persisted with the group before anything is forwarded: a restarted stage
  // resumes without loss. Stored without the fingerprint: it is a function of
  // the text, which comes with every delivery, and half the bytes to store.
  const bool absent_before = stored.code() == StatusCode::kNotFound;
  if (result->has_fingerprint()) {
    // Set aside and put back as it is (no copy, whatever arena holds it).
    extract::v1::TextFingerprint* fingerprint = result->unsafe_arena_release_fingerprint();
    writes->PutProto(kExtractionsCf, in.doc_id(), *result, absent_before);
    result->unsafe_arena_set_allocated_fingerprint(fingerprint);
  } else {
    writes->PutProto(kExtractionsCf, in.doc_id(), *result, absent_before);
  }
  return Status::OK();
}

}  // namespace reportflow::extract
