#include "services/extract/numerals.h"

namespace reportflow::extract::internal {

// Arabic: digits, optional ',ddd' groups, optional decimal part, then optional
// 十/百/千/万/亿 multipliers (5万, 1.2万, 3千万). A multiplier directly followed by
// 元 is left for the money unit (5万元 = 5 万元).
bool ParseArabic(const Buffer& b, size_t i, Number* out) {
  const size_t n = b.size();
  size_t j = i;
  uint64_t mantissa = 0;
  int digits = 0;
  while (j < n && ArabicDigit(b.cp[j]) >= 0) {
    if (digits < 18) mantissa = mantissa * 10 + static_cast<uint64_t>(ArabicDigit(b.cp[j]));
    ++digits;
    ++j;
    // Thousands separator: ',' followed by exactly three digits.
    if (j + 3 < n + 1 && b.at(j) == U',' && ArabicDigit(b.at(j + 1)) >= 0 && ArabicDigit(b.at(j + 2)) >= 0 &&
        ArabicDigit(b.at(j + 3)) >= 0 && ArabicDigit(b.at(j + 4)) < 0) {
      ++j;
    }
  }
  if (digits == 0 || digits > 15) return false;  // > 15 digits: an id or code, not a quantity
  int frac = 0;
  out->int_digits = digits;
  if ((b.at(j) == U'.' || b.at(j) == U'．') && ArabicDigit(b.at(j + 1)) >= 0) {
    ++j;
    while (j < n && ArabicDigit(b.cp[j]) >= 0) {
      if (digits < 18) {
        mantissa = mantissa * 10 + static_cast<uint64_t>(ArabicDigit(b.cp[j]));
        ++frac;
      }
      ++digits;
      ++j;
    }
    out->has_fraction = true;
  }
  double value = static_cast<double>(mantissa);
  // Multipliers; divide last so 1.2万 is exactly 12000.
  double mult = 1;
  while (j < n && ChinesePower(b.cp[j]) >= 100 && b.at(j + 1) != U'元' &&
         !((b.at(j + 1) == U'余' || b.at(j + 1) == U'多') && b.at(j + 2) == U'元' && ChinesePower(b.cp[j]) >= 10000)) {
    mult *= static_cast<double>(ChinesePower(b.cp[j]));
    out->has_multiplier = true;
    ++j;
  }
  value *= mult;
  for (int k = 0; k < frac; ++k) value /= 10;
  out->begin = i;
  out->end = j;
  out->value = value;
  out->arabic = true;
  return true;
}

// The end of the run of Chinese numeral characters starting at i.
size_t ChineseRunEnd(const Buffer& b, size_t i) {
  size_t j = i;
  while (j < b.size() && IsChineseNumeral(b.cp[j])) ++j;
  return j;
}

// Chinese numerals with 十/百/千/万/亿 (一百二十, 两万, 十, 一千二), or a plain
// digit string (二〇二三), or two consecutive digits (三四 = 3 to 4).
// A bare power (千人, 万人) is a number only after an approximating word:
// 逾千人, 近万人, 上千人, 数百人 (`allow_bare_power`).
bool ParseChinese(const Buffer& b, size_t i, size_t run_end, Number* out, bool allow_bare_power) {
  const size_t len = run_end - i;
  if (len == 0) return false;
  bool has_power = false, all_zero = true;
  for (size_t k = i; k < run_end; ++k) {
    if (ChinesePower(b.cp[k]) > 0) has_power = true;
    const int d = ChineseDigit(b.cp[k]);
    if (d != 0) all_zero = false;
  }
  if (all_zero) return false;  // 零件, 〇
  out->begin = i;
  out->end = run_end;
  out->arabic = false;
  if (!has_power) {
    if (len == 1) {
      out->value = ChineseDigit(b.cp[i]);
      out->single_yi = b.cp[i] == U'一';
      return true;
    }
    const int d0 = ChineseDigit(b.cp[i]), d1 = ChineseDigit(b.cp[i + 1]);
    if (len == 2 && d0 > 0 && d1 == d0 + 1) {  // 三四个: three or four
      out->value = d0;
      out->approx_pair = true;
      out->pair_max = d1;
      return true;
    }
    bool has_zero_glyph = false;
    double v = 0;
    for (size_t k = i; k < run_end; ++k) {
      if (b.cp[k] == U'〇' || b.cp[k] == U'零') has_zero_glyph = true;
      v = v * 10 + ChineseDigit(b.cp[k]);
    }
    if (len >= 3 || has_zero_glyph) {  // 二〇二三, 一九九八: only ever years/codes
      out->value = v;
      out->positional = true;
      return true;
    }
    return false;  // 八五, 一一: not a quantity
  }
  // Powers: total = sum of sections split by 万/亿.
  if (ChinesePower(b.cp[i]) >= 100) {
    if (!allow_bare_power) return false;  // 百姓, 千方百计, 万一
    out->bare_power = true;
  }
  double yi = 0, wan = 0, section = 0;  // parts above 亿, above 万, below 万
  int digit = -1;                        // pending digit
  int64_t last_power = 0;                // last power seen
  bool prev_digit = false;
  bool zero_seen = false;
  for (size_t k = i; k < run_end; ++k) {
    const char32_t c = b.cp[k];
    const int d = ChineseDigit(c);
    if (d >= 0) {
      if (prev_digit && !(digit == 0)) return false;  // 十四五, 一二: two digits in a row
      if (d == 0) zero_seen = true;
      digit = d;
      prev_digit = true;
      continue;
    }
    const int64_t p = ChinesePower(c);
    prev_digit = false;
    if (p >= 10000) {
      double part = section + (digit > 0 ? digit : 0);
      if (p == 100000000) part += wan;
      if (part == 0) {
        if (k != i) return false;  // 零万, 亿万
        part = 1;                  // a bare 万 after 近/逾 (checked above)
      }
      if (p == 100000000) {
        if (yi != 0) return false;  // 亿亿
        yi = part * static_cast<double>(p);
        wan = 0;
      } else {
        if (wan != 0) return false;  // 万万
        wan = part * static_cast<double>(p);
      }
      section = 0;
      last_power = p;
    } else {
      if (digit == 0) return false;  // 零百
      if (last_power != 0 && last_power < 10000 && p >= last_power) return false;  // 百千
      if (digit < 0 && k != i) return false;  // 十百, 千百
      section += (digit > 0 ? digit : 1) * static_cast<double>(p);
      last_power = p;
    }
    digit = -1;
    zero_seen = false;
  }
  if (digit > 0) {
    // 一千二 = 1200, 两万五 = 25000, 一亿二 = 1.2亿 (the next power down is
    // implied), unless 零 came before: 一百零五 = 105.
    if (!zero_seen && last_power >= 100) {
      section += digit * static_cast<double>(last_power / 10);
    } else {
      section += digit;
    }
  }
  out->value = yi + wan + section;
  return out->value > 0;
}

}  // namespace reportflow::extract::internal
