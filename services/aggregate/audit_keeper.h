// AuditKeeper: near-duplicate detection in aggregate, incremental.
//
// Each document's fingerprint (computed by extract, common/audit/fingerprint.h)
// is kept in the aggregate store; in memory the keeper holds what finding
// candidates needs: the document frequencies of clause grams (a Count-Min
// sketch), the rare-shingle index (common/audit/duplicate_index.h) and what
// it knows of each document (known_documents.h). Each indexed document's id
// and clause grams (4 bytes per clause), read back only for the candidates
// compared, go to a scratch file (common/storage/scratch_file.h) in the
// store's directory: the page cache holds them, not the heap. A new document is
// compared exactly (common/audit/near_duplicate.h: AlignedSimilarity of the
// clause grams, each weighted ln(N / df)) with the kMaxCandidates indexed
// documents that share the most rare shingle weight with it (a candidate is
// read back only when its Bloom filter of grams, common/audit/gram_filters.h,
// lets it pass the first bound: about 1 in 15 do); a pair at or
// above AuditOptions::near_duplicate_similarity is a finding, stored under
// both documents, with its shared passages (only then are the two
// fingerprints read). A document applied again with the same fingerprint is
// left as it is; with another fingerprint (re-extracted, re-placed) its slot
// and pairs are dropped and it is compared afresh, so a pair is never kept
// twice. The index is rebuilt from the store on first use (no document is
// fingerprinted again).
//
// A group is counted before it is compared, so the first group of a run is
// weighed with its own frequencies, and its documents are compared with the
// earlier documents of the group too.
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
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/audit/audit_options.h"
#include "common/audit/duplicate_index.h"
#include "common/audit/gram_filters.h"
#include "common/audit/near_duplicate.h"
#include "common/base/result.h"
#include "common/storage/scratch_file.h"
#include "common/storage/store.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "services/aggregate/aggregator.h"
#include "services/aggregate/known_documents.h"

namespace reportflow::aggregate {

class AuditKeeper {
 public:
  // `scratch_dir`: where the scratch file of ids and clause grams goes (the
  // system's temporary directory when empty).
  AuditKeeper(storage::Store* store, audit::AuditOptions options, std::string scratch_dir = {});
  static const std::vector<std::string>& ColumnFamilies();

  // Indexes the documents of a committed group; returns the new near-duplicate
  // findings (each pair once) and the documents' consistency findings.
  Result<std::vector<aggregate::v1::AuditFinding>> ApplyGroup(const std::vector<GroupDocument>& docs);

  // Forgets withdrawn (quarantined) documents: their fingerprints leave the
  // index and the store, their near-duplicate pairs are deleted under both
  // ids, their clause grams stop counting. Unknown ids are ignored; a
  // document applied later (a replay) is indexed afresh.
  Status Withdraw(const std::vector<std::string>& doc_ids);

  // Builds the index from the store (ApplyGroup does it on first use).
  Status Load();
  // Frees the in-memory index (the next use rebuilds it from the store): at
  // shutdown, before the last checkpoint, which then reuses its memory.
  void ReleaseMemory() { Forget(); }
  // Every indexed document as stored.
  Status ForEachDocument(const std::function<void(const aggregate::v1::AuditDocument&)>& fn) const;

  // Every stored near-duplicate pair, once.
  Status ForEachNearDuplicate(const std::function<void(const aggregate::v1::AuditFinding&)>& fn) const;

  // The similarity of two documents as findings measure it (clause grams
  // weighted by the current document frequencies), with the shared passages.
  audit::PairComparison Compare(const extract::v1::TextFingerprint& a, const extract::v1::TextFingerprint& b) const;

  // Indexed documents compared exactly with each new one: the source of a
  // copy and the other copies of that source rank first (README.md).
  static constexpr size_t kMaxCandidates = 6;

  // Bytes held in memory by the index, by part: most grow with the documents
  // indexed (about 0.5 KB each), the frequency sketch does not.
  struct IndexMemory {
    size_t shingles = 0;      // DuplicateIndex: the rare shingles' table and lists
    size_t gram_filters = 0;  // GramFilters
    size_t frequencies = 0;   // DocumentFrequencies (fixed)
    size_t slots = 0;         // where each slot's record is in the scratch file
    size_t known_ids = 0;     // KnownDocuments
    size_t scratch = 0;       // the scratch file's write buffer
    size_t total() const { return shingles + gram_filters + frequencies + slots + known_ids + scratch; }
  };
  IndexMemory Memory() const;
  size_t IndexMemoryBytes() const { return Memory().total(); }
  size_t indexed() const { return index_.live(); }

 private:
  // Where an indexed document's id and clause grams are in the scratch file.
  struct SlotRecord {
    uint64_t offset = 0;
    uint32_t grams = 0;  // 0: removed
    uint32_t id_size = 0;
  };
  // A document's hashes as counted and indexed.
  struct Hashes {
    std::vector<uint64_t> shingles;  // distinct, kShingleClauses clauses, winnowed (kWinnowWindow)
    std::vector<uint64_t> grams;     // distinct, kGramClauses clauses (counted for weights)
    std::vector<uint32_t> sequence;  // the kept grams in text order (ClauseGrams: sampled by content)
  };
  static Hashes HashesOf(const extract::v1::TextFingerprint& fp);
  void Forget();
  void Count(const Hashes& h, int delta);
  // Indexes a document: its slot.
  Result<uint32_t> Index(const std::string& doc_id, const Hashes& h);
  // Reads slot `slot`'s id and clause grams from the scratch file.
  Status ReadSlot(uint32_t slot, std::string* doc_id, std::vector<uint32_t>* grams) const;
  // ApplyGroup once loaded; on an error the caller forgets the index.
  Result<std::vector<aggregate::v1::AuditFinding>> IndexGroup(const std::vector<GroupDocument>& docs);
  Status GetDocument(const std::string& doc_id, aggregate::v1::AuditDocument* out) const;

  storage::Store* store_;
  audit::AuditOptions options_;
  bool loaded_ = false;
  audit::DuplicateIndex index_;
  audit::GramFilters filters_;  // per slot, in step with index_
  audit::DocumentFrequencies frequencies_;
  std::string scratch_dir_;
  std::unique_ptr<storage::ScratchFile> records_;  // per slot: its doc_id, then its clause grams in text order
  std::vector<SlotRecord> slots_;
  mutable std::string read_buffer_;                // ReadSlot's, reused
  KnownDocuments known_;                           // doc_id -> what is stored
  // Documents of the group being applied (not yet in the store), owned by ApplyGroup.
  std::unordered_map<std::string, const aggregate::v1::AuditDocument*> pending_;
};

}  // namespace reportflow::aggregate
