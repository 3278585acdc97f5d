#include "services/ingest/ingest_store.h"

#include <cstdio>

#include "common/base/macros.h"
#include "common/storage/store_identity.h"

namespace reportflow::ingest {
namespace pb = ::reportflow::ingest::v1;

namespace {
constexpr char kDocuments[] = "documents";
constexpr char kLedger[] = "ledger";
constexpr char kQuarantine[] = "quarantine";
constexpr char kBatches[] = "batches";
constexpr char kRejections[] = "rejections";
constexpr char kStores[] = "stores";

std::string RejectionKey(const std::string& batch_id, uint32_t seq) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", seq);
  return batch_id + '\0' + buf;
}

template <typename Msg>
Status ForEachProto(const storage::Store& store, const char* cf, const std::string& prefix,
                    const std::function<void(const Msg&)>& fn) {
  Status inner;
  Status s = store.Scan(cf, prefix, [&](std::string_view key, std::string_view value) {
    Msg msg;
    if (!msg.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = Status::Corruption(std::string("unparsable entry in ") + cf + ": " + std::string(key));
      return false;
    }
    fn(msg);
    return true;
  });
  return s.ok() ? inner : s;
}
}  // namespace

const std::vector<std::string>& IngestStore::ColumnFamilies() {
  static const std::vector<std::string> cfs = {kDocuments, kLedger, kQuarantine, kBatches, kRejections, kStores};
  return cfs;
}

Result<std::unique_ptr<IngestStore>> IngestStore::Open(const std::string& path, storage::OpenMode mode) {
  // Documents are written once and read back once, soon after (dispatch
  // follows scanning by at most limits.max_in_flight documents): small
  // memtables and a small block cache keep ingest's memory flat however large
  // the batch, instead of filling a larger budget as the corpus grows.
  storage::StoreTuning tuning;
  tuning.memtable_budget_bytes = 16u << 20;
  tuning.write_buffer_bytes = 8u << 20;
  tuning.block_cache_bytes = 4u << 20;
  tuning.probed_families = {kLedger};  // every file scanned is looked up first
  // A document is read back once (dispatch without its handoff), a ledger
  // entry mostly not at all (the Ledger keeps those it works on).
  tuning.read_once_families = {kDocuments, kLedger};
  if (mode == storage::OpenMode::kReadOnly) {
    ASSIGN_OR_RETURN(auto store, storage::OpenRocksDbStore(path, ColumnFamilies(), mode, tuning));
    return std::make_unique<IngestStore>(std::move(store));
  }
  // The documents and the ledger exist nowhere else: a damaged store stops ingest, naming it.
  ASSIGN_OR_RETURN(auto opened, storage::OpenIdentifiedStore(path, ColumnFamilies(), storage::OnDamage::kFail, tuning));
  return std::make_unique<IngestStore>(std::move(opened.store));
}

Status IngestStore::PutNewDocuments(const std::vector<NewDocument>& docs) {
  storage::WriteBatch batch;
  for (const NewDocument& d : docs) {
    batch.Put(kDocuments, d.doc_id, d.document);
    batch.PutProto(kLedger, d.doc_id, d.entry);
  }
  return store_->Write(batch);
}

Status IngestStore::GetDocument(const std::string& doc_id, pb::RawDocument* doc) const {
  return store_->GetProto(kDocuments, doc_id, doc);
}

Status IngestStore::GetLedger(const std::string& doc_id, pb::LedgerEntry* entry) const {
  return store_->GetProto(kLedger, doc_id, entry);
}

Status IngestStore::PutLedger(const pb::LedgerEntry& entry) { return store_->PutProto(kLedger, entry.doc_id(), entry); }

Status IngestStore::PutLedgers(const std::vector<const pb::LedgerEntry*>& entries) {
  storage::WriteBatch batch;
  for (const pb::LedgerEntry* e : entries) batch.PutProto(kLedger, e->doc_id(), *e);
  return store_->Write(batch);
}

Status IngestStore::Quarantine(const pb::LedgerEntry& entry) {
  storage::WriteBatch batch;
  batch.PutProto(kLedger, entry.doc_id(), entry);
  batch.PutProto(kQuarantine, entry.doc_id(), entry);
  return store_->Write(batch);
}

Status IngestStore::Release(const std::string& doc_id, bool* released) {
  if (released) *released = false;
  pb::LedgerEntry entry;
  RETURN_IF_ERROR(GetLedger(doc_id, &entry));
  if (entry.state() != pb::DOC_STATE_QUARANTINED) return store_->Delete(kQuarantine, doc_id);
  if (released) *released = true;
  entry.set_state(pb::DOC_STATE_INGESTED);
  // Attempt numbers go on from where they were: aggregate refuses late
  // results of the withdrawn attempts, never those of the replay.
  entry.set_attempt_base(entry.attempt_base() + entry.attempts());
  entry.set_attempts(0);
  entry.clear_withdrawal();
  storage::WriteBatch batch;
  batch.PutProto(kLedger, doc_id, entry);
  batch.Delete(kQuarantine, doc_id);
  return store_->Write(batch);
}

Status IngestStore::ForEachQuarantined(const std::function<void(const pb::LedgerEntry&)>& fn) const {
  Status ledger_error;
  Status s = ForEachProto<pb::LedgerEntry>(*store_, kQuarantine, "", [&](const pb::LedgerEntry& q) {
    pb::LedgerEntry e;
    Status g = GetLedger(q.doc_id(), &e);
    if (g.ok() && e.state() == pb::DOC_STATE_QUARANTINED) {
      fn(e);
    } else if (!g.ok() && g.code() != StatusCode::kNotFound && ledger_error.ok()) {
      ledger_error = g;
    }
  });
  return s.ok() ? ledger_error : s;
}

Status IngestStore::ForEachLedger(const std::function<void(const pb::LedgerEntry&)>& fn) const {
  return ForEachProto<pb::LedgerEntry>(*store_, kLedger, "", fn);
}

Status IngestStore::ForEachUnfinished(const std::function<void(const pb::LedgerEntry&)>& fn) const {
  return ForEachLedger([&](const pb::LedgerEntry& e) {
    if (e.state() != pb::DOC_STATE_COMPLETE && e.state() != pb::DOC_STATE_QUARANTINED) fn(e);
  });
}

Status IngestStore::PutBatch(const pb::BatchRecord& batch) { return store_->PutProto(kBatches, batch.batch_id(), batch); }

Status IngestStore::GetBatch(const std::string& batch_id, pb::BatchRecord* batch) const {
  return store_->GetProto(kBatches, batch_id, batch);
}

Status IngestStore::PutRejection(const std::string& batch_id, uint32_t seq, const pb::Rejection& rejection) {
  return store_->PutProto(kRejections, RejectionKey(batch_id, seq), rejection);
}

Status IngestStore::ForEachBatch(const std::function<void(const pb::BatchRecord&)>& fn) const {
  return ForEachProto<pb::BatchRecord>(*store_, kBatches, "", fn);
}

Status IngestStore::ListRejections(const std::string& batch_id,
                                   google::protobuf::RepeatedPtrField<pb::Rejection>* out) const {
  return ForEachProto<pb::Rejection>(*store_, kRejections, batch_id + '\0',
                                     [&](const pb::Rejection& r) { *out->Add() = r; });
}

Status IngestStore::PutStoreRecord(const pb::StoreRecord& record) {
  return store_->PutProto(kStores, record.stage() + '\0' + record.store_id(), record);
}

Status IngestStore::DeleteStoreRecord(const std::string& stage, const std::string& store_id) {
  return store_->Delete(kStores, stage + '\0' + store_id);
}

Status IngestStore::ForEachStoreRecord(const std::function<void(const pb::StoreRecord&)>& fn) const {
  return ForEachProto<pb::StoreRecord>(*store_, kStores, "", fn);
}

}  // namespace reportflow::ingest
