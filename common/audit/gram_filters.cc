#include "common/audit/gram_filters.h"

#include <algorithm>

namespace reportflow::audit {
namespace {

// The word of a key in a filter of `words` words: multiply and shift (any
// size, not only a power of two).
uint32_t WordOf(const GramFilters::Key& key, uint32_t words) {
  return static_cast<uint32_t>((uint64_t{key.word} * words) >> 32);
}

}  // namespace

GramFilters::Key GramFilters::KeyOf(uint32_t gram) {
  uint64_t z = gram + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  Key key;
  key.word = static_cast<uint32_t>(z);
  for (int i = 0; i < kProbes; ++i) key.bits |= uint64_t{1} << ((z >> (32 + 6 * i)) & 63);
  return key;
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
  for (uint32_t g : grams) {
    const Key key = KeyOf(g);
    w[WordOf(key, words)] |= key.bits;
  }
  filters_.push_back(f);
  return static_cast<uint32_t>(filters_.size() - 1);
}

double GramFilters::SharedWeightBound(uint32_t id, std::span<const Key> keys,
                                      std::span<const float> weights) const {
  const Filter& f = filters_[id];
  const uint64_t* w = Words(f);
  double sum = 0;
  for (size_t j = 0; j < keys.size(); ++j) {
    if ((w[WordOf(keys[j], f.words)] & keys[j].bits) == keys[j].bits) sum += weights[j];
  }
  return sum;
}

size_t GramFilters::MemoryBytes() const {
  return chunks_.size() * kChunkWords * sizeof(uint64_t) + filters_.capacity() * sizeof(Filter);
}

}  // namespace reportflow::audit
