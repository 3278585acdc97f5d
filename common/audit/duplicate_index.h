// The near-duplicate index: which documents are worth comparing with a new
// one, and how common each piece of text is.
//
// DocumentFrequencies counts, for any 64-bit hash (a shingle, a clause gram),
// the documents it is found in: a Count-Min sketch (kRows x kWidth saturating
// 16-bit counters, 8 MB whatever the number of documents), so a count is never
// below the truth and rarely above it. Weight() turns a count into evidence:
// ln((documents + 1) / documents with it), near 0 for text every document has.
//
// DuplicateIndex keeps, for every shingle (fingerprint.h: a run of
// kShingleClauses masked clauses) found in few documents, the documents that
// have it. A shingle found in more than max(kRareMinDocs, kRareShare x
// indexed documents) documents is template or boilerplate text: its list is
// dropped and it never names candidates again. Candidates of a new document
// are the indexed documents sharing rare shingles with it, ranked by the
// summed weight of those shingles; the caller compares only the first few
// exactly. Why not MinHash/LSH over every shingle: in a province of reports
// written from common templates, every document shares bands with its template
// siblings, so LSH names hundreds of candidates, each an exact comparison.
//
// Memory: the sketch (8 MB), a list entry (4 bytes) per rare shingle of each
// document and a table slot per rare shingle; about 2-3 KB per document.
// Removing a document marks its slot dead; dead slots are skipped (their
// entries stay: re-processing is rare).
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace reportflow::audit {

class DocumentFrequencies {
 public:
  // Counts one document's distinct hashes (delta +1) or uncounts them (-1).
  void Count(std::span<const uint64_t> distinct, int delta);
  // Documents counted (added minus removed).
  size_t documents() const { return documents_; }
  // Documents with `hash` (an upper bound; exact unless counters collide).
  uint32_t Get(uint64_t hash) const;
  // ln((documents + 1) / max(1, Get(hash))), at least 0.
  float Weight(uint64_t hash) const;
  size_t MemoryBytes() const { return counters_.capacity() * sizeof(uint16_t); }

  static constexpr int kRows = 4;
  static constexpr uint32_t kWidth = 1u << 20;

 private:
  std::vector<uint16_t> counters_;  // kRows x kWidth, allocated on first Count
  size_t documents_ = 0;
};

class DuplicateIndex {
 public:
  static constexpr uint32_t kRareMinDocs = 20;
  static constexpr double kRareShare = 0.01;

  // Indexes a document by its distinct shingles; returns its slot.
  uint32_t Add(std::span<const uint64_t> shingles);
  // Marks `slot` dead: it is never a candidate again.
  void Remove(uint32_t slot);
  // Up to `max` live slots sharing rare shingles with `shingles`, the
  // heaviest shared weight first (`frequencies` weighs each shingle); `exclude`
  // left out.
  std::vector<uint32_t> Candidates(std::span<const uint64_t> shingles, const DocumentFrequencies& frequencies,
                                   size_t max, uint32_t exclude = UINT32_MAX) const;

  size_t live() const { return live_; }
  size_t MemoryBytes() const;

 private:
  std::unordered_map<uint64_t, std::vector<uint32_t>> postings_;  // rare shingle -> slots
  std::unordered_set<uint64_t> common_;                           // shingles no longer listed
  std::vector<uint8_t> alive_;
  size_t live_ = 0;
  size_t list_bytes_ = 0;  // capacity of the lists, kept as they grow (MemoryBytes is a gauge read per group)
  mutable std::vector<float> score_;    // per slot, during Candidates
  mutable std::vector<uint32_t> touched_;
};

}  // namespace reportflow::audit
