#include "services/segment/text_normalizer.h"

#include <unicode/unistr.h>

#include <cstdint>
#include <memory>

#include "common/text/han_variants.h"
#include "common/text/utf8.h"

namespace reportflow::segment {
namespace {

// Decodes one code point at s[*pos] (text::DecodeUtf8, inline for ASCII and
// 3-byte forms); a malformed sequence (U+FFFD not written as such) clears *valid.
inline char32_t NextCodePoint(std::string_view s, size_t* pos, bool* valid) {
  const size_t start = *pos;
  const char32_t cp = text::DecodeUtf8(s, pos);
  if (cp == 0xFFFD && *pos - start != 3) *valid = false;
  return cp;
}

bool IsAsciiLower(char32_t c) { return c >= 'a' && c <= 'z'; }

// Length in code points of Word/pandoc residue starting at chars[i] == '[':
// "[" lowercase-word ":" anything-but-newline-or-brackets "]". 0 if none.
size_t ResidueLength(std::u32string_view chars, size_t i) {
  size_t j = i + 1;
  while (j < chars.size() && IsAsciiLower(chars[j]) && j - i <= 12) ++j;
  if (j == i + 1 || j >= chars.size() || chars[j] != ':') return 0;
  for (size_t k = j + 1; k < chars.size() && k - i <= 256; ++k) {
    const char32_t c = chars[k];
    if (c == ']') return k + 1 - i;
    if (c == '\n' || c == '[') return 0;
  }
  return 0;
}

}  // namespace

const TextNormalizer& TextNormalizer::Get() {
  static const TextNormalizer* const instance = new TextNormalizer();  // thread-safe; never destroyed
  return *instance;
}

TextNormalizer::TextNormalizer() {
  // Traditional -> simplified (common/text/han_variants), then the other foldings.
  table_ = text::HanVariants::Get().table();

  // Full-width ASCII variants -> ASCII.
  for (char32_t c = 0xFF01; c <= 0xFF5E; ++c) table_[c] = c - 0xFEE0;
  table_[0x3000] = ' ';   // ideographic space
  table_[0x00A0] = ' ';   // no-break space
  table_[0x2002] = ' ';
  table_[0x2003] = ' ';
  table_[0x2009] = ' ';
  table_[0x202F] = ' ';
  table_['\t'] = ' ';
  table_['\f'] = '\n';
  table_['\v'] = '\n';
  table_[0x2028] = '\n';
  table_[0x2029] = '\n';
  table_[0x0085] = '\n';
  for (char32_t c : {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD}) table_[c] = 0;
  // Bracket variants used around document-number years.
  table_[0xFE5D] = 0x3014;  // ﹝ -> 〔
  table_[0xFE5E] = 0x3015;  // ﹞ -> 〕
  table_[0xFF62] = 0x300C;  // half-width corner brackets
  table_[0xFF63] = 0x300D;
  table_[0xFF64] = 0x3001;  // half-width ideographic comma -> 、
  table_[0xFF61] = 0x3002;  // half-width ideographic full stop -> 。
  changed_.assign(0x10000 / 64, 0);
  for (char32_t c = 0; c < table_.size(); ++c) {
    if (table_[c] != c) changed_[c >> 6] |= uint64_t{1} << (c & 63);
  }
}

void MatchText::Reserve(size_t n) {
  if (n <= capacity_) return;
  chars_ = std::make_unique_for_overwrite<char32_t[]>(n);
  begin_ = std::make_unique_for_overwrite<uint32_t[]>(n);
  len_ = std::make_unique_for_overwrite<uint8_t[]>(n);
  capacity_ = n;
}

bool TextNormalizer::Normalize(std::string_view text, MatchText* out) const {
  bool valid = true;
  // At most one entry per input byte.
  out->Reserve(text.size() + 1);
  char32_t* chars = out->chars_.get();
  uint32_t* begins = out->begin_.get();
  uint8_t* lens = out->len_.get();
  size_t n = 0;
  size_t pos = 0;
  bool has_bracket = false;
  while (pos < text.size()) {
    const size_t start = pos;
    char32_t c = NextCodePoint(text, &pos, &valid);
    if (c == '\r') {
      // CRLF -> one '\n' covering both bytes; lone CR -> '\n'.
      if (pos < text.size() && text[pos] == '\n') ++pos;
      c = '\n';
    } else {
      c = Map(c);
      if (c == 0) continue;
    }
    has_bracket |= c == '[';
    chars[n] = c;
    begins[n] = static_cast<uint32_t>(start);
    lens[n] = static_cast<uint8_t>(pos - start);
    ++n;
  }
  out->size_ = n;
  if (!has_bracket) return valid;
  // Drop conversion residue in place.
  const std::u32string_view view(chars, n);
  size_t w = 0;
  for (size_t r = 0; r < n;) {
    if (chars[r] == '[') {
      const size_t len = ResidueLength(view, r);
      if (len > 0) {
        r += len;
        continue;
      }
    }
    chars[w] = chars[r];
    begins[w] = begins[r];
    lens[w] = lens[r];
    ++w;
    ++r;
  }
  out->size_ = w;
  return valid;
}

std::string ToUtf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char32_t c : s) text::AppendUtf8(c, &out);
  return out;
}

std::u32string ToU32(std::string_view s) {
  std::u32string out;
  size_t pos = 0;
  bool valid = true;
  while (pos < s.size()) out.push_back(NextCodePoint(s, &pos, &valid));
  return out;
}

}  // namespace reportflow::segment
