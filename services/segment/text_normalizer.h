// TextNormalizer: the matching view of a report's text.
//
// Matching never works on the stored bytes directly. The stored UTF-8 text is
// decoded into one normalised code point per entry, each carrying the byte
// range of the original code point(s) it came from, so every match maps back
// to a span of the unchanged stored text.
//
// Normalisation (for matching only):
//   * full-width ASCII variants (U+FF01..U+FF5E) -> ASCII: （一） == (一),
//     ， == ',', ２０２３ == 2023; ideographic and no-break spaces -> ' ';
//   * traditional -> simplified characters, using the code-point table of
//     common/text/han_variants.h (from ICU's "Traditional-Simplified"
//     transliterator, read at build time);
//   * line endings: CRLF, CR, U+2028, U+2029 -> '\n' (CR of CRLF dropped);
//   * tabs -> ' '; zero-width characters, soft hyphens and BOMs dropped;
//   * Word/pandoc conversion residue such as "[bookmark: _GoBack]" or
//     "[image: ...]" dropped.
//
// Thread-safety: Get() is thread-safe; the normaliser is immutable after it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace reportflow::segment {

// Normalised code points with their byte ranges in the original text.
// Invariants: begin < end for every entry; ranges are increasing and
// non-overlapping (dropped input leaves gaps). Buffers are reused between
// Normalize() calls on the same object.
class MatchText {
 public:
  MatchText() = default;
  MatchText(const MatchText&) = delete;
  MatchText& operator=(const MatchText&) = delete;

  std::u32string_view chars() const { return {chars_.get(), size_}; }
  size_t size() const { return size_; }
  // Byte span in the original text of normalised chars [i, j), i < j.
  uint32_t ByteBegin(size_t i) const { return begin_[i]; }
  uint32_t ByteEnd(size_t j) const { return begin_[j - 1] + len_[j - 1]; }

 private:
  friend class TextNormalizer;
  void Reserve(size_t n);

  std::unique_ptr<char32_t[]> chars_;
  std::unique_ptr<uint32_t[]> begin_;
  std::unique_ptr<uint8_t[]> len_;  // bytes of the original (1-4; 2 for CRLF)
  size_t size_ = 0;
  size_t capacity_ = 0;
};

class TextNormalizer {
 public:
  // The process-wide normaliser, built on first use from the compiled-in
  // traditional->simplified table (it cannot fail).
  static const TextNormalizer& Get();

  // Fills `out` with the matching view of `text`. Returns false if `text` is
  // not valid UTF-8 (invalid bytes are then matched as U+FFFD).
  bool Normalize(std::string_view text, MatchText* out) const;

  // Maps one code point (no residue/line-ending handling). Returns 0 for
  // characters that are dropped.
  char32_t Map(char32_t c) const {
    if (c >= 0x10000 || !((changed_[c >> 6] >> (c & 63)) & 1)) return c;
    return table_[c];
  }

 private:
  TextNormalizer();
  std::vector<char32_t> table_;    // BMP mapping
  std::vector<uint64_t> changed_;  // bit per BMP code point: table_[c] != c
                                   // (8 KiB, stays in L1 cache)
};

// Appends UTF-8 for a u32 string (helper for tests and metadata output).
std::string ToUtf8(std::u32string_view s);
// Decodes UTF-8 to code points without normalisation.
std::u32string ToU32(std::string_view s);

}  // namespace reportflow::segment
