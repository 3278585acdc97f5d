#include "services/segment/segment_service.h"

#include "common/base/macros.h"
#include "common/storage/store_identity.h"

namespace reportflow::segment {

Result<std::unique_ptr<SegmentService>> SegmentService::Create(const config::v1::PipelineConfig& config) {
  std::unique_ptr<SegmentService> svc(new SegmentService());
  SegmenterOptions segmenter_options;
  segmenter_options.scope.assign(config.segment().region().begin(), config.segment().region().end());
  ASSIGN_OR_RETURN(svc->segmenter_, Segmenter::Create(std::move(segmenter_options)));
  // Verified at open; a damaged store is moved aside and rebuilt from upstream (ingest re-sends).
  ASSIGN_OR_RETURN(auto opened, storage::OpenIdentifiedStore(config.segment().store_path(), {kSegmentedCf},
                                                             storage::OnDamage::kMoveAside,
                                                             service::WorkerStoreTuning(kSegmentedCf)));
  svc->store_ = std::move(opened.store);
  service::WorkerOptions options{"segment", config.segment().worker_id(), config.endpoints().segment_work(), "",
                                 svc->store_.get(), opened.id, opened.note, kSegmentedCf};
  SegmentService* self = svc.get();
  ASSIGN_OR_RETURN(svc->runner_,
                   service::WorkerRunner::Create(config, options, [self](const auto& in, auto* out, auto* writes) {
                     return self->Handle(in, out, writes);
                   }));
  return svc;
}

Status SegmentService::Handle(const pipeline::v1::Envelope& in, pipeline::v1::Envelope* out,
                              storage::WriteBatch* writes) {
  if (!in.has_raw_document()) return Status::InvalidArgument("segment expects a raw_document");
  auto* doc = out->mutable_segmented_document();
  Status stored = store_->GetProto(kSegmentedCf, in.doc_id(), doc);
  if (stored.ok() && doc->processing_version() == segmenter_->version()) {
    doc->set_text(in.raw_document().text());  // the store keeps structure, not the text
    return Status::OK();
  }
  doc->Clear();
  doc->set_source(in.raw_document().source());
  RETURN_IF_ERROR(segmenter_->Segment(in.raw_document().text(), doc));
  // Persisted (with the group, before anything is forwarded): the structure,
  // spans and metadata. The text is ingest's (documents family); readers join it.
  std::string text = std::move(*doc->mutable_text());
  doc->clear_text();
  writes->PutProto(kSegmentedCf, in.doc_id(), *doc, /*absent_before=*/stored.code() == StatusCode::kNotFound);
  doc->set_text(std::move(text));
  return Status::OK();
}

}  // namespace reportflow::segment
