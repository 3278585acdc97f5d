#include "common/audit/gram_filters.h"

#include <algorithm>

namespace reportflow::audit {
namespace {

// Probe `i` of `key` in a filter of `bits` bits: double hashing (Kirsch and
// Mitzenmacher 2006) over the key's two halves, mapped to the range by a
// multiply and shift (any size, not only a power of two).
uint32_t Probe(uint64_t key, int i, uint32_t bits) {
  const auto h = static_cast<uint32_t>(key) + static_cast<uint32_t>(i) * static_cast<uint32_t>(key >> 32);
  return static_cast<uint32_t>((static_cast<uint64_t>(h) * bits) >> 32);
}

}  // namespace

uint64_t GramFilters::KeyOf(uint32_t gram) {
  uint64_t z = gram + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z | (uint64_t{1} << 32);  // the high half, the step, odd: a key's probes hash apart
}

uint32_t GramFilters::Add(std::span<const uint32_t> grams) {
  const size_t bits = std::max<size_t>(1, grams.size()) * kBitsPerGram;
  const auto words = static_cast<uint32_t>(std::min<size_t>((bits + 63) / 64, kChunkWords));
  if (chunks_.empty() || used_ + words > kChunkWords) {
    chunks_.emplace_back(kChunkWords, uint64_t{0});
    used_ = 0;
  }
  const Filter f{static_cast<uint32_t>((chunks_.size() - 1) * kChunkWords + used_), words};
  used_ += words;
  uint64_t* w = chunks_.back().begin() + f.at % kChunkWords;
  const uint32_t size = words * 64;
  for (uint32_t g : grams) {
    const uint64_t key = KeyOf(g);
    for (int i = 0; i < kProbes; ++i) {
      const uint32_t bit = Probe(key, i, size);
      w[bit / 64] |= uint64_t{1} << (bit % 64);
    }
  }
  filters_.push_back(f);
  return static_cast<uint32_t>(filters_.size() - 1);
}

double GramFilters::SharedWeightBound(uint32_t id, std::span<const uint64_t> keys,
                                      std::span<const float> weights) const {
  const Filter& f = filters_[id];
  const uint64_t* w = Words(f);
  const uint32_t size = f.words * 64;
  double sum = 0;
  for (size_t j = 0; j < keys.size(); ++j) {
    bool may = true;
    for (int i = 0; i < kProbes && may; ++i) {
      const uint32_t bit = Probe(keys[j], i, size);
      may = (w[bit / 64] >> (bit % 64)) & 1;
    }
    if (may) sum += weights[j];
  }
  return sum;
}

size_t GramFilters::MemoryBytes() const {
  return chunks_.size() * kChunkWords * sizeof(uint64_t) + filters_.capacity() * sizeof(Filter);
}

}  // namespace reportflow::audit
