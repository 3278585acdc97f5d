// HanVariants: traditional -> simplified Chinese characters, one code point to
// one code point, for matching only (stored text is never changed).
//
// The table comes from ICU's "Traditional-Simplified" transliterator over the
// CJK blocks, read at build time (han_variants_gen: running it at every start
// took tens of milliseconds in each service), and covers the BMP; characters
// whose simplified form is not a single code point are left as they are.
// Thread-safety: Get() is thread-safe; the table is immutable after it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reportflow::text {

class HanVariants {
 public:
  // The process-wide table (compiled in: always available).
  static const HanVariants& Get();

  // The simplified form of `c` (c itself when it has none). Most characters
  // of a report have none: a bit per BMP character (8 KB, cached) answers
  // them without reading the table (256 KB, a cache miss per character).
  char32_t ToSimplified(char32_t c) const {
    if (c >= kBmp || ((changed_[c >> 6] >> (c & 63)) & 1) == 0) return c;
    return table_[c];
  }
  // `utf8` with every character in its simplified form (invalid bytes kept as U+FFFD).
  std::string Simplify(std::string_view utf8) const;
  // The whole BMP mapping (identity where nothing changes).
  const std::vector<char32_t>& table() const { return table_; }

 private:
  HanVariants() = default;
  void Init();
  static constexpr char32_t kBmp = 0x10000;
  std::vector<char32_t> table_;
  std::vector<uint64_t> changed_;  // bit c: table_[c] != c
};

}  // namespace reportflow::text
