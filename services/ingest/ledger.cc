#include "services/ingest/ledger.h"

#include <vector>

namespace reportflow::ingest {
namespace pb = ::reportflow::ingest::v1;

bool Ledger::Finished(const pb::LedgerEntry& entry) {
  return entry.state() == pb::DOC_STATE_COMPLETE || entry.state() == pb::DOC_STATE_QUARANTINED;
}

Status Ledger::Read(const std::string& doc_id, pb::LedgerEntry* entry) {
  if (auto it = cache_.find(doc_id); it != cache_.end()) {
    *entry = it->second;
    return Status::OK();
  }
  Status s = store_->GetLedger(doc_id, entry);
  if (s.ok() && !Finished(*entry)) cache_[doc_id] = *entry;
  return s;
}

void Ledger::Write(const pb::LedgerEntry& entry) {
  if (Finished(entry)) {
    cache_.erase(entry.doc_id());
  } else {
    cache_[entry.doc_id()] = entry;
  }
  dirty_[entry.doc_id()] = entry;
}

void Ledger::Remember(const pb::LedgerEntry& entry) {
  if (!Finished(entry)) cache_[entry.doc_id()] = entry;
}

Status Ledger::Commit() {
  if (dirty_.empty()) return Status::OK();
  std::vector<const pb::LedgerEntry*> entries;
  entries.reserve(dirty_.size());
  for (const auto& [id, e] : dirty_) entries.push_back(&e);
  Status s = store_->PutLedgers(entries);
  dirty_.clear();
  return s;
}

Status Ledger::Quarantine(pb::LedgerEntry entry, const std::string& stage, const std::string& error) {
  entry.set_state(pb::DOC_STATE_QUARANTINED);
  entry.set_last_error(error);
  entry.set_last_error_stage(stage);
  dirty_.erase(entry.doc_id());  // the quarantine record supersedes it
  cache_.erase(entry.doc_id());
  return store_->Quarantine(entry);
}

}  // namespace reportflow::ingest
