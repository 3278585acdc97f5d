#include "services/ingest/batch_tracker.h"

#include <google/protobuf/util/time_util.h>

namespace reportflow::ingest {
namespace pb = ::reportflow::ingest::v1;
namespace ppb = ::reportflow::pipeline::v1;
using google::protobuf::util::TimeUtil;

BatchTracker::Batch* BatchTracker::Submit(const std::string& batch_id, const std::vector<std::string>& paths,
                                          const ScanLimits& limits) {
  if (batches_.count(batch_id)) return nullptr;
  Batch b;
  b.record.set_batch_id(batch_id);
  for (const auto& p : paths) b.record.add_paths(p);
  *b.record.mutable_started_at() = TimeUtil::MillisecondsToTimestamp(clock_.NowMillis());
  b.started_mono = clock_.MonotonicMillis();
  b.scanner = std::make_unique<InputScanner>(paths, limits);
  auto [it, _] = batches_.emplace(batch_id, std::move(b));
  scan_order_.push_back(batch_id);
  return &it->second;
}

BatchTracker::Batch* BatchTracker::Find(const std::string& batch_id) {
  auto it = batches_.find(batch_id);
  return it == batches_.end() ? nullptr : &it->second;
}

BatchTracker::Batch* BatchTracker::Scanning() { return scan_order_.empty() ? nullptr : Find(scan_order_.front()); }

std::vector<const BatchTracker::Batch*> BatchTracker::ScanDone(Batch& b) {
  b.record.set_scan_done(true);
  if (b.scanner) b.record.set_files_found(static_cast<uint32_t>(b.scanner->items_seen()));
  b.scanner.reset();
  if (!scan_order_.empty() && scan_order_.front() == b.record.batch_id()) scan_order_.pop_front();
  Note(store_->PutBatch(b.record));
  std::vector<const Batch*> done;
  MaybeFinish(b, &done);
  return done;
}

Status BatchTracker::Reject(Batch& b, const pb::Rejection& rejection) {
  b.record.set_rejected(b.record.rejected() + 1);
  if (rejection.code() == pb::REJECTION_CODE_DUPLICATE) b.record.set_duplicates(b.record.duplicates() + 1);
  return store_->PutRejection(b.record.batch_id(), b.rejection_seq++, rejection);
}

void BatchTracker::Attach(Batch& b, const std::string& doc_id) {
  if (!b.docs.insert(doc_id)) return;
  b.record.set_documents(static_cast<uint32_t>(b.docs.size()));
  doc_batches_[doc_id].push_back(b.record.batch_id());
}

void BatchTracker::AttachFinished(Batch& b, const std::string& doc_id, bool quarantined) {
  if (!b.docs.insert(doc_id)) return;
  b.record.set_documents(static_cast<uint32_t>(b.docs.size()));
  if (!quarantined) {
    b.record.set_already_complete(b.record.already_complete() + 1);
    b.docs.Set(doc_id, Batch::kSegmented);
  }
  if (b.docs.Set(doc_id, Batch::kFinished) && quarantined) ++b.quarantined;
}

void BatchTracker::Segmented(const std::string& doc_id) {
  auto it = doc_batches_.find(doc_id);
  if (it == doc_batches_.end()) return;
  for (const auto& batch_id : it->second) {
    if (Batch* b = Find(batch_id)) b->docs.Set(doc_id, Batch::kSegmented);
  }
}

void BatchTracker::Retried(const std::string& doc_id) {
  auto it = doc_batches_.find(doc_id);
  if (it == doc_batches_.end()) return;
  for (const auto& batch_id : it->second) {
    if (Batch* b = Find(batch_id)) ++b->retries;
  }
}

std::vector<const BatchTracker::Batch*> BatchTracker::Finished(const std::string& doc_id, bool quarantined,
                                                               uint64_t metrics) {
  std::vector<const Batch*> done;
  auto it = doc_batches_.find(doc_id);
  if (it == doc_batches_.end()) return done;
  for (const auto& batch_id : it->second) {
    Batch* b = Find(batch_id);
    if (!b || !b->docs.Set(doc_id, Batch::kFinished)) continue;
    if (quarantined) {
      ++b->quarantined;
    } else {
      b->docs.Set(doc_id, Batch::kSegmented);
    }
    b->metrics += metrics;
    MaybeFinish(*b, &done);
  }
  doc_batches_.erase(it);
  return done;
}

void BatchTracker::MaybeFinish(Batch& b, std::vector<const Batch*>* done) {
  if (!b.done() || b.finished_mono != 0) return;
  b.finished_mono = clock_.MonotonicMillis();
  *b.record.mutable_finished_at() = TimeUtil::MillisecondsToTimestamp(clock_.NowMillis());
  Note(store_->PutBatch(b.record));
  done->push_back(&b);
}

void BatchTracker::Note(const Status& s) {
  if (!s.ok() && error_.ok()) error_ = s;
}

Status BatchTracker::TakeError() {
  Status s = error_;
  error_ = Status::OK();
  return s;
}

size_t BatchTracker::active() const {
  size_t n = 0;
  for (const auto& [id, b] : batches_) n += b.done() ? 0 : 1;
  return n;
}

ppb::BatchStatus BatchTracker::StatusOf(const Batch& b, bool include_rejections, const PipelineLoad& load) {
  ppb::BatchStatus st;
  st.set_batch_id(b.record.batch_id());
  st.set_scan_done(b.record.scan_done());
  st.set_files_found(b.record.files_found());
  st.set_documents(static_cast<uint32_t>(b.docs.size()));
  st.set_already_complete(b.record.already_complete());
  st.set_completed(static_cast<uint32_t>(b.finished()) - b.quarantined);
  st.set_quarantined(b.quarantined);
  st.set_in_flight(static_cast<uint32_t>(b.docs.size() - b.finished()));
  st.set_rejected(b.record.rejected());
  st.set_duplicates(b.record.duplicates());
  st.set_done(b.done());
  st.set_metrics(b.metrics);
  st.set_segmented(static_cast<uint32_t>(b.segmented()));
  st.set_retries(b.retries);
  st.set_reprocessed(b.reprocessed);
  if (b.reprocessed > 0) {
    for (const auto& note : store_notes_) st.add_store_notes(note);
  }
  st.set_segment_queued(load.segment_queued);
  st.set_extract_queued(load.extract_queued);
  st.set_segment_workers(load.segment_workers);
  st.set_extract_workers(load.extract_workers);
  const int64_t end = b.finished_mono ? b.finished_mono : clock_.MonotonicMillis();
  st.set_elapsed_seconds(static_cast<double>(end - b.started_mono) / 1000.0);
  if (include_rejections) {
    Note(store_->ListRejections(b.record.batch_id(), st.mutable_rejections()));
    if (b.quarantined > 0) {
      b.docs.ForEach(Batch::kFinished, [&](const std::string& doc_id) {
        pb::LedgerEntry e;
        Status s = store_->GetLedger(doc_id, &e);
        Note(s);
        if (s.ok() && e.state() == pb::DOC_STATE_QUARANTINED) {
          *st.add_quarantined_documents() = e;
        }
      });
    }
  }
  return st;
}

}  // namespace reportflow::ingest
