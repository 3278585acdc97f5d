// GramFilters: for each indexed document, a Bloom filter of its clause grams
// (near_duplicate.h), so that the bound taken before an exact comparison is
// computed in memory instead of reading the candidate's grams back.
//
// Why: aggregate compares each new document with its kMaxCandidates likeliest
// copies (audit_keeper.h), whose grams live in a scratch file. On a 20,000-
// report batch 99.6% of the 120,000 candidates read fail the first bound (the
// weight of the grams both share, as a share of the new document's), so a
// system call per candidate bought nothing. The filter answers "may the
// candidate have this gram?" with no false negatives: the summed weight of the
// new document's grams it may have is at least what the two share, so the
// bound stays a bound and no finding is lost; a false positive only lets a
// pair through to the exact check.
//
// Sizing: kBitsPerGram bits per gram of the document (its sampled gram
// sequence, rounded up to 64-bit words), kProbes bits set per gram: a false
// positive rate of about 15%, which lifts the bound by about 15% of the new
// document's weight, below the threshold's 25%. About 40-60 bytes per
// document (4-6 MB at 100,000), in chunks of pages of their own. On a 20k
// batch, reads of candidates (unblocked filters): 117,365 without filters;
// 6,926 with 6 bits a gram; 8,056 with 4 (kept: aggregate's peak at 100k is
// near its 200 MB budget); 31,034 with 3 bits and 2 probes.
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/base/page_array.h"

namespace reportflow::audit {

class GramFilters {
 public:
  static constexpr uint32_t kBitsPerGram = 4;
  static constexpr int kProbes = 3;

  // A gram hashed once for every filter it is looked up in: the word it goes
  // to and its kProbes bits in that word. One word per gram (a blocked
  // filter, Putze, Sanders and Singler 2007): a lookup is one load and one
  // comparison, for a false positive rate a little above an unblocked one's
  // (reads on the 20k batch: 8,861 against 8,056).
  struct Key {
    uint64_t bits = 0;
    uint32_t word = 0;  // scaled to the filter's size
  };
  static Key KeyOf(uint32_t gram);

  // Adds the filter of `grams` (any order, repeats allowed); returns its id:
  // 0, 1, 2 ... in the order of the calls.
  uint32_t Add(std::span<const uint32_t> grams);
  // The summed weight of the grams (`keys`: KeyOf of each, `weights` beside
  // them) that filter `id` may hold: never below the weight of those it holds.
  double SharedWeightBound(uint32_t id, std::span<const Key> keys, std::span<const float> weights) const;
  // Filters added.
  size_t size() const { return filters_.size(); }
  size_t MemoryBytes() const;

 private:
  struct Filter {
    uint32_t at = 0;     // first word, across the chunks (chunk x kChunkWords + offset)
    uint32_t words = 0;  // 64-bit words
  };
  static constexpr uint32_t kChunkWords = 1u << 16;  // 512 KB; a filter never straddles two
  const uint64_t* Words(const Filter& f) const { return chunks_[f.at / kChunkWords].begin() + f.at % kChunkWords; }

  std::vector<PageArray<uint64_t>> chunks_;
  uint32_t used_ = 0;  // words used in the last chunk
  std::vector<Filter> filters_;
};

}  // namespace reportflow::audit
