// ScaledIndex: a 64-bit hash mapped onto [0, n) by multiplying and keeping
// the high half (Lemire's "fast range"), so an open-addressing table can have
// any size, not only a power of two, and grow by half instead of doubling.
// The hash's high bits decide the index: callers that took some of them for
// a shard shift them out first.
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <cstdint>

namespace reportflow {

inline size_t ScaledIndex(uint64_t hash, size_t n) {
  return static_cast<size_t>((static_cast<unsigned __int128>(hash) * n) >> 64);
}

}  // namespace reportflow
