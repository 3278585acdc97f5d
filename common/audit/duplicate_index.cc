#include "common/audit/duplicate_index.h"

#include <algorithm>
#include <cmath>

#include "common/base/prefetch.h"

namespace reportflow::audit {
namespace {

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SketchMix(uint64_t hash) { return Mix(hash + 0x9E3779B97F4A7C15ull); }

}  // namespace

std::array<size_t, DocumentFrequencies::kRows> DocumentFrequencies::Counters(uint64_t hash) const {
  const uint64_t z = SketchMix(hash);
  const size_t block = BlockOf(z);
  constexpr uint32_t kPerRow = kBlockCounters / kRows;  // 8: 3 bits each, above the block bits
  std::array<size_t, kRows> out;
  for (int row = 0; row < kRows; ++row) {
    out[row] = block + row * kPerRow + ((z >> (17 + 3 * row)) & (kPerRow - 1));
  }
  return out;
}

void DocumentFrequencies::Prefetch(uint64_t hash) const {
  if (!counters_.empty()) PrefetchLine(counters_.begin() + BlockOf(SketchMix(hash)));
}

void DocumentFrequencies::Count(std::span<const uint64_t> distinct, int delta) {
  if (counters_.empty()) counters_ = PageArray<uint16_t>(static_cast<size_t>(kBlocks) * kBlockCounters, 0);
  ForEachPrefetched(distinct, kPrefetchAhead, [this](uint64_t h) { Prefetch(h); }, [&](uint64_t h) {
    for (size_t i : Counters(h)) {
      uint16_t& c = counters_[i];
      if (delta > 0 && c < UINT16_MAX) ++c;
      if (delta < 0 && c > 0 && c < UINT16_MAX) --c;  // a saturated counter stays saturated
    }
  });
  if (delta > 0) ++documents_;
  if (delta < 0 && documents_ > 0) --documents_;
}

uint32_t DocumentFrequencies::Get(uint64_t hash) const {
  if (counters_.empty()) return 0;
  uint32_t lowest = UINT16_MAX;
  for (size_t i : Counters(hash)) lowest = std::min<uint32_t>(lowest, counters_[i]);
  return lowest;
}

float DocumentFrequencies::Weight(uint64_t hash) const {
  // (documents + 1) / df: text in every document still weighs a little, so
  // two documents alone (or every document alike) are compared on their
  // text rather than all weighing 0.
  const double df = std::max<uint32_t>(1, Get(hash));
  return static_cast<float>(std::max(0.0, std::log(static_cast<double>(documents_ + 1) / df)));
}

size_t DuplicateIndex::HeapBytes(const List& list) {
  return list.capacity() > kInlineSlots ? list.capacity() * sizeof(uint32_t) : 0;
}

uint32_t DuplicateIndex::KeyOf(uint64_t shingle) { return static_cast<uint32_t>(shingle ^ (shingle >> 32)); }

DuplicateIndex::Shard& DuplicateIndex::ShardOf(uint32_t key, uint64_t* mixed) {
  *mixed = Mix(key);
  return shards_[*mixed >> (64 - kShardBits)];
}
const DuplicateIndex::Shard& DuplicateIndex::ShardOf(uint32_t key, uint64_t* mixed) const {
  *mixed = Mix(key);
  return shards_[*mixed >> (64 - kShardBits)];
}

size_t DuplicateIndex::Shard::Home(uint64_t mixed) const {
  // The hash's low 32 bits scaled to the table's size (any size, not only a
  // power of two; the shard came from the top bits).
  return static_cast<size_t>((static_cast<uint64_t>(static_cast<uint32_t>(mixed)) * buckets.size()) >> 32);
}

void DuplicateIndex::Prefetch(uint64_t shingle) const {
  uint64_t mixed;
  const Shard& shard = ShardOf(KeyOf(shingle), &mixed);
  if (!shard.buckets.empty()) PrefetchLine(&shard.buckets[shard.Home(mixed)]);
}

size_t DuplicateIndex::Shard::Find(uint32_t key, uint64_t mixed) const {
  const size_t n = buckets.size();
  size_t i = Home(mixed);
  while (buckets[i].value != kEmpty && buckets[i].key != key) {
    if (++i == n) i = 0;
  }
  return i;
}

void DuplicateIndex::Shard::Grow() {
  // The old array is unmapped when `old` goes (PageArray: its pages leave at
  // once, not after the allocator's decay time, while the other shards grow).
  PageArray<Bucket> old = std::move(buckets);
  const size_t n = old.size();
  buckets = PageArray<Bucket>(n == 0 ? kFirstBuckets : n < kDoubleBelow ? 2 * n : n + n / 4, Bucket{});
  for (const Bucket& b : old) {
    if (b.value != kEmpty) buckets[Find(b.key, Mix(b.key))] = b;
  }
}

uint32_t DuplicateIndex::Add(std::span<const uint64_t> shingles) {
  const uint32_t slot = static_cast<uint32_t>(alive_.size());
  alive_.push_back(1);
  score_.push_back(0);
  ++live_;
  const double cap = std::min<double>(kRareMaxDocs, std::max<double>(kRareMinDocs, kRareShare * static_cast<double>(live_)));
  // (A shard that grows meanwhile makes a prefetch useless, never wrong.)
  ForEachPrefetched(shingles, kPrefetchAhead, [this](uint64_t s) { Prefetch(s); }, [&](uint64_t s) {
    const uint32_t key = KeyOf(s);
    uint64_t mixed;
    Shard& shard = ShardOf(key, &mixed);
    if (20 * (shard.used + 1) > 17 * shard.buckets.size()) shard.Grow();
    Bucket& b = shard.buckets[shard.Find(key, mixed)];
    if (b.value == kEmpty) {  // a shingle no document had: this one alone
      b = {key, slot};
      ++shard.used;
      return;
    }
    if (b.value == kCommon) return;
    if (b.value < kList) {  // a second document: the shingle gets a list
      uint32_t index;
      if (!free_lists_.empty()) {
        index = free_lists_.back();
        free_lists_.pop_back();
      } else {
        index = static_cast<uint32_t>(lists_.size());
        lists_.emplace_back();
      }
      lists_[index].push_back(b.value);
      b.value = kList | index;
    }
    List& list = lists_[b.value & ~kList];
    const size_t before = HeapBytes(list);
    list.push_back(slot);
    list_bytes_ += HeapBytes(list) - before;
    if (static_cast<double>(list.size()) > cap) {  // template text: never a reason to compare
      list_bytes_ -= HeapBytes(list);
      List().swap(list);
      free_lists_.push_back(b.value & ~kList);
      b.value = kCommon;
    }
  });
  return slot;
}

void DuplicateIndex::Remove(uint32_t slot) {
  if (slot < alive_.size() && alive_[slot]) {
    alive_[slot] = 0;
    --live_;
  }
}

std::vector<uint32_t> DuplicateIndex::Candidates(std::span<const uint64_t> shingles, size_t max,
                                                 uint32_t exclude) const {
  touched_.clear();
  auto score = [&](uint32_t slot, float w) {
    if (slot == exclude || !alive_[slot]) return;
    if (score_[slot] == 0) touched_.push_back(slot);
    score_[slot] += w;
  };
  if (live_ > 0) {
    const double documents = static_cast<double>(live_ + 1);
    const float alone = static_cast<float>(std::log(documents));  // a shingle one document lists
    ForEachPrefetched(shingles, kPrefetchAhead, [this](uint64_t s) { Prefetch(s); }, [&](uint64_t s) {
      const uint32_t key = KeyOf(s);
      uint64_t mixed;
      const Shard& shard = ShardOf(key, &mixed);
      if (shard.buckets.empty()) return;
      const Bucket& b = shard.buckets[shard.Find(key, mixed)];
      if (b.value == kEmpty || b.value == kCommon) return;
      // A shingle weighs ln((documents + 1) / documents listing it): its list is its exact count.
      if (b.value < kList) {
        score(b.value, alone);
      } else {
        const auto& list = lists_[b.value & ~kList];
        const float w = std::max(static_cast<float>(std::log(documents / static_cast<double>(list.size()))), 1e-3f);
        for (uint32_t slot : list) score(slot, w);
      }
    });
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
  size_t buckets = 0;
  for (const Shard& shard : shards_) buckets += shard.buckets.size() * sizeof(Bucket);
  return buckets + list_bytes_ +
         lists_.size() * sizeof(List) + free_lists_.capacity() * sizeof(uint32_t) +
         alive_.capacity() + score_.capacity() * sizeof(float) + touched_.capacity() * sizeof(uint32_t);
}

}  // namespace reportflow::audit
