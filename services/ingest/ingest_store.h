// IngestStore: the ingest service's persisted state, typed.
//
// Column families and keys (also in common/storage/README.md):
//   documents   doc_id                      -> ingest.v1.RawDocument
//   ledger      doc_id                      -> ingest.v1.LedgerEntry
//   quarantine  doc_id                      -> ingest.v1.LedgerEntry (state QUARANTINED)
//   batches     batch_id                    -> ingest.v1.BatchRecord
//   rejections  batch_id \0 seq(8 hex)      -> ingest.v1.Rejection
//   stores      stage \0 store_id            -> ingest.v1.StoreRecord (stores the ledger's results are in)
//
// Read-write opening verifies the store (common/storage/store_identity.h): a
// damaged ingest store cannot be rebuilt from upstream, so opening it fails
// with Corruption naming its path.
// Thread-safety: as the underlying Store (safe for concurrent use).
#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <functional>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/storage/store.h"
#include "reportflow/ingest/v1/ingest.pb.h"

namespace reportflow::ingest {

class IngestStore {
 public:
  static Result<std::unique_ptr<IngestStore>> Open(const std::string& path,
                                                   storage::OpenMode mode = storage::OpenMode::kReadWrite);
  explicit IngestStore(std::unique_ptr<storage::Store> store) : store_(std::move(store)) {}
  static const std::vector<std::string>& ColumnFamilies();

  // A new document as admitted: its serialized ingest.v1.RawDocument and its
  // first ledger entry.
  struct NewDocument {
    std::string doc_id;
    std::string document;
    ingest::v1::LedgerEntry entry;
  };
  // Stores new documents and their first ledger entries in one atomic write
  // (a scan pass's admissions: one log write for all of them).
  Status PutNewDocuments(const std::vector<NewDocument>& docs);
  Status GetDocument(const std::string& doc_id, ingest::v1::RawDocument* doc) const;
  Status GetLedger(const std::string& doc_id, ingest::v1::LedgerEntry* entry) const;
  Status PutLedger(const ingest::v1::LedgerEntry& entry);
  // Writes every entry in one atomic batch (group commit of a poll pass).
  Status PutLedgers(const std::vector<const ingest::v1::LedgerEntry*>& entries);
  // Records the entry as quarantined in the ledger and the quarantine family.
  Status Quarantine(const ingest::v1::LedgerEntry& entry);
  // Removes a document from quarantine and resets its ledger entry to INGESTED
  // with 0 attempts, its attempt numbers going on after those used
  // (`attempt_base`), its withdrawal cleared (`*released` true). Idempotent: a document the ledger no
  // longer has as quarantined (released before, or complete) is left as it
  // is, any quarantine record of it removed, and `*released` is false.
  Status Release(const std::string& doc_id, bool* released = nullptr);
  // Documents the ledger has as quarantined (the ledger is the truth: a
  // quarantine record whose ledger entry says otherwise is not listed).
  Status ForEachQuarantined(const std::function<void(const ingest::v1::LedgerEntry&)>& fn) const;
  Status ForEachLedger(const std::function<void(const ingest::v1::LedgerEntry&)>& fn) const;
  // Ledger entries that are neither complete nor quarantined.
  Status ForEachUnfinished(const std::function<void(const ingest::v1::LedgerEntry&)>& fn) const;

  Status PutBatch(const ingest::v1::BatchRecord& batch);
  Status GetBatch(const std::string& batch_id, ingest::v1::BatchRecord* batch) const;
  // Every recorded batch, in batch_id order.
  Status ForEachBatch(const std::function<void(const ingest::v1::BatchRecord&)>& fn) const;
  Status PutRejection(const std::string& batch_id, uint32_t seq, const ingest::v1::Rejection& rejection);
  Status ListRejections(const std::string& batch_id,
                        google::protobuf::RepeatedPtrField<ingest::v1::Rejection>* out) const;

  // Stores that stages reported (the ids ledger entries refer to).
  Status PutStoreRecord(const ingest::v1::StoreRecord& record);
  Status DeleteStoreRecord(const std::string& stage, const std::string& store_id);
  Status ForEachStoreRecord(const std::function<void(const ingest::v1::StoreRecord&)>& fn) const;

  Status Flush() { return store_->Flush(); }

 private:
  std::unique_ptr<storage::Store> store_;
};

}  // namespace reportflow::ingest
