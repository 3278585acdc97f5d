// Ledger: the per-document ledger of ingest, read from memory while a
// document is unfinished and written to the store once per poll pass.
//
// Entries of unfinished documents are kept as last written, so the hot path
// never reads the store; Write() records an entry in memory and marks it for
// the pass's group commit (Commit: one RocksDB batch). Finished entries
// (complete, quarantined) leave the cache. A quarantine is written at once,
// with its quarantine record, superseding any pending write of the entry.
//
// Thread-safety: none (one ingest loop owns it).
#pragma once

#include <string>
#include <unordered_map>

#include "common/base/status.h"
#include "services/ingest/ingest_store.h"

namespace reportflow::ingest {

class Ledger {
 public:
  explicit Ledger(IngestStore* store) : store_(store) {}
  // The entry of `doc_id` (NotFound for a document never stored).
  Status Read(const std::string& doc_id, ingest::v1::LedgerEntry* entry);
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
  IngestStore* store_;
  std::unordered_map<std::string, ingest::v1::LedgerEntry> cache_;
  std::unordered_map<std::string, ingest::v1::LedgerEntry> dirty_;
};

}  // namespace reportflow::ingest
