// AuditKeeper: near-duplicate detection in aggregate, incremental.
//
// Each document's fingerprint (computed by extract, common/audit/fingerprint.h)
// is kept in the aggregate store and its MinHash signature in an in-memory
// LSH index (common/audit/duplicate_index.h). A new document is compared only
// with the documents the index names as candidates: first by the MinHash
// estimate, then exactly (common/audit/near_duplicate.h); a pair at or above
// AuditOptions::near_duplicate_similarity is a finding, stored under both
// documents. A document applied again with the same fingerprint is left as it
// is; with another fingerprint (re-extracted, re-placed) its slot and pairs are
// dropped and it is compared afresh, so a pair is never kept twice. The index
// is rebuilt from the store on first use (no document is fingerprinted again).
//
// Boilerplate: a shingle found in more than max(kCommonMinDocs,
// kCommonShare x indexed documents) documents (a Count-Min sketch of shingle
// document frequencies, 4 x 2^20 16-bit counters, 8 MB, kept with the index)
// is common text of many reports, not evidence of a copy, and is left out of
// the similarity; the shared passages still show it.
//
// Store layout (column families of the aggregate store, common/storage/README.md):
//   audit_docs   doc_id                   -> aggregate.v1.AuditDocument
//   audit_pairs  doc_id "\x1f" other_id   -> aggregate.v1.AuditFinding (near_duplicate), under both ids
//
// The keeper writes its own batch after the aggregator has committed a group;
// a crash in between re-delivers the group (it is not yet acknowledged), and
// documents not yet in audit_docs are then indexed.
// Thread-safety: not thread-safe (the aggregate loop owns it).
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/audit/audit_options.h"
#include "common/audit/duplicate_index.h"
#include "common/audit/near_duplicate.h"
#include "common/base/result.h"
#include "common/storage/store.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "services/aggregate/aggregator.h"

namespace reportflow::aggregate {

class AuditKeeper {
 public:
  AuditKeeper(storage::Store* store, audit::AuditOptions options) : store_(store), options_(options) {}
  static const std::vector<std::string>& ColumnFamilies();

  // Indexes the documents of a committed group; returns the new near-duplicate
  // findings (each pair once) and the documents' consistency findings.
  Result<std::vector<aggregate::v1::AuditFinding>> ApplyGroup(const std::vector<GroupDocument>& docs);

  // Builds the index from the store (ApplyGroup does it on first use).
  Status Load();
  // Every indexed document as stored.
  Status ForEachDocument(const std::function<void(const aggregate::v1::AuditDocument&)>& fn) const;

  // Every stored near-duplicate pair, once.
  Status ForEachNearDuplicate(const std::function<void(const aggregate::v1::AuditFinding&)>& fn) const;

  // The similarity of two documents as findings measure it (boilerplate left out).
  audit::PairComparison Compare(const extract::v1::TextFingerprint& a, const extract::v1::TextFingerprint& b) const;
  bool IsCommon(uint64_t shingle) const;

  static constexpr uint32_t kCommonMinDocs = 20;
  static constexpr double kCommonShare = 0.01;
  // Candidates whose MinHash estimate (over every shingle, boilerplate
  // included) is below this are not compared exactly.
  static constexpr double kMinEstimate = 0.4;

  // Bytes held by the LSH index, the shingle counts and the id maps.
  size_t IndexMemoryBytes() const;
  size_t indexed() const { return index_.live(); }

 private:
  void Forget();
  void Count(const extract::v1::TextFingerprint& fp, int delta);
  uint32_t Estimate(uint64_t shingle) const;
  Status GetDocument(const std::string& doc_id, aggregate::v1::AuditDocument* out) const;

  storage::Store* store_;
  audit::AuditOptions options_;
  bool loaded_ = false;
  audit::DuplicateIndex index_;
  static constexpr int kSketchRows = 4;
  static constexpr uint32_t kSketchWidth = 1u << 20;
  std::vector<uint16_t> sketch_;  // kSketchRows x kSketchWidth saturating counters
  size_t counted_docs_ = 0;
  std::vector<std::string> slot_doc_;                // slot -> doc_id
  std::unordered_map<std::string, uint32_t> doc_slot_;  // doc_id -> live slot
  // Documents of the group being applied (not yet in the store).
  std::unordered_map<std::string, aggregate::v1::AuditDocument> pending_;
};

}  // namespace reportflow::aggregate
