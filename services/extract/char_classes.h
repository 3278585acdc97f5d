// Character classes of the extraction grammar over code points (digits,
// Chinese numerals and their powers, clause boundaries, quotes).
// Internal to services/extract.
#pragma once

#include <cstdint>
#include <string_view>

namespace reportflow::extract::internal {

using U32 = std::u32string_view;

inline int ArabicDigit(char32_t c) {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  if (c >= U'０' && c <= U'９') return static_cast<int>(c - U'０');
  return -1;
}

inline int ChineseDigit(char32_t c) {
  switch (c) {
    case U'零': case U'〇': return 0;
    case U'一': case U'壹': return 1;
    case U'二': case U'两': case U'贰': return 2;
    case U'三': case U'叁': return 3;
    case U'四': case U'肆': return 4;
    case U'五': case U'伍': return 5;
    case U'六': case U'陆': return 6;
    case U'七': case U'柒': return 7;
    case U'八': case U'捌': return 8;
    case U'九': case U'玖': return 9;
    default: return -1;
  }
}

inline int64_t ChinesePower(char32_t c) {
  switch (c) {
    case U'十': case U'拾': return 10;
    case U'百': case U'佰': return 100;
    case U'千': case U'仟': return 1000;
    case U'万': return 10000;
    case U'亿': return 100000000;
    default: return 0;
  }
}

inline bool IsChineseNumeral(char32_t c) { return ChineseDigit(c) >= 0 || ChinesePower(c) > 0; }

// Clause boundaries: a subject never crosses them.
inline bool IsClauseBoundary(char32_t c) {
  switch (c) {
    case U'，': case U',': case U'。': case U'；': case U';': case U'：': case U':':
    case U'！': case U'!': case U'？': case U'?': case U'\n': case U'\r': case U'\t':
    case U'（': case U'）': case U'(': case U')': case U'【': case U'】':
      return true;
    default:
      return false;
  }
}

inline bool IsOpenQuote(char32_t c) {
  return c == U'“' || c == U'‘' || c == U'「' || c == U'『' || c == U'《';
}
inline bool IsCloseQuote(char32_t c) {
  return c == U'”' || c == U'’' || c == U'」' || c == U'』' || c == U'》';
}

inline bool IsAsciiLetter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'ａ' && c <= U'ｚ') ||
         (c >= U'Ａ' && c <= U'Ｚ');
}

inline bool IsHan(char32_t c) { return c >= 0x4E00 && c <= 0x9FFF; }

inline bool IsSpace(char32_t c) { return c == U' ' || c == U'\u3000' || c == U'\u00A0'; }

}  // namespace reportflow::extract::internal
