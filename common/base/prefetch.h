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

// Asks the CPU for the cache line at `p`, for reading soon. An instruction
// the compiler keeps: GCC 12 dropped __builtin_prefetch where the look-ups
// below were inlined into their loops (no prefetch was left in
// DocumentFrequencies::Count, DuplicateIndex::Add or Candidates), while
// keeping it in the same functions compiled on their own.
inline void PrefetchLine(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

// How far ahead the audit's look-ups prefetch: enough misses in flight to
// overlap their waits, few enough that the lines are still cached when used.
inline constexpr size_t kPrefetchAhead = 16;

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
