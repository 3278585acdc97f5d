#include "services/ingest/ledger.h"

#include <vector>

#include "common/base/macros.h"

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
  if (auto it = finished_.find(doc_id); it != finished_.end()) {
    *entry = it->second;
    return Status::OK();
  }
  Status s = store_->GetLedger(doc_id, entry);
  if (s.ok() && !Finished(*entry)) cache_[doc_id] = *entry;
  return s;
}

Status Ledger::Update(const std::string& doc_id, const std::function<bool(pb::LedgerEntry&)>& change) {
  auto it = cache_.find(doc_id);
  if (it == cache_.end()) {
    pb::LedgerEntry entry;
    if (auto f = finished_.find(doc_id); f != finished_.end()) {
      entry = f->second;
    } else {
      RETURN_IF_ERROR(store_->GetLedger(doc_id, &entry));
    }
    if (Finished(entry)) {
      if (change(entry)) Changed(doc_id, std::move(entry));
      return Status::OK();
    }
    it = cache_.emplace(doc_id, std::move(entry)).first;
  }
  if (!change(it->second)) return Status::OK();
  if (Finished(it->second)) {
    pb::LedgerEntry done = std::move(it->second);
    cache_.erase(it);
    Changed(doc_id, std::move(done));
  } else {
    dirty_.insert(doc_id);
  }
  return Status::OK();
}

void Ledger::Changed(const std::string& doc_id, pb::LedgerEntry&& entry) {
  if (Finished(entry)) {
    cache_.erase(doc_id);
    dirty_.erase(doc_id);
    finished_[doc_id] = std::move(entry);
  } else {
    finished_.erase(doc_id);
    cache_[doc_id] = std::move(entry);
    dirty_.insert(doc_id);
  }
}

void Ledger::Write(const pb::LedgerEntry& entry) { Changed(entry.doc_id(), pb::LedgerEntry(entry)); }

void Ledger::Remember(const pb::LedgerEntry& entry) {
  if (!Finished(entry)) cache_[entry.doc_id()] = entry;
}

Status Ledger::Commit() {
  if (dirty_.empty() && finished_.empty()) return Status::OK();
  std::vector<const pb::LedgerEntry*> entries;
  entries.reserve(dirty_.size() + finished_.size());
  for (const std::string& id : dirty_) {
    if (auto it = cache_.find(id); it != cache_.end()) entries.push_back(&it->second);
  }
  for (const auto& [id, e] : finished_) entries.push_back(&e);
  Status s = store_->PutLedgers(entries);
  dirty_.clear();
  finished_.clear();
  return s;
}

Status Ledger::Quarantine(pb::LedgerEntry entry, const std::string& stage, const std::string& error) {
  entry.set_state(pb::DOC_STATE_QUARANTINED);
  entry.set_last_error(error);
  entry.set_last_error_stage(stage);
  dirty_.erase(entry.doc_id());  // the quarantine record supersedes it
  finished_.erase(entry.doc_id());
  cache_.erase(entry.doc_id());
  return store_->Quarantine(entry);
}

}  // namespace reportflow::ingest
