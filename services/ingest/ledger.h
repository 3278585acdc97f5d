// Ledger: the per-document ledger of ingest, read from memory while a
// document is unfinished and written to the store once per poll pass.
//
// Entries of unfinished documents are kept as last written, so the hot path
// never reads the store, and is changed in place (Update) rather than copied
// out and back; Write() and Update() record the change in memory and mark the
// entry for the pass's group commit (Commit: one RocksDB batch). Finished
// entries (complete, quarantined) leave the cache. A quarantine is written at
// once, with its quarantine record, superseding any pending write of the entry.
//
// Thread-safety: none (one ingest loop owns it).
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/base/status.h"
#include "services/ingest/ingest_store.h"

namespace reportflow::ingest {

class Ledger {
 public:
  explicit Ledger(IngestStore* store) : store_(store) {}
  // The entry of `doc_id` (NotFound for a document never stored).
  Status Read(const std::string& doc_id, ingest::v1::LedgerEntry* entry);
  // Calls `change` with the entry of `doc_id`, in place; if it returns true
  // the entry changed and is written at the next Commit(). `change` must not
  // call back into the ledger. NotFound (and `change` not called) for a
  // document never stored.
  Status Update(const std::string& doc_id, const std::function<bool(ingest::v1::LedgerEntry&)>& change);
  // Records `entry` now (in memory) and in the store at the next Commit().
  void Write(const ingest::v1::LedgerEntry& entry);
  // A new document: its entry is already in the store (IngestStore::PutNewDocuments).
  void Remember(const ingest::v1::LedgerEntry& entry);
  // Writes every entry changed since the last commit in one batch.
  Status Commit();
  // Marks the entry quarantined, in the ledger and the quarantine family, now.
  Status Quarantine(ingest::v1::LedgerEntry entry, const std::string& stage, const std::string& error);
  size_t cached() const { return cache_.size(); }

 private:
  static bool Finished(const ingest::v1::LedgerEntry& entry);
  // `entry` (in the cache when unfinished) changed: marked for the next commit.
  void Changed(const std::string& doc_id, ingest::v1::LedgerEntry&& entry);
  IngestStore* store_;
  std::unordered_map<std::string, ingest::v1::LedgerEntry> cache_;  // unfinished documents
  std::unordered_set<std::string> dirty_;                           // cached entries changed since the last commit
  std::unordered_map<std::string, ingest::v1::LedgerEntry> finished_;  // entries finished since the last commit
};

}  // namespace reportflow::ingest
