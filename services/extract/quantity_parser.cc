#include "services/extract/quantity_parser.h"

#include <algorithm>

namespace reportflow::extract::internal {

namespace {

// Abstract heads of numeric abbreviations (四个意识, 两个维护, 三项制度, 五大理念).
// Concrete counted nouns (村, 家庭, 律师, 活动) never appear here.
constexpr U32 kAbstractHeads[] = {
    U"意识", U"自信", U"维护", U"制度", U"原则", U"机制", U"理念", U"精神", U"方针",
    U"战略", U"全面", U"坚持", U"代表", U"务必", U"服从", U"确立", U"基本", U"统筹",
    U"必须", U"作风", U"优先", U"禁止", U"严禁", U"不准", U"规定", U"清单", U"目录",
    U"责任", U"模式", U"到位", U"不变", U"不动摇",
};

// Characters that bind a following 一 into an ordinary word (统一, 进一步, 唯一 ...).
bool BindsFollowingYi(char32_t c) {
  switch (c) {
    case U'统': case U'唯': case U'单': case U'逐': case U'划': case U'归': case U'合':
    case U'如': case U'之': case U'专': case U'同': case U'万': case U'进': case U'整':
    case U'某': case U'其': case U'另': case U'初': case U'周': case U'期': case U'第':
      return true;
    default:
      return false;
  }
}

bool IsRangeConnector(char32_t c) {
  return c == U'至' || c == U'到' || c == U'-' || c == U'－' || c == U'~' || c == U'～' || c == U'〜' ||
         c == U'—' || c == U'–';
}

}  // namespace

// True if `prev` + `marker` is a word, so `marker` is not a predicate marker.
bool EndsWord(char32_t prev, char32_t marker) {
  std::u32string_view binders;
  switch (marker) {
    case U'为': binders = U"行作认成因以称更较极视所"; break;
    case U'有': binders = U"所没具拥享占持只含特固"; break;
    case U'是': binders = U"但就还总凡于或正也即"; break;
    case U'计': binders = U"统设会审估"; break;
    case U'达': binders = U"到下传表送抵转通发"; break;
    case U'近': binders = U"附最接将邻亲"; break;
    case U'约': binders = U"节制签违履合公"; break;
    case U'共': binders = U"总公"; break;
    case U'均': binders = U"平人"; break;
    case U'都': binders = U"首"; break;
    case U'了': binders = U"为除"; break;
    case U'及': binders = U"以涉普危"; break;
    case U'与': binders = U"参给"; break;
    case U'和': binders = U"平总缓温调饱"; break;
    case U'仅': case U'只': binders = U"不"; break;
    default: return false;
  }
  return binders.find(prev) != std::u32string_view::npos;
}

bool SentenceParser::Parse(size_t i, Quantity* q, size_t* next) const {
  bool percent_word = false;
  size_t start = i;
  if (b_.Has(i, U"百分之")) {
    percent_word = true;
    i += 3;
  }
  Number a;
  if (!ReadNumber(i, &a)) {
    *next = std::max({i, SkipRun(start), start + 1});
    return false;
  }
  size_t j = a.end;
  q->num_begin = start;
  q->value = a.value;
  q->chinese = !a.arabic;
  q->single_yi = a.single_yi;
  if (a.approx_pair) {
    q->value_max = a.pair_max;
    q->approx = cpb::APPROX_ABOUT;
  }
  // 90%-95%: a percent sign before the connector.
  if (!percent_word && (b_.at(j) == U'%' || b_.at(j) == U'％') && IsRangeConnector(b_.at(j + 1))) {
    Number m;
    if (ReadNumber(j + 2, &m) && m.arabic == a.arabic && m.value > a.value &&
        (b_.at(m.end) == U'%' || b_.at(m.end) == U'％')) {
      q->value_max = m.value;
      j = m.end;
    }
  }
  // Ranges: 3至5场, 3-5次, 三到五名.
  if (!q->value_max && IsRangeConnector(b_.at(j))) {
    Number m;
    const bool ascii_dash = b_.at(j) == U'-' || b_.at(j) == U'－';
    if (ReadNumber(j + 1, &m) && m.arabic == a.arabic && (!ascii_dash || a.arabic) && m.value > a.value &&
        !m.approx_pair) {
      const char32_t last = b_.cp[m.end - 1];
      const int64_t power = m.end - m.begin >= 2 ? ChinesePower(last) : 0;
      Number shorter;
      if (!m.arabic && (last == U'万' || last == U'亿') && b_.at(m.end) == U'元' &&
          ParseChinese(b_, m.begin, m.end - 1, &shorter) && shorter.value > a.value) {
        m.value = shorter.value;  // 三至五万元: the 万 belongs to the money unit
        m.end -= 1;
      } else if (power >= 1000 && a.end - a.begin == 1 && a.value * static_cast<double>(power) < m.value) {
        q->value = a.value * static_cast<double>(power);  // 三至五万人 = 3万..5万
      }
      q->value_max = m.value;
      j = m.end;
    }
  }
  q->num_end = j;
  // Suffix qualifiers between number and unit: 90余件, 十多场, 十来个.
  cpb::Approx suffix = cpb::APPROX_UNSPECIFIED;
  // 0.5万余元: the qualifier inside a money unit (0.5 万元, more than).
  const bool split_money = a.arabic && (b_.at(j) == U'万' || b_.at(j) == U'亿') &&
                           (b_.at(j + 1) == U'余' || b_.at(j + 1) == U'多') && b_.at(j + 2) == U'元';
  if (split_money) {
    suffix = cpb::APPROX_MORE_THAN;
    q->unit = Utf8(j, j + 1) + Utf8(j + 2, j + 3);  // 万元 as written (萬元)
    q->kind = kMoney;
    q->unit_begin = j;
    j += 3;
  } else if (b_.at(j) == U'余' || b_.at(j) == U'多') {
    suffix = cpb::APPROX_MORE_THAN;
    ++j;
  } else if (b_.at(j) == U'来' && !a.arabic) {
    suffix = cpb::APPROX_ABOUT;
    ++j;
  }
  // 20余万人 / 两万余人: a multiplier after the qualifier.
  if (suffix != cpb::APPROX_UNSPECIFIED && ChinesePower(b_.at(j)) >= 10000 && b_.at(j + 1) != U'元') {
    const double p = static_cast<double>(ChinesePower(b_.at(j)));
    q->value *= p;
    if (q->value_max) *q->value_max *= p;
    ++j;
  }
  // Units.
  if (!split_money) q->unit_begin = j;
  if (split_money) {
    // unit read above
  } else if (percent_word) {
    q->kind = kPercent;
    q->unit = "%";
  } else if (b_.at(j) == U'%' || b_.at(j) == U'％') {
    q->kind = kPercent;
    q->unit = "%";
    ++j;
  } else {
    // A Chinese numeral ending in 万/亿 before 元 is a money unit: 五万元 = 5 万元.
    if (!a.arabic && j == a.end && b_.at(j) == U'元' && a.end - a.begin >= 2 &&
        (b_.at(j - 1) == U'万' || b_.at(j - 1) == U'亿')) {
      Number shorter;
      if (ParseChinese(b_, a.begin, a.end - 1, &shorter)) {
        q->value = shorter.value;
        q->unit_begin = j - 1;
        q->unit = b_.at(j - 1) == U'万' ? "万元" : "亿元";
        q->kind = kMoney;
        ++j;
      }
    }
    if (q->unit.empty()) {
      const UnitDef* unit = MatchUnit(j);
      if (unit != nullptr) {
        q->kind = unit->kind;
        q->time_unit = unit->time;
        j += unit->text.size();
        // Measure word + 次 is a frequency measure: 台次, 艘次, 户次.
        if (unit->kind == kCount && unit->text.size() == 1 && unit->text[0] != U'次' && b_.at(j) == U'次' &&
            b_.at(j + 1) != U'数') {
          ++j;
        } else if (unit->kind == kCount && unit->text.size() == 1 && unit->text[0] != U'次' &&
                   (b_.at(j) == U'(' || b_.at(j) == U'（') && b_.at(j + 1) == U'次' &&
                   (b_.at(j + 2) == U')' || b_.at(j + 2) == U'）')) {
          // 320场(次): the measure word with its frequency in brackets is 场次.
          q->unit = std::string(Utf8(j - 1, j)) + "次";
          j += 3;
        }
      } else if (a.arabic && suffix == cpb::APPROX_UNSPECIFIED && j == a.end && IsUnknownMeasureEnd(j) &&
                 a.int_digits <= 6 && !(ArabicDigit(b_.at(start)) == 0 && a.end - start > 1) &&
                 BarePredicateLength(start) != 0) {
        // A bare number stated as a value (败诉率为0，参训人数达120。): no unit
        // is written; a rate stated this way is a percentage. Long numbers
        // and numbers with a leading zero are codes (电话为13800000000).
        const size_t k = BarePredicateLength(start);
        if (start > k && b_.at(start - k - 1) == U'率') {
          q->kind = kPercent;
          q->unit = "%";
        } else {
          q->kind = kOther;
          q->bare = true;
        }
      } else if (a.arabic && IsHan(b_.at(j)) && !IsChineseNumeral(b_.at(j)) && IsUnknownMeasureEnd(j + 1) &&
                 !IsTimeOrCodeChar(b_.at(j))) {
        // An unknown measure word at a clause end (奖牌3枚，): kept as `other`.
        q->kind = kOther;
        ++j;
      } else {
        *next = std::max(SkipRun(start), start + 1);
        return false;
      }
    }
  }
  q->unit_end = j;
  if (q->unit.empty()) q->unit = Utf8(q->unit_begin, q->unit_end);
  // Post-qualifiers: 100人以上, 3次左右, 1年多.
  size_t k;
  if ((k = MatchAny(b_, j, {U"以上"})) != 0) {
    suffix = cpb::APPROX_MORE_THAN;
    j += k;
  } else if ((k = MatchAny(b_, j, {U"左右"})) != 0) {
    if (suffix == cpb::APPROX_UNSPECIFIED) suffix = cpb::APPROX_ABOUT;
    j += k;
  } else if ((k = MatchAny(b_, j, {U"以下", U"以内"})) != 0) {
    if (suffix == cpb::APPROX_UNSPECIFIED) suffix = cpb::APPROX_LESS_THAN;
    j += k;
  } else if (q->time_unit && b_.at(j) == U'多') {
    suffix = cpb::APPROX_MORE_THAN;
    ++j;
  }
  q->claim_end = j;
  q->end = j;
  // Prefix qualifiers directly before the number.
  q->begin = start;
  cpb::Approx prefix = cpb::APPROX_UNSPECIFIED;
  if ((k = MatchAnyBefore(b_, start, 0, {U"不少于", U"不低于", U"至少"})) != 0) {
    prefix = cpb::APPROX_AT_LEAST;
  } else if ((k = MatchAnyBefore(b_, start, 0, {U"不超过", U"将近", U"接近", U"不到", U"不足", U"不满"})) != 0) {
    prefix = cpb::APPROX_LESS_THAN;
  } else if ((k = MatchAnyBefore(b_, start, 0, {U"超过", U"多于", U"高于", U"逾"})) != 0) {
    prefix = cpb::APPROX_MORE_THAN;
  } else if ((k = MatchAnyBefore(b_, start, 0, {U"大约", U"约为", U"约"})) != 0 &&
             !(k == 1 && start >= 2 && EndsWord(b_.cp[start - 2], U'约'))) {  // 节约, 签约
    prefix = cpb::APPROX_ABOUT;
  } else if (a.bare_power && (b_.at(start - 1) == U'上' || b_.at(start - 1) == U'数' ||
                              b_.at(start - 1) == U'几')) {
    prefix = cpb::APPROX_MORE_THAN;
    k = 1;
  } else if (start >= 1 && b_.at(start - 1) == U'近') {
    const char32_t before = start >= 2 ? b_.cp[start - 2] : U'\0';
    if (before != U'最' && before != U'附' && before != U'邻' && before != U'靠' && before != U'就') {
      prefix = cpb::APPROX_LESS_THAN;
      k = 1;
    }
  }
  if (prefix != cpb::APPROX_UNSPECIFIED) q->begin = start - k;
  if (suffix != cpb::APPROX_UNSPECIFIED) {
    q->approx = suffix;
  } else if (prefix != cpb::APPROX_UNSPECIFIED) {
    q->approx = prefix;
  }
  q->explicit_count_marker =
      prefix != cpb::APPROX_UNSPECIFIED ||
      MatchAnyBefore(b_, q->begin, 0, {U"共计", U"合计", U"累计", U"总计", U"共", U"仅", U"只", U"达", U"计"}) != 0;
  *next = q->end;
  q->number = a;  // number-level facts for the exclusion rules
  return true;
}

bool SentenceParser::Excluded(const Quantity& q) const {
  const Number& a = q.number;
  const char32_t before = q.num_begin > 0 ? b_.cp[q.num_begin - 1] : U'\0';
  char32_t after_unit = b_.at(q.unit_end);
  // An ASCII full stop (reports typed with ASCII punctuation) ends the
  // clause unless a digit follows (a decimal point).
  if (after_unit == U'.' && (ArabicDigit(b_.at(q.unit_end + 1)) < 0 || q.unit_end > q.unit_begin)) {
    after_unit = U'。';  // after a measure word a '.' is never a decimal point
  }
  // Ordinals, distributives, codes: 第3次, 每人, 最后一公里, G20, 5G.
  if (before == U'第' || before == U'每' || before == U'逐' || IsAsciiLetter(before) || before == U'#' ||
      before == U'.' || before == U'/') {
    return true;
  }
  if (b_.EndsWith(q.num_begin, U"最后") || b_.EndsWith(q.num_begin, U"倒数") ||
      b_.EndsWith(q.num_begin, U"星期")) {
    return true;
  }
  if (IsAsciiLetter(b_.at(q.num_end))) return true;
  // Clock times and scores: 9:30, 3：1.
  if ((b_.at(q.num_end) == U':' || b_.at(q.num_end) == U'：') && ArabicDigit(b_.at(q.num_end + 1)) >= 0) {
    return true;
  }
  // Inside a short quoted name: “八五”普法, “6.26”, “三项制度”, “只跑一次路”.
  for (const auto& [open, close] : b_.quotes) {
    if (open < q.num_begin && close >= q.unit_end && close - open <= 16) {
      bool plain = true;
      for (size_t k = open + 1; k < close; ++k) {
        if (IsClauseBoundary(b_.cp[k])) plain = false;
      }
      if (plain) return true;
    }
  }
  // Years and dates: 2023年, 二〇二三年, 2023年度; a time adverbial: 三年来, 近3年以来.
  if (q.unit == "年") {
    if (a.positional) return true;
    if (a.arabic && a.int_digits >= 4 && !a.has_fraction && !a.has_multiplier) return true;
  }
  if (q.time_unit && a.single_yi && !q.value_max && q.approx == cpb::APPROX_EXACT) {
    // 一年/一天 is a duration only after a verb or marker that takes one
    // (历时一年, 为期一天, 用了一年); 关键一年, 这一年 are noun phrases.
    const bool measured = MatchAnyBefore(b_, q.num_begin, 0,
                                         {U"历时", U"持续", U"为期", U"长达", U"用时", U"耗时", U"经过", U"花费",
                                          U"坚持", U"用了", U"用", U"满", U"达", U"共", U"计", U"仅", U"了"}) != 0;
    if (!measured) return true;
  }
  if (q.time_unit) {
    // A duration before a verb or noun is a time adverbial or modifier
    // (近两年共处理…, 三年来, 为期3天的培训), not a claim; durations that are
    // claimed stand at the clause end (整治行动持续45天。).
    const char32_t c = b_.at(q.claim_end);
    if (c != U'\0' && !IsClauseBoundary(c) && c != U'、' && c != U'。' && !IsCloseQuote(c)) return true;
  }
  if (FormsNounWithNext(b_.at(q.unit_end - 1), after_unit) && q.unit_end - q.unit_begin == 1) return true;
  if (a.positional) return true;  // only years and codes are written that way
  if (!q.chinese) return false;

  // --- Chinese numerals only ---
  // Bound in an ordinary word: 统一, 进一步, 唯一, 之一, 初一, 周一.
  if (a.single_yi && BindsFollowingYi(before)) return true;
  if (b_.EndsWith(q.num_begin, U"星期") || b_.EndsWith(q.num_begin, U"礼拜")) return true;
  // Numeric compound abbreviations: two single numerals at most two
  // characters apart (一村一法律顾问, 五位一体, 一户一策, 一月一次, 三会一课).
  for (size_t k = q.unit_end; k < std::min(b_.size(), q.unit_end + 2); ++k) {
    const char32_t c = b_.cp[k];
    if (IsClauseBoundary(c) || c == U'、' || ArabicDigit(c) >= 0 || IsOpenQuote(c) || IsCloseQuote(c)) break;
    if (ChineseDigit(c) > 0 && !BindsFollowingYi(b_.cp[k - 1])) return true;
  }
  if (q.num_begin >= 2 && q.number.end - q.num_begin == 1) {
    for (size_t gap = 1; gap <= 2 && q.num_begin >= gap + 1; ++gap) {
      const size_t k = q.num_begin - gap - 1;  // candidate first numeral
      bool blocked = false;
      for (size_t m = k + 1; m < q.num_begin; ++m) {
        const char32_t c = b_.cp[m];
        if (IsClauseBoundary(c) || c == U'、' || IsChineseNumeral(c) || ArabicDigit(c) >= 0) blocked = true;
      }
      if (blocked) break;
      const char32_t first = b_.cp[k];
      const bool lone = k == 0 || (!IsChineseNumeral(b_.cp[k - 1]) && !BindsFollowingYi(b_.cp[k - 1]));
      if (ChineseDigit(first) > 0 && lone && b_.at(k + 1) != U'是' && b_.at(k + 1) != U'要') return true;
    }
  }
  const bool pre_nominal = q.claim_end < b_.size() && !IsClauseBoundary(after_unit) && after_unit != U'、' &&
                           !IsCloseQuote(after_unit) && after_unit != U'的';
  // Numeric abbreviations of abstract concepts: 四个意识, 两个维护, 三项制度.
  if (pre_nominal) {
    for (U32 head : kAbstractHeads) {
      if (b_.Has(q.claim_end, head)) return true;
    }
    if (after_unit == U'大' || after_unit == U'化') return true;  // 五大理念, 三化
  }
  // 一 as an article: 一个良好的…, 一项长期的…, 只跑一次路, 一支笔, 一次性.
  if (a.single_yi && !q.value_max) {
    if (q.unit == "起") return !q.explicit_count_marker;  // 一起 = together
    if (pre_nominal && !q.explicit_count_marker) return true;
    if (before == U'在' || before == U'成' || before == U'为' || before == U'是') return true;
  }
  return false;
}

}  // namespace reportflow::extract::internal
