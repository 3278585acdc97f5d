#include "services/segment/segment_service.h"

#include "common/base/macros.h"

namespace reportflow::segment {

Result<std::unique_ptr<SegmentService>> SegmentService::Create(const config::v1::PipelineConfig& config) {
  std::unique_ptr<SegmentService> svc(new SegmentService());
  SegmenterOptions segmenter_options;
  segmenter_options.scope.assign(config.segment().region().begin(), config.segment().region().end());
  ASSIGN_OR_RETURN(svc->segmenter_, Segmenter::Create(std::move(segmenter_options)));
  ASSIGN_OR_RETURN(svc->store_, storage::OpenRocksDbStore(config.segment().store_path(), {kSegmentedCf}));
  service::WorkerOptions options{"segment", config.segment().worker_id(), config.endpoints().segment_work(), ""};
  SegmentService* self = svc.get();
  ASSIGN_OR_RETURN(svc->runner_,
                   service::WorkerRunner::Create(config, options, [self](const auto& in, auto* out) {
                     return self->Handle(in, out);
                   }));
  return svc;
}

Status SegmentService::Handle(const pipeline::v1::Envelope& in, pipeline::v1::Envelope* out) {
  if (!in.has_raw_document()) return Status::InvalidArgument("segment expects a raw_document");
  auto* doc = out->mutable_segmented_document();
  Status stored = store_->GetProto(kSegmentedCf, in.doc_id(), doc);
  if (stored.ok() && doc->processing_version() == segmenter_->version()) return Status::OK();
  doc->Clear();
  doc->set_source(in.raw_document().source());
  RETURN_IF_ERROR(segmenter_->Segment(in.raw_document().text(), doc));
  // Persist before forwarding: a restarted stage resumes without loss.
  return store_->PutProto(kSegmentedCf, in.doc_id(), *doc);
}

}  // namespace reportflow::segment
