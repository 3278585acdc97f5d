// BatchTracker: the operator batches ingest is working on, and which of their
// documents are done.
//
// A batch is scanned one item at a time (its InputScanner), collects its
// distinct documents, counts rejections, and is done once its scan is over
// and every document is complete or quarantined; a document may belong to
// several running batches (the same file submitted twice). Batch records and
// rejections are written to the ingest store as they happen; progress lives
// in memory (DocFlags: ~28 bytes per document).
//
// Thread-safety: none (one ingest loop owns it). Time comes from the Clock.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/base/clock.h"
#include "reportflow/pipeline/v1/control.pb.h"
#include "services/ingest/doc_set.h"
#include "services/ingest/input_scanner.h"
#include "services/ingest/ingest_store.h"

namespace reportflow::ingest {

// Pipeline-wide load, shown with every batch status.
struct PipelineLoad {
  uint32_t segment_queued = 0, extract_queued = 0, segment_workers = 0, extract_workers = 0;
};

class BatchTracker {
 public:
  struct Batch {
    ingest::v1::BatchRecord record;
    std::unique_ptr<InputScanner> scanner;
    static constexpr uint8_t kFinished = 1;   // complete or quarantined
    static constexpr uint8_t kSegmented = 2;  // past segment (or complete)
    DocFlags docs;  // distinct doc_ids, with kFinished and kSegmented
    size_t finished() const { return docs.count(kFinished); }
    size_t segmented() const { return docs.count(kSegmented); }
    uint32_t retries = 0;  // re-dispatches of this batch's documents
    uint32_t quarantined = 0;
    uint32_t reprocessed = 0;  // complete before, results missing, processed again
    uint64_t metrics = 0;
    uint32_t rejection_seq = 0;
    int64_t started_mono = 0;
    int64_t finished_mono = 0;
    bool done() const { return record.scan_done() && finished() == docs.size(); }
  };

  BatchTracker(const Clock& clock, IngestStore* store) : clock_(clock), store_(store) {}

  // Starts a batch that walks `paths` (nullptr if `batch_id` is already known).
  Batch* Submit(const std::string& batch_id, const std::vector<std::string>& paths, const ScanLimits& limits);
  Batch* Find(const std::string& batch_id);
  // The batch whose turn it is to scan (FIFO), or nullptr.
  Batch* Scanning();
  // Its scanner is exhausted: records the batch, lets the next one scan.
  // Returns the batch if that made it done.
  std::vector<const Batch*> ScanDone(Batch& batch);

  // Records a rejected file of the batch (store errors are returned; the count stands).
  Status Reject(Batch& batch, const ingest::v1::Rejection& rejection);
  bool Contains(const Batch& batch, const std::string& doc_id) const { return batch.docs.contains(doc_id); }
  // A document of the batch that is still to be processed.
  void Attach(Batch& batch, const std::string& doc_id);
  // A document of the batch that the ledger had as complete but whose results
  // were missing (StoreCheck): it is processed again (Attach it too).
  void Reprocessing(Batch& batch) { ++batch.reprocessed; }
  // Why documents were processed again (StoreCheck's notes), shown with the
  // status of every batch that reprocessed some.
  void AddStoreNotes(const std::vector<std::string>& notes) { store_notes_.insert(store_notes_.end(), notes.begin(), notes.end()); }
  // A document of the batch that was finished before it (complete or quarantined).
  void AttachFinished(Batch& batch, const std::string& doc_id, bool quarantined);

  // Progress of every running batch `doc_id` belongs to.
  void Segmented(const std::string& doc_id);
  void Retried(const std::string& doc_id);
  // The document is complete (with `metrics`) or quarantined. Returns the
  // batches that became done (their records are written).
  std::vector<const Batch*> Finished(const std::string& doc_id, bool quarantined, uint64_t metrics);

  pipeline::v1::BatchStatus StatusOf(const Batch& batch, bool include_rejections, const PipelineLoad& load);
  size_t active() const;
  // The first store error met while recording batches (since the last call).
  Status TakeError();

 private:
  void MaybeFinish(Batch& batch, std::vector<const Batch*>* done);
  void Note(const Status& s);

  const Clock& clock_;
  IngestStore* store_;
  std::map<std::string, Batch> batches_;  // by batch_id
  std::deque<std::string> scan_order_;    // batches still scanning, FIFO
  std::unordered_map<std::string, std::vector<std::string>> doc_batches_;  // doc_id -> running batches
  Status error_;
  std::vector<std::string> store_notes_;
};

}  // namespace reportflow::ingest
