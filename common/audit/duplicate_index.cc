#include "common/audit/duplicate_index.h"

#include <algorithm>
#include <cmath>

namespace reportflow::audit {
namespace {

uint64_t RowHash(uint64_t z, int row) {
  z += 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(row + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

void DocumentFrequencies::Count(std::span<const uint64_t> distinct, int delta) {
  if (counters_.empty()) counters_.assign(static_cast<size_t>(kRows) * kWidth, 0);
  for (uint64_t h : distinct) {
    for (int row = 0; row < kRows; ++row) {
      uint16_t& c = counters_[static_cast<size_t>(row) * kWidth + (RowHash(h, row) & (kWidth - 1))];
      if (delta > 0 && c < UINT16_MAX) ++c;
      if (delta < 0 && c > 0 && c < UINT16_MAX) --c;  // a saturated counter stays saturated
    }
  }
  if (delta > 0) ++documents_;
  if (delta < 0 && documents_ > 0) --documents_;
}

uint32_t DocumentFrequencies::Get(uint64_t hash) const {
  if (counters_.empty()) return 0;
  uint32_t lowest = UINT16_MAX;
  for (int row = 0; row < kRows; ++row) {
    lowest = std::min<uint32_t>(lowest, counters_[static_cast<size_t>(row) * kWidth + (RowHash(hash, row) & (kWidth - 1))]);
  }
  return lowest;
}

float DocumentFrequencies::Weight(uint64_t hash) const {
  // (documents + 1) / df: text in every document still weighs a little, so
  // two documents alone (or every document alike) are compared on their
  // text rather than all weighing 0.
  const double df = std::max<uint32_t>(1, Get(hash));
  return static_cast<float>(std::max(0.0, std::log(static_cast<double>(documents_ + 1) / df)));
}

uint32_t DuplicateIndex::Add(std::span<const uint64_t> shingles) {
  const uint32_t slot = static_cast<uint32_t>(alive_.size());
  alive_.push_back(1);
  score_.push_back(0);
  ++live_;
  const double cap = std::max<double>(kRareMinDocs, kRareShare * static_cast<double>(live_));
  for (uint64_t s : shingles) {
    if (common_.count(s)) continue;
    auto& list = postings_[s];
    const size_t before = list.capacity();
    list.push_back(slot);
    list_bytes_ += (list.capacity() - before) * sizeof(uint32_t);
    if (static_cast<double>(list.size()) > cap) {  // template text: never a reason to compare
      list_bytes_ -= list.capacity() * sizeof(uint32_t);
      postings_.erase(s);
      common_.insert(s);
    }
  }
  return slot;
}

void DuplicateIndex::Remove(uint32_t slot) {
  if (slot < alive_.size() && alive_[slot]) {
    alive_[slot] = 0;
    --live_;
  }
}

std::vector<uint32_t> DuplicateIndex::Candidates(std::span<const uint64_t> shingles,
                                                 const DocumentFrequencies& frequencies, size_t max,
                                                 uint32_t exclude) const {
  touched_.clear();
  for (uint64_t s : shingles) {
    auto it = postings_.find(s);
    if (it == postings_.end()) continue;
    const float w = std::max(frequencies.Weight(s), 1e-3f);
    for (uint32_t slot : it->second) {
      if (slot == exclude || !alive_[slot]) continue;
      if (score_[slot] == 0) touched_.push_back(slot);
      score_[slot] += w;
    }
  }
  // Heaviest first; ties by slot, so the result does not depend on hashing.
  auto heavier = [&](uint32_t a, uint32_t b) { return score_[a] != score_[b] ? score_[a] > score_[b] : a < b; };
  const size_t keep = std::min(max, touched_.size());
  std::partial_sort(touched_.begin(), touched_.begin() + static_cast<std::ptrdiff_t>(keep), touched_.end(), heavier);
  std::vector<uint32_t> out(touched_.begin(), touched_.begin() + static_cast<std::ptrdiff_t>(keep));
  for (uint32_t slot : touched_) score_[slot] = 0;
  return out;
}

size_t DuplicateIndex::MemoryBytes() const {
  // Lists: their entries plus a hash node and vector header each; the common set: a node each.
  const size_t node = sizeof(void*) * 2 + sizeof(uint64_t) + sizeof(std::vector<uint32_t>);
  return list_bytes_ + postings_.size() * node + postings_.bucket_count() * sizeof(void*) +
         common_.size() * (sizeof(void*) + sizeof(uint64_t)) + common_.bucket_count() * sizeof(void*) +
         alive_.capacity() + score_.capacity() * sizeof(float) + touched_.capacity() * sizeof(uint32_t);
}

}  // namespace reportflow::audit
