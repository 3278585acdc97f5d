// Small UTF-8 helpers shared by every stage (no ICU objects kept).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace reportflow::text {

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

// Decodes the code point starting at s[*pos] and advances *pos past it.
// Invalid bytes decode as U+FFFD and advance by one byte.
char32_t DecodeUtf8Slow(std::string_view s, size_t* pos);
// Inline for the two cases that make up nearly all of a report (ASCII and a
// well-formed three-byte sequence: every Han character); the rest, valid or
// not, is decoded out of line.
inline char32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  if (i + 2 < s.size()) {
    // One test for the lead and continuation bit patterns of a 3-byte form.
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    const auto b2 = static_cast<unsigned char>(s[i + 2]);
    const uint32_t v = b0 | (uint32_t{b1} << 8) | (uint32_t{b2} << 16);
    if ((v & 0xC0C0F0) == 0x8080E0) {
      const char32_t cp = (char32_t{b0 & 0x0Fu} << 12) | (char32_t{b1 & 0x3Fu} << 6) | char32_t{b2 & 0x3Fu};
      // Not overlong (>= U+0800), not a surrogate.
      if (cp >= 0x800 && (cp & 0xF800) != 0xD800) {
        *pos = i + 3;
        return cp;
      }
    }
  }
  return DecodeUtf8Slow(s, pos);
}

// Appends the UTF-8 encoding of `cp` to `out`.
void AppendUtf8(char32_t cp, std::string* out);

// Appends the code points of `s` to `out`, decoded as DecodeUtf8 does
// (invalid bytes as U+FFFD); ToUtf32 returns them.
void AppendUtf32(std::string_view s, std::u32string* out);
std::u32string ToUtf32(std::string_view s);

// Removes a leading UTF-8 BOM and turns CRLF and lone CR into LF.
std::string NormalizeNewlines(std::string_view s);

}  // namespace reportflow::text
