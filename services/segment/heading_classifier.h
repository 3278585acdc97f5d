// Heading and list-marker grammar for Chinese official reports, over the
// normalised matching text (see text_normalizer.h: full-width forms are
// already ASCII, so "（一）" arrives as "(一)").
//
// A heading marker is one of these styles (outermost first):
//   kPart          第一部分 / 第二章
//   kChineseComma  一、  一 、  十一、  一.
//   kParenChinese  (一)  ( 一 )
//   kArabicDot     1.  1、  12.   (not followed by a digit: 6.26 is no marker)
//   kParenArabic   (1)  1）
//   kCircled       ①
// An inline list marker introduces an enumerated item inside a paragraph:
//   一是 / 二要 / 十是, the typo —是 (a dash for 一), 第一, / 第二、,
//   首先 / 其次 / 再次 followed by 是 or a comma.
// Section kinds are classified from heading wording (see ClassifySection).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "reportflow/segment/v1/segment.pb.h"

namespace reportflow::segment {

enum class MarkerStyle : int {
  kPart = 0,
  kChineseComma = 1,
  kParenChinese = 2,
  kArabicDot = 3,
  kParenArabic = 4,
  kCircled = 5,
};

struct HeadingMarker {
  MarkerStyle style;
  int number;     // 1-based
  size_t length;  // code points of the marker, including inner/trailing spaces
};

struct ListMarker {
  int number;     // 1-based
  size_t length;  // code points of the marker
};

// Parses a Chinese numeral of one to three characters (一 .. 九十九, with 〇/零
// and 两) at the start of `s`. Returns the value and sets *length, or 0.
int ParseChineseNumeral(std::u32string_view s, size_t* length);

// The value of one Chinese digit (〇/零/○ and a typed Latin O = 0, 两 = 2), or -1.
int ChineseDigitValue(char32_t c);

// Matches a heading marker at the start of `s`. Leading spaces are not skipped.
std::optional<HeadingMarker> MatchHeadingMarker(std::u32string_view s);

// Matches an inline list marker at the start of `s`.
std::optional<ListMarker> MatchListMarker(std::u32string_view s);

// Classifies a section from its heading wording (normalised text, marker
// included or not). Never returns PREAMBLE or UNSPECIFIED.
segment::v1::SectionKind ClassifySection(std::u32string_view heading);

// True for sentence-final punctuation in the matching text: 。！？!? ；; and
// '.' unless it sits between two digits (s[i] must be the candidate).
inline bool IsTerminatorAt(std::u32string_view s, size_t i) {
  const char32_t c = s[i];
  if (c == U'。' || c == '!' || c == '?' || c == ';' || c == U'！' || c == U'？' || c == U'；') {
    return true;
  }
  if (c != '.') return false;
  const bool digit_before = i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9';
  const bool digit_after = i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9';
  return !(digit_before && digit_after);
}

inline bool IsHan(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}
inline bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool IsSpace(char32_t c) { return c == ' '; }

}  // namespace reportflow::segment
