// A sentence decoded for the grammar: one code point per entry with its byte
// offset in the document, traditional characters read as simplified, the
// positions where a number may start and the closed quotes; plus the small
// matchers over it. Internal to services/extract.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

#include "common/text/han_variants.h"
#include "services/extract/char_classes.h"

namespace reportflow::extract::internal {

struct Buffer {
  std::vector<char32_t> cp;   // cp[0, n) are the sentence; capacity only grows
  std::vector<uint32_t> off;  // byte offset of cp[i] in the document; off[n] = end
  std::vector<std::pair<uint32_t, uint32_t>> quotes;  // [open, close] indices, closed only
  std::vector<uint32_t> open;                         // scratch: unclosed quotes
  size_t n = 0;
  bool simplified = false;      // some character was read as its simplified form
  bool length_changed = false;  // ... and its UTF-8 length differs from the stored one

  size_t size() const { return n; }
  char32_t at(size_t i) const { return i < n ? cp[i] : U'\0'; }
  bool Has(size_t i, U32 s) const {
    if (i + s.size() > n) return false;
    for (size_t k = 0; k < s.size(); ++k) {
      if (cp[i + k] != s[k]) return false;
    }
    return true;
  }
  // True if cp[..end) ends with s, not crossing `floor`.
  bool EndsWith(size_t end, U32 s, size_t floor = 0) const {
    if (end < s.size() || end - s.size() < floor) return false;
    return Has(end - s.size(), s);
  }
};

inline bool MaybeQuote(char32_t c) {
  return c == U'"' || (c >= 0x2018 && c <= 0x201D) || (c >= 0x300A && c <= 0x300F);
}

inline uint32_t Utf8Length(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

// One entry per BMP code point: its simplified form (HanVariants) and what the
// decoder needs to know about that form, so each character costs one look-up.
class CharTable {
 public:
  static constexpr uint32_t kCodePoint = 0x1FFFFF;
  static constexpr uint32_t kNumberStart = 1u << 24;   // a digit or Chinese numeral: a number may start here
  static constexpr uint32_t kMaybeQuote = 1u << 25;    // a quotation mark or title bracket
  static constexpr uint32_t kSimplified = 1u << 26;    // differs from the character as stored
  static constexpr uint32_t kLengthChanged = 1u << 27;  // ... with another UTF-8 length

  explicit CharTable(const text::HanVariants& variants) : entries_(0x10000) {
    for (char32_t c = 0; c < 0x10000; ++c) {
      const char32_t s = variants.ToSimplified(c);
      uint32_t e = static_cast<uint32_t>(s) & kCodePoint;
      if (ArabicDigit(s) >= 0 || IsChineseNumeral(s)) e |= kNumberStart;
      if (MaybeQuote(s)) e |= kMaybeQuote;
      if (s != c) e |= kSimplified;
      if (Utf8Length(s) != Utf8Length(c)) e |= kLengthChanged;
      entries_[c] = e;
      if ((e & ~kCodePoint) != 0) special_[c >> 6] |= uint64_t{1} << (c & 63);
    }
  }
  uint32_t operator[](char32_t c) const { return entries_[c]; }
  // False if `c` (BMP) reads as itself with no flags: most text, decided by
  // an 8 KB bitmap that stays in L1 where the full table (256 KB) does not.
  bool Special(char32_t c) const { return ((special_[c >> 6] >> (c & 63)) & 1) != 0; }

 private:
  std::vector<uint32_t> entries_;
  uint64_t special_[0x10000 / 64] = {};
};

// Decodes [begin, end) of `text` into `buf`, one code point per entry with its
// byte offset, and records where numbers may start. Traditional characters
// are read as their simplified forms (`chars`), so 萬元, 處 and 約 parse like
// 万元, 处 and 约; every offset still points into the stored text, and
// everything copied out of it is as written.
// Returns false (with *bad_offset) if the range is not well-formed UTF-8:
// every span and string the extractor emits must be valid UTF-8.
bool DecodeInto(std::string_view text, uint32_t begin, uint32_t end, const text::HanVariants& variants,
                const CharTable& chars, Buffer* buf, std::vector<uint32_t>* starts, uint32_t* bad_offset);

// Returns the length of the first element of `list` that occurs at i, or 0.
size_t MatchAny(const Buffer& b, size_t i, std::initializer_list<U32> list);
// Returns the length of the first element of `list` that ends at `end`, or 0.
size_t MatchAnyBefore(const Buffer& b, size_t end, size_t floor, std::initializer_list<U32> list);

}  // namespace reportflow::extract::internal
