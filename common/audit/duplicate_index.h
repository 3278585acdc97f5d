// DuplicateIndex: locality-sensitive hashing over MinHash signatures
// (fingerprint.h), so each new document is compared with the few documents
// likely to be similar instead of with every document.
//
// The kMinHashes 16-bit minima are cut into kBands bands of two; two documents
// are candidates when some band is equal. With Jaccard similarity s the chance
// of that is 1 - (1 - s^2)^64: 0.998 at s = 0.3, 0.93 at 0.2, 0.6 at 0.12,
// 0.06 at 0.03 (the median of unrelated generated reports, README.md).
//
// Memory per document: the signature (256 bytes), one list node per band
// (256 bytes) and about 1.5 table slots of 8 bytes per band (~770 bytes):
// about 1.3 KB, so 10^5 documents take ~130 MB and 10^4 ~13 MB
// (MemoryBytes()). Removing a document marks its slot dead; dead slots are
// skipped and their memory is reused by nothing (re-processing is rare).
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/audit/fingerprint.h"
#include "common/base/result.h"

namespace reportflow::audit {

class DuplicateIndex {
 public:
  static constexpr int kRows = 2;
  static constexpr int kBands = kMinHashes / kRows;
  // Node indexes are 25 bits in the table: at most 2^25 / kBands slots.
  static constexpr uint32_t kMaxSlots = (1u << 25) / kBands;

  DuplicateIndex();

  // Adds a signature (kMinHashes values, each < 2^16); returns its slot.
  Result<uint32_t> Add(const std::vector<uint16_t>& signature);
  // Marks `slot` dead: it is never a candidate again.
  void Remove(uint32_t slot);
  // Live slots sharing a band with `signature`, each once, `exclude` left out.
  std::vector<uint32_t> Candidates(const std::vector<uint16_t>& signature, uint32_t exclude = UINT32_MAX) const;
  // The MinHash estimate of the similarity of `slot` and `signature`.
  double Estimate(uint32_t slot, const std::vector<uint16_t>& signature) const;

  size_t live() const { return live_; }
  size_t MemoryBytes() const;

 private:
  uint64_t BandKey(const uint16_t* sig, int band) const;
  // The table entry of `key` (0 if absent).
  uint64_t* Find(uint64_t key);
  const uint64_t* Find(uint64_t key) const;
  void Grow();

  std::vector<uint16_t> signatures_;  // kMinHashes per slot
  std::vector<uint8_t> alive_;
  std::vector<uint32_t> next_;        // per node (slot * kBands + band): the next node of its bucket
  // Open addressing: entry = key (39 bits) << 25 | head node (25 bits); 0 = empty.
  std::vector<uint64_t> table_;
  size_t used_ = 0;
  size_t live_ = 0;
  mutable std::vector<uint32_t> seen_;  // per slot: the query epoch that listed it
  mutable uint32_t epoch_ = 0;
};

// A fingerprint's signature as 16-bit values (empty if it has none).
std::vector<uint16_t> SignatureOf(const extract::v1::TextFingerprint& fp);

}  // namespace reportflow::audit
