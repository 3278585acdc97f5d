// Numbers of the extraction grammar: arabic (full-width, thousands
// separators, decimals, 万/亿 multipliers) and Chinese numerals (powers,
// 两, 零/〇, financial forms, 一千二, 三四 pairs), read from a sentence buffer.
// Internal to services/extract.
#pragma once

#include <cstddef>

#include "services/extract/sentence_buffer.h"

namespace reportflow::extract::internal {

struct Number {
  size_t begin = 0, end = 0;  // code point indices
  double value = 0;
  bool arabic = false;
  bool positional = false;    // Chinese digits without powers (二〇二三)
  int int_digits = 0;         // arabic: digits before the decimal point
  bool has_fraction = false;
  bool has_multiplier = false;
  bool single_yi = false;     // exactly 一
  bool approx_pair = false;   // 三四 (3 to 4)
  bool bare_power = false;    // 千 in 逾千人
  double pair_max = 0;
};

// Arabic: digits, optional ',ddd' groups, optional decimal part, then optional
// 十/百/千/万/亿 multipliers (5万, 1.2万, 3千万). A multiplier directly followed by
// 元 is left for the money unit (5万元 = 5 万元).
bool ParseArabic(const Buffer& b, size_t i, Number* out);

// The end of the run of Chinese numeral characters starting at i.
size_t ChineseRunEnd(const Buffer& b, size_t i);

// Chinese numerals with 十/百/千/万/亿 (一百二十, 两万, 十, 一千二), or a plain
// digit string (二〇二三), or two consecutive digits (三四 = 3 to 4).
// A bare power (千人, 万人) is a number only after an approximating word:
// 逾千人, 近万人, 上千人, 数百人 (`allow_bare_power`).
bool ParseChinese(const Buffer& b, size_t i, size_t run_end, Number* out, bool allow_bare_power = false);

}  // namespace reportflow::extract::internal
