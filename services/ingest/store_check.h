// StoreCheck: which stage stores hold the results the ledger counts on, and
// whether they are still there ("already complete" means the results exist).
//
// Every stage store has an id fixed when it was created
// (common/storage/store_identity.h). Workers announce theirs with each
// WorkerReady, aggregate with each ack (and while idle). Ingest records, per
// ledger entry, the ids of the stores that hold the document's segmentation,
// extraction and contribution, and in its `stores` family every id a stage
// reported.
//
// A recorded store that no stage reports any more (deleted and created again,
// moved aside because it was damaged, or no longer served) is stale: the
// complete documents whose results it held are processed again. Until every
// stage has reported, and every recorded store has either reported again or
// had `settle_ms` to do so (several workers start at their own pace), the
// ledger cannot be judged: ingest does not start scanning batches.
//
// A stage may also announce how many documents its store holds (Ack and
// WorkerReady `store_documents`). When the ledger has more complete documents
// in a live store than the store holds, records were lost inside a store
// that still opens and passes its checksums (a WAL tail dropped, keys
// deleted): every complete document the ledger has there is processed again
// (stages are idempotent; the ones still held cost a lookup). A count is
// current as of its announcement, and a store acknowledges a document only
// after holding it, so a store that lost nothing never reports fewer.
//
// Thread-safety: none (one ingest loop owns it). Time comes from the Clock.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/base/clock.h"
#include "common/base/result.h"
#include "services/ingest/ingest_store.h"

namespace reportflow::ingest {

class StoreCheck {
 public:
  static constexpr const char* kStages[] = {"segment", "extract", "aggregate"};

  StoreCheck(const Clock& clock, IngestStore* store, int64_t settle_ms = 5000)
      : clock_(clock), store_(store), settle_ms_(settle_ms) {}

  // Loads the stores recorded by earlier runs.
  Status Load();

  // `stage` ("segment", "extract", "aggregate") reported store `id` (through
  // `worker`; empty for aggregate). An empty id (a stage from before store
  // ids) counts as a report that vouches for nothing. Records a new id at
  // once; `*fresh` tells whether it is new to this process.
  Status Report(const std::string& stage, const std::string& worker, const std::string& id, const std::string& note,
                bool* fresh = nullptr);
  // `stage`'s store `id` holds `documents` documents (its latest announcement).
  void ReportCount(const std::string& stage, const std::string& id, uint64_t documents);
  // The store of a worker's last report ("" if unknown).
  std::string StoreOf(const std::string& stage, const std::string& worker) const;

  // The ledger can be judged now (see above).
  bool Settled() const;
  // A judgement is due: never made yet, or a new store reported since.
  bool Due() const { return due_; }

  struct Outcome {
    std::vector<ingest::v1::LedgerEntry> reprocess;  // complete entries whose results are gone
    std::vector<std::string> notes;                  // one line per stale or short store
    std::vector<std::pair<std::string, std::string>> stale;  // (stage, store id)
  };
  // Judges the ledger (call when Settled() and Due()): the complete entries
  // that name a stale store or a store holding fewer documents than the
  // ledger has complete there, and why. Reads the ledger only when some
  // recorded store is stale or some store announced a count.
  Result<Outcome> Judge();
  // Forgets the stale stores of `outcome`: call once its entries are reset in
  // the store (a crash in between judges them again).
  Status Forget(const Outcome& outcome);

 private:
  struct StageStores {
    std::map<std::string, std::string> recorded;  // id -> note (from the store)
    std::set<std::string> live;                   // ids reported by this process
    std::map<std::string, std::string> live_notes;
    std::map<std::string, std::string> by_worker;  // worker -> id
    std::map<std::string, uint64_t> counts;        // id -> documents it holds (latest announcement)
    int64_t first_report_ms = -1;
  };
  static size_t IndexOf(const std::string& stage);
  std::vector<std::string> StaleIds(const StageStores& s) const;

  const Clock& clock_;
  IngestStore* store_;
  int64_t settle_ms_;
  StageStores stages_[3];
  bool due_ = true;
};

}  // namespace reportflow::ingest
