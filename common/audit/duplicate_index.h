// The near-duplicate index: which documents are worth comparing with a new
// one, and how common each piece of text is.
//
// DocumentFrequencies counts, for any 64-bit hash (a shingle, a clause gram),
// the documents it is found in: a Count-Min sketch of saturating 16-bit
// counters (8 MB whatever the number of documents), so a count is never below
// the truth and rarely above it. Blocked: a hash's kRows counters lie in one
// 64-byte block (each in its own eighth of it), so counting or weighing a hash
// costs one cache miss, not kRows. Weight() turns a count into evidence:
// ln((documents + 1) / documents with it), near 0 for text every document has.
//
// DuplicateIndex keeps, for every shingle (fingerprint.h: a run of
// kShingleClauses masked clauses, winnowed) found in few documents, the
// documents that have it. A shingle found in more than max(kRareMinDocs,
// kRareShare x indexed documents) documents, and never more than
// kRareMaxDocs, is template or boilerplate text: it is marked common, its list
// is dropped and it never names candidates again. (The ceiling: every new
// document sharing a shingle walks its list, and with 1% alone lists grew
// with the corpus, to 1,000 documents at 100,000, where Candidates was 11% of
// aggregate's CPU; it is 1% of 20,000, so smaller batches are unchanged. On
// 100,000 reports with 5% planted copies the same 5,182 pairs were found
// with and without it, aggregate's CPU 18.8 -> 18.1 s.)
// Candidates of a new document are the indexed documents sharing rare shingles
// with it, ranked by the summed weight of those shingles (from the lists' own
// counts: shingles are not counted in the sketch); the caller compares
// only the first few exactly. Why not MinHash/LSH over every shingle: in a
// province of reports written from common templates, every document shares
// bands with its template siblings, so LSH names hundreds of candidates, each
// an exact comparison.
//
// Memory: the sketch (8 MB); flat open-addressing tables of 8-byte buckets
// (a 32-bit key folded from the shingle hash, and one document, a list or the
// common mark), at most 85% full; a list only for a shingle two or more
// documents share (up to four documents inline). About 0.5-1 KB per document.
// The buckets are split by key into kShards tables that grow one at a time,
// so a growth briefly holds two copies of one shard, not of the whole table;
// each table is pages of its own (PageArray), so the old copy leaves at once.
// The shards fill evenly, so they all grow within a short stretch of
// documents: once large (kDoubleBelow buckets, 512 KB) each grows by a
// quarter, not double, so that step is small and the table 68-85% full (it
// was the largest part of aggregate's heap at 100,000 reports: 48 MB at
// 1/2-3/4 full). Rehashing then costs four times the moves. While small they
// double, and there are few shards (16): each growth is a new mapping and
// the old one's unmapping, tens of microseconds on a virtual machine
// whatever the size (the other cores' TLBs are flushed), and 64 shards
// growing by a quarter from 64 buckets took ~1,700 of them per 20,000
// documents (audit_bench: 670 -> 410 ms per iteration with 16 shards from
// 1,024 buckets, doubling below 65,536). A lookup of an absent key (most
// are) probes about 11 buckets on average over that range (linear probing,
// 1/2 (1 + 1/(1-load)^2)), 22 near its top: two or three cache lines.
// Two shingles whose folded keys are equal share a bucket: a spurious
// candidate at worst, which the exact comparison drops. Removing a document
// marks its slot dead; dead slots are skipped (their entries stay:
// re-processing is rare).
// Thread-safety: not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include <absl/container/inlined_vector.h>

#include "common/base/page_array.h"

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
  // Asks the CPU for `hash`'s counters ahead of a Get, Weight or Count: one
  // block of the 8 MB sketch, a cache miss otherwise.
  void Prefetch(uint64_t hash) const;
  size_t MemoryBytes() const { return counters_.size() * sizeof(uint16_t); }

  static constexpr int kRows = 4;
  static constexpr uint32_t kBlockCounters = 32;  // one 64-byte cache line
  static constexpr uint32_t kBlocks = 1u << 17;   // 8 MB

 private:
  // The kRows counters of `hash`, within one block.
  std::array<size_t, kRows> Counters(uint64_t hash) const;
  static size_t BlockOf(uint64_t mixed) { return static_cast<size_t>(mixed & (kBlocks - 1)) * kBlockCounters; }
  PageArray<uint16_t> counters_;  // kBlocks x kBlockCounters, allocated on first Count (8 MB, populated at once)
  size_t documents_ = 0;
};

class DuplicateIndex {
 public:
  static constexpr uint32_t kRareMinDocs = 20;
  static constexpr double kRareShare = 0.01;
  static constexpr uint32_t kRareMaxDocs = 200;

  // Indexes a document by its distinct shingles; returns its slot.
  uint32_t Add(std::span<const uint64_t> shingles);
  // Marks `slot` dead: it is never a candidate again.
  void Remove(uint32_t slot);
  // Up to `max` live slots sharing rare shingles with `shingles`, the
  // heaviest shared weight first (a shingle weighs ln((documents + 1) /
  // documents listing it)); `exclude` left out.
  std::vector<uint32_t> Candidates(std::span<const uint64_t> shingles, size_t max,
                                   uint32_t exclude = UINT32_MAX) const;

  size_t live() const { return live_; }
  size_t MemoryBytes() const;

 private:
  // A bucket's `value`: a slot (below kList), kList | an index of lists_, kCommon, or kEmpty.
  static constexpr uint32_t kList = 1u << 31;
  static constexpr uint32_t kCommon = 0xFFFFFFFEu;
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  // The slots of a shingle two or more documents share. Most such lists hold
  // a few, kept inline: 24 bytes a list, where a vector's header and its own
  // allocation took 32-40.
  static constexpr size_t kInlineSlots = 4;  // as many as fit beside an InlinedVector's size
  using List = absl::InlinedVector<uint32_t, kInlineSlots>;
  static_assert(sizeof(List) == 24);
  struct Bucket {
    uint32_t key = 0;
    uint32_t value = kEmpty;
  };
  struct Shard {
    PageArray<Bucket> buckets;  // kFirstBuckets, doubling up to kDoubleBelow, then 1.25x; at most 85% used
    size_t used = 0;
    // The bucket of `key` (`mixed`: its hash), or the empty one where it would go.
    size_t Find(uint32_t key, uint64_t mixed) const;
    // Where Find starts looking.
    size_t Home(uint64_t mixed) const;
    void Grow();
  };
  static constexpr int kShardBits = 4;
  static constexpr size_t kFirstBuckets = 1024;       // 8 KB
  static constexpr size_t kDoubleBelow = size_t{1} << 16;  // 512 KB
  static constexpr size_t kShards = size_t{1} << kShardBits;
  static uint32_t KeyOf(uint64_t shingle);
  // Asks the CPU for the bucket `shingle` is looked up at first (a cache miss
  // otherwise: the buckets are tens of MB).
  void Prefetch(uint64_t shingle) const;
  // Bytes a list holds outside itself (0 while its slots are inline).
  static size_t HeapBytes(const List& list);
  // The shard of `key` (by the top bits of its hash, which goes to `mixed`).
  Shard& ShardOf(uint32_t key, uint64_t* mixed);
  const Shard& ShardOf(uint32_t key, uint64_t* mixed) const;

  std::array<Shard, kShards> shards_;
  // Slots of shingles two or more documents share. A deque: it grows by
  // chunks and never moves, where a vector doubled (a copy of the old array
  // beside one twice its size, 6.5 MB at 100,000 documents).
  std::deque<List> lists_;
  std::vector<uint32_t> free_lists_;  // lists_ emptied when their shingle became common
  std::vector<uint8_t> alive_;
  size_t live_ = 0;
  // Heap capacity of the lists not inline, kept as they grow (MemoryBytes is
  // a gauge read per group).
  size_t list_bytes_ = 0;
  mutable std::vector<float> score_;  // per slot, during Candidates
  mutable std::vector<uint32_t> touched_;
};

}  // namespace reportflow::audit
