#include "services/segment/heading_classifier.h"

namespace reportflow::segment {

int ChineseDigitValue(char32_t c) {
  switch (c) {
    case U'〇': case U'零': case U'○': case U'O': return 0;  // 二O二三年: a Latin O typed for 〇
    case U'一': return 1;
    case U'二': case U'两': return 2;
    case U'三': return 3;
    case U'四': return 4;
    case U'五': return 5;
    case U'六': return 6;
    case U'七': return 7;
    case U'八': return 8;
    case U'九': return 9;
    default: return -1;
  }
}

namespace {

namespace pb = ::reportflow::segment::v1;


size_t SkipSpaces(std::u32string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

bool Contains(std::u32string_view s, std::u32string_view needle) {
  return s.find(needle) != std::u32string_view::npos;
}

bool IsDash(char32_t c) {
  return c == U'—' || c == U'-' || c == U'―' || c == U'–' || c == U'ー' || c == U'─';
}

}  // namespace

int ParseChineseNumeral(std::u32string_view s, size_t* length) {
  *length = 0;
  if (s.empty()) return 0;
  if (s[0] == U'十') {
    // 十, 十一 .. 十九
    if (s.size() > 1) {
      const int d = ChineseDigitValue(s[1]);
      if (d >= 1) {
        *length = 2;
        return 10 + d;
      }
    }
    *length = 1;
    return 10;
  }
  const int d0 = ChineseDigitValue(s[0]);
  if (d0 < 1) return 0;
  if (s.size() > 1 && s[1] == U'十' && d0 >= 2) {
    // 二十, 二十一 .. 九十九
    if (s.size() > 2) {
      const int d = ChineseDigitValue(s[2]);
      if (d >= 1) {
        *length = 3;
        return d0 * 10 + d;
      }
    }
    *length = 2;
    return d0 * 10;
  }
  *length = 1;
  return d0;
}

std::optional<HeadingMarker> MatchHeadingMarker(std::u32string_view s) {
  if (s.empty()) return std::nullopt;
  size_t n = 0;
  const char32_t c0 = s[0];
  // 第一部分 / 第一章
  if (c0 == U'第') {
    const int v = ParseChineseNumeral(s.substr(1), &n);
    if (v == 0) return std::nullopt;
    size_t i = 1 + n;
    if (s.substr(i, 2) == U"部分") {
      i += 2;
    } else if (i < s.size() && s[i] == U'章') {
      i += 1;
    } else {
      return std::nullopt;
    }
    i = SkipSpaces(s, i);
    if (i < s.size() && (s[i] == U'、' || s[i] == ':' || s[i] == U'：' || s[i] == ',')) {
      i = SkipSpaces(s, i + 1);
    }
    return HeadingMarker{MarkerStyle::kPart, v, i};
  }
  // 一、 / 一 、 / 一.
  if (ChineseDigitValue(c0) >= 1 || c0 == U'十') {
    const int v = ParseChineseNumeral(s, &n);
    if (v == 0) return std::nullopt;
    size_t i = SkipSpaces(s, n);
    if (i >= s.size() || (s[i] != U'、' && s[i] != '.')) return std::nullopt;
    const size_t after = SkipSpaces(s, i + 1);
    // "一、二、三级" is an enumeration of numerals, not a heading.
    if (after < s.size()) {
      size_t m = 0;
      if (ParseChineseNumeral(s.substr(after), &m) > 0 && after + m < s.size() &&
          s[after + m] == U'、') {
        return std::nullopt;
      }
    }
    return HeadingMarker{MarkerStyle::kChineseComma, v, after};
  }
  // (一) / (1)
  if (c0 == '(') {
    size_t i = SkipSpaces(s, 1);
    if (i >= s.size()) return std::nullopt;
    MarkerStyle style;
    int v = 0;
    if (IsAsciiDigit(s[i])) {
      size_t j = i;
      while (j < s.size() && IsAsciiDigit(s[j]) && j - i < 3) v = v * 10 + (s[j++] - '0');
      if (j - i > 2 || v == 0) return std::nullopt;
      i = j;
      style = MarkerStyle::kParenArabic;
    } else {
      v = ParseChineseNumeral(s.substr(i), &n);
      if (v == 0) return std::nullopt;
      i += n;
      style = MarkerStyle::kParenChinese;
    }
    i = SkipSpaces(s, i);
    if (i >= s.size() || s[i] != ')') return std::nullopt;
    return HeadingMarker{style, v, SkipSpaces(s, i + 1)};
  }
  // 1. / 1、
  if (IsAsciiDigit(c0)) {
    size_t j = 0;
    int v = 0;
    while (j < s.size() && IsAsciiDigit(s[j]) && j < 3) v = v * 10 + (s[j++] - '0');
    if (j > 2 || v == 0) return std::nullopt;
    // 1) / 1）: the half-bracket form of (1).
    if (j < s.size() && s[j] == ')') {
      return HeadingMarker{MarkerStyle::kParenArabic, v, SkipSpaces(s, j + 1)};
    }
    if (j >= s.size() || (s[j] != '.' && s[j] != U'、')) return std::nullopt;
    if (j + 1 < s.size() && (IsAsciiDigit(s[j + 1]) || s[j + 1] == '%')) return std::nullopt;
    return HeadingMarker{MarkerStyle::kArabicDot, v, SkipSpaces(s, j + 1)};
  }
  // ① .. ⑳
  if (c0 >= 0x2460 && c0 <= 0x2473) {
    return HeadingMarker{MarkerStyle::kCircled, static_cast<int>(c0 - 0x2460 + 1),
                         SkipSpaces(s, 1)};
  }
  return std::nullopt;
}

std::optional<ListMarker> MatchListMarker(std::u32string_view s) {
  if (s.size() < 2) return std::nullopt;
  size_t n = 0;
  // 一是 / 二要
  if (const int v = ParseChineseNumeral(s, &n); v > 0 && n < s.size()) {
    if (s[n] == U'是' || s[n] == U'要') {
      // "一是一、二是二" style idioms aside, a following numeral means no item.
      return ListMarker{v, n + 1};
    }
    return std::nullopt;
  }
  // —是: a dash typed for 一.
  if (IsDash(s[0]) && s[1] == U'是') return ListMarker{1, 2};
  // 第一， / 第二、 / 第三是
  if (s[0] == U'第') {
    const int v = ParseChineseNumeral(s.substr(1), &n);
    if (v > 0 && 1 + n < s.size()) {
      const char32_t c = s[1 + n];
      if (c == ',' || c == U'、' || c == U'是') return ListMarker{v, 2 + n};
    }
    return std::nullopt;
  }
  // 首先是 / 其次， / 再次是
  static constexpr std::u32string_view kOrdinals[] = {U"首先", U"其次", U"再次"};
  for (int k = 0; k < 3; ++k) {
    if (s.substr(0, 2) == kOrdinals[k] && s.size() > 2 &&
        (s[2] == U'是' || s[2] == ',' || s[2] == U'要')) {
      return ListMarker{k + 1, 3};
    }
  }
  return std::nullopt;
}

pb::SectionKind ClassifySection(std::u32string_view h) {
  // Principal leaders' duties: the fixed wording of the reporting duty.
  if (Contains(h, U"第一责任人") || Contains(h, U"主要负责人") ||
      (Contains(h, U"履行") && Contains(h, U"职责")) || Contains(h, U"述法")) {
    return pb::SECTION_KIND_LEADERS_DUTIES;
  }
  struct Cue {
    std::u32string_view word;
    pb::SectionKind kind;
  };
  static constexpr Cue kCues[] = {
      {U"问题", pb::SECTION_KIND_PROBLEMS},    {U"不足", pb::SECTION_KIND_PROBLEMS},
      {U"差距", pb::SECTION_KIND_PROBLEMS},    {U"短板", pb::SECTION_KIND_PROBLEMS},
      {U"困难", pb::SECTION_KIND_PROBLEMS},    {U"薄弱", pb::SECTION_KIND_PROBLEMS},
      {U"下一步", pb::SECTION_KIND_PLANS},     {U"打算", pb::SECTION_KIND_PLANS},
      {U"计划", pb::SECTION_KIND_PLANS},       {U"安排", pb::SECTION_KIND_PLANS},
      {U"今后", pb::SECTION_KIND_PLANS},       {U"明年", pb::SECTION_KIND_PLANS},
      {U"思路", pb::SECTION_KIND_PLANS},       {U"展望", pb::SECTION_KIND_PLANS},
      {U"目标和重点", pb::SECTION_KIND_PLANS}, {U"工作重点", pb::SECTION_KIND_PLANS},
      {U"努力方向", pb::SECTION_KIND_PLANS},   {U"创新", pb::SECTION_KIND_INNOVATIONS},
      {U"特色", pb::SECTION_KIND_INNOVATIONS}, {U"亮点", pb::SECTION_KIND_INNOVATIONS},
      {U"经验", pb::SECTION_KIND_INNOVATIONS}, {U"举措", pb::SECTION_KIND_MEASURES},
      {U"措施", pb::SECTION_KIND_MEASURES},    {U"成效", pb::SECTION_KIND_MEASURES},
      {U"成绩", pb::SECTION_KIND_MEASURES},    {U"进展", pb::SECTION_KIND_MEASURES},
      {U"做法", pb::SECTION_KIND_MEASURES},    {U"主要工作", pb::SECTION_KIND_MEASURES},
      {U"开展情况", pb::SECTION_KIND_MEASURES}, {U"工作情况", pb::SECTION_KIND_MEASURES},
      {U"建设情况", pb::SECTION_KIND_MEASURES}, {U"落实情况", pb::SECTION_KIND_MEASURES},
      {U"推进情况", pb::SECTION_KIND_MEASURES}, {U"完成情况", pb::SECTION_KIND_MEASURES},
  };
  // "…计划完成情况", "…安排落实情况": a heading about how something was carried
  // out reports measures, whatever it names first.
  std::u32string_view tail = h;
  while (!tail.empty() && (tail.back() == U'。' || tail.back() == ':' || tail.back() == ' ')) {
    tail.remove_suffix(1);
  }
  for (std::u32string_view done : {U"完成情况", U"落实情况", U"开展情况", U"推进情况", U"执行情况"}) {
    if (tail.size() >= done.size() && tail.substr(tail.size() - done.size()) == done) {
      return pb::SECTION_KIND_MEASURES;
    }
  }
  // Otherwise the cue that appears first in the heading decides
  // ("存在问题及下一步打算" is about problems first).
  size_t best = std::u32string_view::npos;
  pb::SectionKind kind = pb::SECTION_KIND_OTHER;
  for (const Cue& cue : kCues) {
    const size_t at = h.find(cue.word);
    if (at < best) {
      best = at;
      kind = cue.kind;
    }
  }
  return kind;
}

}  // namespace reportflow::segment
