#include "common/audit/duplicate_index.h"

#include "common/audit/near_duplicate.h"

#include <string>

namespace reportflow::audit {
namespace {

constexpr int kHeadBits = 25;
constexpr uint64_t kHeadMask = (uint64_t{1} << kHeadBits) - 1;
constexpr uint32_t kEnd = UINT32_MAX;

uint64_t Spread(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

DuplicateIndex::DuplicateIndex() : table_(1024, 0) {}

uint64_t DuplicateIndex::BandKey(const uint16_t* sig, int band) const {
  uint64_t key = static_cast<uint64_t>(band);
  for (int r = 0; r < kRows; ++r) key = (key << 16) | sig[band * kRows + r];
  return key + 1;  // never 0 (39 bits at most: 6 band bits + 32)
}

const uint64_t* DuplicateIndex::Find(uint64_t key) const {
  const size_t mask = table_.size() - 1;
  for (size_t i = Spread(key) & mask;; i = (i + 1) & mask) {
    const uint64_t e = table_[i];
    if (e == 0 || (e >> kHeadBits) == key) return &table_[i];
  }
}

uint64_t* DuplicateIndex::Find(uint64_t key) {
  return const_cast<uint64_t*>(static_cast<const DuplicateIndex*>(this)->Find(key));
}

void DuplicateIndex::Grow() {
  std::vector<uint64_t> old;
  old.swap(table_);
  table_.assign(old.size() * 2, 0);
  for (uint64_t e : old) {
    if (e != 0) *Find(e >> kHeadBits) = e;
  }
}

Result<uint32_t> DuplicateIndex::Add(const std::vector<uint16_t>& signature) {
  if (signature.size() != static_cast<size_t>(kMinHashes)) {
    return Status::InvalidArgument("signature of " + std::to_string(signature.size()) + " values, expected " +
                                   std::to_string(kMinHashes));
  }
  const size_t slots = alive_.size();
  if (slots >= kMaxSlots) return Status::ResourceExhausted("duplicate index full");
  const uint32_t slot = static_cast<uint32_t>(slots);
  signatures_.insert(signatures_.end(), signature.begin(), signature.end());
  alive_.push_back(1);
  seen_.push_back(0);
  ++live_;
  for (int band = 0; band < kBands; ++band) {
    if ((used_ + 1) * 4 > table_.size() * 3) Grow();
    const uint32_t node = slot * kBands + static_cast<uint32_t>(band);
    const uint64_t key = BandKey(signature.data(), band);
    uint64_t* e = Find(key);
    if (*e == 0) {
      ++used_;
      next_.push_back(kEnd);
    } else {
      next_.push_back(static_cast<uint32_t>(*e & kHeadMask));
    }
    *e = (key << kHeadBits) | node;
  }
  return slot;
}

void DuplicateIndex::Remove(uint32_t slot) {
  if (slot < alive_.size() && alive_[slot]) {
    alive_[slot] = 0;
    --live_;
  }
}

std::vector<uint32_t> DuplicateIndex::Candidates(const std::vector<uint16_t>& signature, uint32_t exclude) const {
  std::vector<uint32_t> out;
  if (signature.size() != static_cast<size_t>(kMinHashes)) return out;
  if (++epoch_ == 0) {  // wrapped: forget every earlier query
    std::fill(seen_.begin(), seen_.end(), 0);
    epoch_ = 1;
  }
  for (int band = 0; band < kBands; ++band) {
    const uint64_t e = *Find(BandKey(signature.data(), band));
    if (e == 0) continue;
    for (uint32_t node = static_cast<uint32_t>(e & kHeadMask); node != kEnd; node = next_[node]) {
      const uint32_t slot = node / kBands;
      if (slot == exclude || !alive_[slot] || seen_[slot] == epoch_) continue;
      seen_[slot] = epoch_;
      out.push_back(slot);
    }
  }
  return out;
}

double DuplicateIndex::Estimate(uint32_t slot, const std::vector<uint16_t>& signature) const {
  if (slot >= alive_.size() || signature.size() != static_cast<size_t>(kMinHashes)) return 0;
  return EstimateSimilarity(signatures_.data() + static_cast<size_t>(slot) * kMinHashes, signature.data(),
                            kMinHashes);
}

size_t DuplicateIndex::MemoryBytes() const {
  return signatures_.capacity() * sizeof(uint16_t) + alive_.capacity() + next_.capacity() * sizeof(uint32_t) +
         table_.capacity() * sizeof(uint64_t) + seen_.capacity() * sizeof(uint32_t);
}

std::vector<uint16_t> SignatureOf(const extract::v1::TextFingerprint& fp) {
  std::vector<uint16_t> sig;
  if (fp.minhash_size() != kMinHashes) return sig;
  sig.reserve(kMinHashes);
  for (uint32_t v : fp.minhash()) sig.push_back(static_cast<uint16_t>(v));
  return sig;
}

}  // namespace reportflow::audit
