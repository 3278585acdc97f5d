// Rng: the corpus generator's random stream. SplitMix64, fully specified, so the
// same seed gives the same corpus everywhere (no library distributions).
// Thread-safety: one instance per thread.
#pragma once

#include <cstdint>
#include <vector>

namespace reportflow::cli {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix(state_ += 0x9E3779B97F4A7C15ull); }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  // A value (a number written in a report): from the value stream when one
  // is set (SplitValues), else from the main stream like Structural().
  int Between(int lo, int hi) {
    if (!split_) return Structural(lo, hi);
    Next();  // the main stream advances as if it had drawn the value
    values_ += 0x9E3779B97F4A7C15ull;
    return lo + static_cast<int>(Mix(values_) % static_cast<uint64_t>(hi - lo + 1));
  }
  // A choice of structure (how many paragraphs ...): always the main stream.
  int Structural(int lo, int hi) { return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  // Planted copies: a generator restarted at a report's state() with its
  // values split off draws the same structure, wording and choices, and
  // other numbers.
  uint64_t state() const { return state_; }
  void SplitValues(uint64_t seed) {
    split_ = true;
    values_ = seed;
  }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Below(v.size())]; }

 private:
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t state_;
  uint64_t values_ = 0;
  bool split_ = false;
};

}  // namespace reportflow::cli
