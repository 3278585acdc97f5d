// ForEachPrefetched: a loop over hashes whose look-ups each miss the cache
// (tables of megabytes, one line per hash): the memory of the hash `ahead`
// places on is asked for before each one is used, so several misses are in
// flight at once instead of one after another.
// Thread-safety: as the callables.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

namespace reportflow {

// How far ahead the audit's look-ups prefetch: enough misses in flight to
// overlap their waits, few enough that the lines are still cached when used.
inline constexpr size_t kPrefetchAhead = 8;

// Calls prefetch(items[i + ahead]), then fn(items[i]), for each i in order
// (the first `ahead` items are prefetched before the loop).
template <typename T, typename Prefetch, typename Fn>
void ForEachPrefetched(std::span<const T> items, size_t ahead, Prefetch&& prefetch, Fn&& fn) {
  const size_t n = items.size();
  for (size_t i = 0; i < std::min(ahead, n); ++i) prefetch(items[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + ahead < n) prefetch(items[i + ahead]);
    fn(items[i]);
  }
}

}  // namespace reportflow
