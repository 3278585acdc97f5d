// HotCache: a memory-bounded map of recently used entries, for the rollups
// and region counts the aggregator reads for nearly every document (province,
// city and county levels) instead of parsing them from the store each time.
//
// Two generations: entries go to the young one; when its estimated size
// reaches half the budget, the old generation is dropped and the young one
// becomes old. Taking an entry removes it (the caller owns it until it Puts
// the new state back), so a failed write leaves nothing stale behind: the
// next read goes to the store.
//
// Thread-safety: none (one aggregate loop owns it).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace reportflow::aggregate {

template <typename V>
class HotCache {
 public:
  // `cost` estimates an entry's bytes (key excluded).
  HotCache(size_t budget_bytes, std::function<size_t(const V&)> cost)
      : half_budget_(budget_bytes / 2), cost_(std::move(cost)) {}

  // Removes and returns the entry for `key`, if cached.
  std::optional<V> Take(const std::string& key) {
    for (Generation* g : {&young_, &old_}) {
      auto it = g->entries.find(key);
      if (it == g->entries.end()) continue;
      V value = std::move(it->second.value);
      g->bytes -= it->second.bytes;
      g->entries.erase(it);
      return value;
    }
    return std::nullopt;
  }

  // Caches `value` as the current state of `key`.
  void Put(const std::string& key, V value) {
    Erase(key);
    const size_t bytes = key.size() + kOverheadBytes + cost_(value);
    if (young_.bytes + bytes > half_budget_) {
      old_ = std::move(young_);
      young_ = Generation{};
    }
    young_.bytes += bytes;
    young_.entries.emplace(key, Entry{std::move(value), bytes});
  }

  void Erase(const std::string& key) {
    for (Generation* g : {&young_, &old_}) {
      auto it = g->entries.find(key);
      if (it == g->entries.end()) continue;
      g->bytes -= it->second.bytes;
      g->entries.erase(it);
    }
  }

  size_t size() const { return young_.entries.size() + old_.entries.size(); }
  size_t bytes() const { return young_.bytes + old_.bytes; }

 private:
  static constexpr size_t kOverheadBytes = 96;  // node, hash bucket, string and message headers
  struct Entry {
    V value;
    size_t bytes;
  };
  struct Generation {
    std::unordered_map<std::string, Entry> entries;
    size_t bytes = 0;
  };
  size_t half_budget_;
  std::function<size_t(const V&)> cost_;
  Generation young_, old_;
};

}  // namespace reportflow::aggregate
