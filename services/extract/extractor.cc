// Extraction grammar (see extractor.h and README.md in this directory):
//
//   claim    := [prefix-qualifier] number [range] [suffix-qualifier] unit [post-qualifier]
//   number   := arabic (full-width, thousands separators, decimals, 万/亿 multipliers)
//             | chinese (零〇一二两三…十百千万亿, financial forms) | 百分之 number
//   unit     := measure word | % | money | a single unknown measure word after an
//               arabic number at a clause end (kind other)
//
// Exclusions are grammatical, not lists of phrases: a number needs a unit
// (so list markers, document numbers, names like 12345热线 and slogans such as
// 法律七进 fall out); ordinals (第, 每, 最后) and years/dates (4-digit year + 年,
// 月/日) are rejected; Chinese numerals must not be bound in a word (统一,
// 进一步), in a numeric compound abbreviation (三会一课, 一村一法律顾问, 五位一体),
// in a short quoted name (“八五”, “三项制度”), as an article (一个良好的…), or
// as a numeric abbreviation of abstract concepts (四个意识, 两个维护).
#include "services/extract/extractor.h"

#include "common/text/han_variants.h"
#include "common/text/utf8.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/macros.h"
#include "services/extract/structure.h"

namespace reportflow::extract {

namespace {

namespace pb = ::reportflow::extract::v1;
namespace cpb = ::reportflow::common::v1;

// Bump whenever the output for the same input and taxonomy may change.
constexpr std::string_view kLogicVersion = "extract-logic-4";

using U32 = std::u32string_view;

// ----------------------------------------------------------------------------
// Character classes
// ----------------------------------------------------------------------------

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

// ----------------------------------------------------------------------------
// Units
// ----------------------------------------------------------------------------

struct UnitDef {
  U32 text;
  cpb::QuantityKind kind;
  bool time;  // a duration: 年, 个月, 天 ... (time adverbials like 三年来 are excluded)
};

constexpr cpb::QuantityKind kCount = cpb::QUANTITY_KIND_COUNT;
constexpr cpb::QuantityKind kOther = cpb::QUANTITY_KIND_OTHER;
constexpr cpb::QuantityKind kMoney = cpb::QUANTITY_KIND_MONEY;
constexpr cpb::QuantityKind kPercent = cpb::QUANTITY_KIND_PERCENT;

// Longest match wins; the table is scanned in order of decreasing length.
constexpr UnitDef kUnits[] = {
    // three code points
    {U"个工作日", kOther, true},
    {U"个百分点", kOther, false},
    {U"百分点", kOther, false},
    {U"平方公里", kOther, false},
    {U"平方米", kOther, false},
    {U"个小时", kOther, true},
    // two code points
    {U"件次", kCount, false}, {U"人次", kCount, false}, {U"场次", kCount, false},
    {U"户次", kCount, false}, {U"批次", kCount, false}, {U"车次", kCount, false},
    {U"班次", kCount, false}, {U"架次", kCount, false}, {U"课时", kOther, false},
    {U"学时", kOther, false},
    {U"万元", kMoney, false}, {U"亿元", kMoney, false}, {U"千元", kMoney, false},
    {U"个月", kOther, true}, {U"小时", kOther, true}, {U"分钟", kOther, true},
    {U"公里", kOther, false}, {U"千米", kOther, false}, {U"公顷", kOther, false},
    {U"公斤", kOther, false}, {U"千克", kOther, false},
    // one code point: counting measure words
    {U"件", kCount, false}, {U"次", kCount, false}, {U"场", kCount, false},
    {U"人", kCount, false}, {U"名", kCount, false}, {U"个", kCount, false},
    {U"份", kCount, false}, {U"册", kCount, false}, {U"起", kCount, false},
    {U"家", kCount, false}, {U"户", kCount, false}, {U"项", kCount, false},
    {U"期", kCount, false}, {U"条", kCount, false}, {U"篇", kCount, false},
    {U"部", kCount, false}, {U"所", kCount, false}, {U"村", kCount, false},
    {U"位", kCount, false}, {U"支", kCount, false}, {U"批", kCount, false},
    {U"轮", kCount, false}, {U"处", kCount, false}, {U"座", kCount, false},
    {U"间", kCount, false}, {U"台", kCount, false}, {U"辆", kCount, false},
    {U"本", kCount, false}, {U"张", kCount, false}, {U"套", kCount, false},
    {U"幅", kCount, false}, {U"块", kCount, false}, {U"宗", kCount, false},
    {U"例", kCount, false}, {U"封", kCount, false}, {U"组", kCount, false},
    {U"队", kCount, false}, {U"堂", kCount, false}, {U"节", kCount, false},
    {U"类", kCount, false}, {U"种", kCount, false}, {U"笔", kCount, false},
    {U"面", kCount, false}, {U"首", kCount, false}, {U"卷", kCount, false},
    {U"趟", kCount, false}, {U"遍", kCount, false},
    {U"元", kMoney, false},
    // one code point: other measures
    {U"年", kOther, true}, {U"天", kOther, true}, {U"周", kOther, true},
    {U"岁", kOther, false}, {U"米", kOther, false}, {U"亩", kOther, false},
    {U"吨", kOther, false}, {U"倍", kOther, false}, {U"斤", kOther, false},
};

// The units whose text starts with `c`, in table order (longest first).
const std::vector<const UnitDef*>& UnitsStartingWith(char32_t c) {
  static const auto* const index = [] {
    auto* m = new std::unordered_map<char32_t, std::vector<const UnitDef*>>();
    for (const UnitDef& u : kUnits) (*m)[u.text[0]].push_back(&u);
    return m;
  }();
  static const std::vector<const UnitDef*> kNone;
  const auto it = index->find(c);
  return it == index->end() ? kNone : it->second;
}

// Characters that, directly after a one-character unit, turn it into a
// different noun (项目, 人员, 部门 ...): then there is no measure word.
bool FormsNounWithNext(char32_t unit, char32_t next) {
  switch (unit) {
    case U'项': return next == U'目';
    case U'人': return next == U'员' || next == U'民' || next == U'口' || next == U'才' || next == U'大' || next == U'士';
    case U'部': return next == U'门' || next == U'署' || next == U'分' || next == U'队';
    case U'期': return next == U'间' || next == U'限' || next == U'望';
    case U'条': return next == U'件' || next == U'例' || next == U'款' || next == U'幅';
    case U'名': return next == U'单' || next == U'称' || next == U'义';
    case U'所': return next == U'有' || next == U'在' || next == U'属' || next == U'长';
    case U'家': return next == U'庭' || next == U'长' || next == U'属' || next == U'园';
    case U'村': return next == U'民' || next == U'级' || next == U'委' || next == U'庄' || next == U'干';
    case U'次': return next == U'数' || next == U'要';
    case U'个': return next == U'人' || next == U'别' || next == U'体' || next == U'性';
    case U'本': return next == U'领' || next == U'地' || next == U'级' || next == U'职';
    case U'处': return next == U'理' || next == U'置' || next == U'罚' || next == U'分';
    case U'组': return next == U'织' || next == U'长' || next == U'成';
    case U'台': return next == U'账';
    case U'面': return next == U'积' || next == U'对';
    case U'起': return next == U'草' || next == U'诉' || next == U'来';
    case U'种': return next == U'植';
    case U'年': return next == U'度' || next == U'底' || next == U'初' || next == U'末' || next == U'终';
    case U'周': return next == U'年' || next == U'边' || next == U'岁';
    default: return false;
  }
}

// ----------------------------------------------------------------------------
// Per-sentence code point buffer
// ----------------------------------------------------------------------------

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
                const CharTable& chars, Buffer* buf, std::vector<uint32_t>* starts, uint32_t* bad_offset) {
  const uint32_t max = end - begin;
  if (buf->cp.size() < max) buf->cp.resize(max);
  if (buf->off.size() < max + 1) buf->off.resize(max + 1);
  buf->quotes.clear();
  buf->open.clear();
  starts->clear();
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  char32_t* cp = buf->cp.data();
  uint32_t* off = buf->off.data();
  uint32_t n = 0;
  uint32_t i = begin;
  uint32_t seen = 0;  // the flags of every character, or-ed
  while (i < end) {
    const unsigned char b = s[i];
    char32_t c;
    uint32_t len;
    if (b < 0x80) {
      c = b;
      len = 1;
    } else if ((b & 0xF0) == 0xE0 && i + 2 < end && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
      c = ((b & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      len = 3;
      if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)) {
        *bad_offset = i;
        return false;
      }
    } else if ((b & 0xE0) == 0xC0 && i + 1 < end && (s[i + 1] & 0xC0) == 0x80) {
      c = ((b & 0x1F) << 6) | (s[i + 1] & 0x3F);
      len = 2;
      if (c < 0x80) {
        *bad_offset = i;
        return false;
      }
    } else if ((b & 0xF8) == 0xF0 && i + 3 < end && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80 &&
               (s[i + 3] & 0xC0) == 0x80) {
      c = ((b & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
      len = 4;
      if (c < 0x10000 || c > 0x10FFFF) {
        *bad_offset = i;
        return false;
      }
    } else {
      *bad_offset = i;
      return false;
    }
    uint32_t flags = 0;
    if (c < 0x10000) {
      if (chars.Special(c)) {
        const uint32_t e = chars[c];
        c = e & CharTable::kCodePoint;
        flags = e & ~CharTable::kCodePoint;
      }
    } else {
      const char32_t simple = variants.ToSimplified(c);  // outside the BMP: identity unless the table grows
      if (simple != c) flags = CharTable::kSimplified | (Utf8Length(simple) != len ? CharTable::kLengthChanged : 0);
      c = simple;
      if (c < 0x10000) flags |= chars[c] & (CharTable::kNumberStart | CharTable::kMaybeQuote);
    }
    seen |= flags;
    if (flags & CharTable::kNumberStart) {
      starts->push_back(n);
    } else if (flags & CharTable::kMaybeQuote) {
      if (IsOpenQuote(c)) {
        buf->open.push_back(n);
      } else if (IsCloseQuote(c) && !buf->open.empty()) {
        buf->quotes.emplace_back(buf->open.back(), n);
        buf->open.pop_back();
      } else if (c == U'"') {  // ASCII quotes alternate
        if (!buf->open.empty() && cp[buf->open.back()] == U'"') {
          buf->quotes.emplace_back(buf->open.back(), n);
          buf->open.pop_back();
        } else {
          buf->open.push_back(n);
        }
      }
    }
    cp[n] = c;
    off[n] = i;
    ++n;
    i += len;
  }
  off[n] = end;
  buf->n = n;
  buf->simplified = (seen & CharTable::kSimplified) != 0;
  buf->length_changed = (seen & CharTable::kLengthChanged) != 0;
  return true;
}

// ----------------------------------------------------------------------------
// Numbers
// ----------------------------------------------------------------------------

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
bool ParseChinese(const Buffer& b, size_t i, size_t run_end, Number* out, bool allow_bare_power = false) {
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

// ----------------------------------------------------------------------------
// Small matching helpers over code points
// ----------------------------------------------------------------------------

// Returns the length of the first element of `list` that occurs at i, or 0.
size_t MatchAny(const Buffer& b, size_t i, std::initializer_list<U32> list) {
  for (U32 s : list) {
    if (b.Has(i, s)) return s.size();
  }
  return 0;
}
// Returns the length of the first element of `list` that ends at `end`, or 0.
size_t MatchAnyBefore(const Buffer& b, size_t end, size_t floor, std::initializer_list<U32> list) {
  for (U32 s : list) {
    if (b.EndsWith(end, s, floor)) return s.size();
  }
  return 0;
}

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

// ----------------------------------------------------------------------------
// Quantities
// ----------------------------------------------------------------------------

struct Quantity {
  size_t begin = 0, end = 0;            // surface span (qualifiers included)
  size_t num_begin = 0, num_end = 0;    // the number(s)
  size_t unit_begin = 0, unit_end = 0;  // the unit ([unit_begin, unit_end) may be empty)
  size_t claim_end = 0;                 // after post-qualifiers
  double value = 0;
  std::optional<double> value_max;
  cpb::Approx approx = cpb::APPROX_EXACT;
  cpb::QuantityKind kind = kCount;
  std::string unit;
  bool chinese = false;
  bool single_yi = false;
  bool explicit_count_marker = false;   // 共/仅/累计 ... directly before
  bool time_unit = false;
  bool bare = false;                    // no unit written
  Number number;                        // the (first) number as read
};

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

bool IsRangeConnector(char32_t c) {
  return c == U'至' || c == U'到' || c == U'-' || c == U'－' || c == U'~' || c == U'～' || c == U'〜' ||
         c == U'—' || c == U'–';
}

class SentenceParser {
 public:
  explicit SentenceParser(const Buffer& b) : b_(b) {}

  // Tries to read a quantity starting at i. On failure returns false and sets
  // *next past the numeral run so it is not re-read from its middle.
  bool Parse(size_t i, Quantity* q, size_t* next) const {
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

  // True if `q` (from Parse()) is not a claim (see the file comment).
  bool Excluded(const Quantity& q) const {
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

  std::string Utf8(size_t from, size_t to) const { return text_->substr(b_.off[from], b_.off[to] - b_.off[from]); }
  // [from, to) with traditional characters read as simplified (for classification).
  std::string Simplified(size_t from, size_t to) const {
    std::string out;
    if (to > from) AppendSimplified(from, to, &out);
    return out;
  }
  void AppendSimplified(size_t from, size_t to, std::string* out) const {
    if (to <= from) return;
    if (!b_.simplified) {  // every character as stored: the bytes are the text's
      out->append(*text_, b_.off[from], b_.off[to] - b_.off[from]);
      return;
    }
    if (!b_.length_changed && plain_ != nullptr) {  // byte-aligned with the text
      out->append(*plain_, b_.off[from] - b_.off[0], b_.off[to] - b_.off[from]);
      return;
    }
    AppendEncoded(from, to, out);
  }
  // [from, to) encoded from the code points (always a fresh encoding).
  void AppendEncoded(size_t from, size_t to, std::string* out) const {
    for (size_t k = from; k < to; ++k) text::AppendUtf8(b_.cp[k], out);
  }
  // [from, to) read as simplified, without copying when the sentence is
  // byte-aligned with its simplified form (always, unless a character changes
  // its UTF-8 length); else decoded into `*scratch`.
  std::string_view SimplifiedView(size_t from, size_t to, std::string* scratch) const {
    if (to <= from) return {};
    if (!b_.simplified) return std::string_view(*text_).substr(b_.off[from], b_.off[to] - b_.off[from]);
    if (!b_.length_changed && plain_ != nullptr) {
      return std::string_view(*plain_).substr(b_.off[from] - b_.off[0], b_.off[to] - b_.off[from]);
    }
    scratch->clear();
    AppendSimplified(from, to, scratch);
    return *scratch;
  }
  // The whole sentence read as simplified (set when b_.simplified), which
  // AppendSimplified() and SimplifiedView() slice.
  void set_plain(const std::string* plain) { plain_ = plain; }
  void set_text(const std::string* text) { text_ = text; }

  const UnitDef* MatchUnit(size_t j) const {
    const char32_t c = b_.at(j);
    if (c == U'\0') return nullptr;
    for (const UnitDef* u : UnitsStartingWith(c)) {
      if (b_.Has(j, u->text)) return u;
    }
    return nullptr;
  }

 private:
  bool ReadNumber(size_t i, Number* out) const {
    const char32_t c = b_.at(i);
    if (ArabicDigit(c) >= 0) return ParseArabic(b_, i, out);
    if (IsChineseNumeral(c)) {
      const char32_t p = i > 0 ? b_.cp[i - 1] : U'\0';
      const bool approx_before = p == U'逾' || p == U'近' || p == U'上' || p == U'过' || p == U'约' ||
                                 p == U'数' || p == U'几';
      return ParseChinese(b_, i, ChineseRunEnd(b_, i), out, approx_before);
    }
    return false;
  }
  size_t SkipRun(size_t i) const {
    size_t j = i;
    if (b_.Has(j, U"百分之")) j += 3;
    while (j < b_.size() && (ArabicDigit(b_.cp[j]) >= 0 || IsChineseNumeral(b_.cp[j]) || b_.cp[j] == U'.' ||
                             b_.cp[j] == U',' || b_.cp[j] == U'．')) {
      ++j;
    }
    return j;
  }
  // The length of the predicate (为/是/达/达到) before a bare number at
  // `start`, or 0; 0 too when the subject names a code (号码, 编码, 电话).
  size_t BarePredicateLength(size_t start) const {
    const size_t k = MatchAnyBefore(b_, start, 0, {U"为", U"是", U"达到", U"达"});
    if (k == 0 || start < k + 1) return k;
    const char32_t head = b_.cp[start - k - 1];
    if (head == U'码' || head == U'号' || head == U'话' || head == U'址') return 0;
    return k;
  }
  bool IsUnknownMeasureEnd(size_t j) const {
    const char32_t c = b_.at(j);
    return c == U'\0' || IsClauseBoundary(c) || c == U'、' || c == U'。';
  }
  static bool IsTimeOrCodeChar(char32_t c) {
    switch (c) {
      case U'月': case U'日': case U'号': case U'时': case U'点': case U'分': case U'秒':
      case U'届': case U'级': case U'楼': case U'层': case U'室': case U'栋': case U'路': case U'版':
        return true;
      default:
        return false;
    }
  }

  const Buffer& b_;
  const std::string* text_ = nullptr;
  const std::string* plain_ = nullptr;
};

// ----------------------------------------------------------------------------
// Subjects
// ----------------------------------------------------------------------------

// Leading words that are not part of what is counted.
constexpr U32 kLeadingNoise[] = {
    U"截至目前", U"截至", U"与此同时", U"同时", U"其中", U"此外", U"另外", U"目前", U"全年", U"今年",
    U"年内", U"去年", U"当年", U"首先", U"其次", U"再次", U"最后", U"先后", U"已经", U"已", U"并",
    U"还", U"共计", U"合计", U"累计", U"总计", U"共有", U"现有", U"共", U"全部", U"均", U"以及", U"和",
    U"及", U"与", U"并",
};
// Trailing predicate markers between the subject and the number.
constexpr U32 kTrailingNoise[] = {
    U"分别达到", U"分别为", U"分别达", U"均达到", U"都达到", U"均为", U"均达", U"都为", U"都是", U"达到",
    U"共计", U"合计", U"累计", U"总计", U"共有", U"约为", U"多达", U"高达", U"不少于", U"不低于",
    U"不超过", U"超过", U"至少", U"不到", U"不足", U"大约", U"将近", U"接近", U"共", U"达", U"为",
    U"约", U"近", U"有", U"是", U"计", U"均", U"都", U"逾", U"仅", U"只", U"了", U"和", U"及", U"与",
    U"以及",
};

bool IsListMarkerAt(const Buffer& b, size_t i, size_t end, size_t* len) {
  // 一是/二要/三是, （一）, (1), 1. 1、 一、
  if (i + 1 < end && ChineseDigit(b.cp[i]) > 0 && (b.cp[i + 1] == U'是' || b.cp[i + 1] == U'要')) {
    *len = 2;
    return true;
  }
  if (i + 1 < end && (ChineseDigit(b.cp[i]) > 0 || ArabicDigit(b.cp[i]) >= 0)) {
    size_t j = i;
    while (j < end && (ChineseDigit(b.cp[j]) > 0 || ChinesePower(b.cp[j]) == 10 || ArabicDigit(b.cp[j]) >= 0)) ++j;
    if (j < end && (b.cp[j] == U'、' || b.cp[j] == U'.' || b.cp[j] == U'．')) {
      *len = j + 1 - i;
      return true;
    }
  }
  return false;
}

void TrimSubject(const Buffer& b, size_t* from, size_t* to) {
  bool changed = true;
  while (changed && *from < *to) {
    changed = false;
    while (*from < *to && (IsSpace(b.cp[*from]) || b.cp[*from] == U'、' || IsClauseBoundary(b.cp[*from]))) {
      ++*from;
      changed = true;
    }
    size_t len = 0;
    if (IsListMarkerAt(b, *from, *to, &len)) {
      *from += len;
      changed = true;
      continue;
    }
    for (U32 w : kLeadingNoise) {
      if (*from + w.size() < *to && b.Has(*from, w)) {
        *from += w.size();
        changed = true;
        break;
      }
    }
    // A leading existential 有 (我乡有执法人员6人), but not the 有 of 有效, 有关 ...
    if (*from + 2 < *to && b.cp[*from] == U'有' &&
        std::u32string_view(U"效关力序机所的些益利偿线望名限助").find(b.cp[*from + 1]) == std::u32string_view::npos) {
      ++*from;
      changed = true;
    }
    // Scope: 本乡/全乡/我镇/该县 ...
    if (*from + 2 < *to && (b.cp[*from] == U'本' || b.cp[*from] == U'全' || b.cp[*from] == U'我' ||
                            b.cp[*from] == U'该')) {
      const char32_t c = b.cp[*from + 1];
      if (c == U'乡' || c == U'镇' || c == U'县' || c == U'区' || c == U'村' || c == U'市') {
        *from += 2;
        changed = true;
      }
    }
    // Leading year/time phrase: 2023年(度)(以来|来).
    if (*from < *to && (ArabicDigit(b.cp[*from]) >= 0 || ChineseDigit(b.cp[*from]) >= 0)) {
      size_t j = *from;
      while (j < *to && (ArabicDigit(b.cp[j]) >= 0 || ChineseDigit(b.cp[j]) >= 0)) ++j;
      if (j - *from == 4 && j < *to && b.cp[j] == U'年') {
        ++j;
        if (j < *to && b.cp[j] == U'度') ++j;
        if (b.Has(j, U"以来")) j += 2;
        else if (j < *to && b.cp[j] == U'来') ++j;
        if (j < *to) {
          *from = j;
          changed = true;
        }
      }
    }
  }
  changed = true;
  while (changed && *from < *to) {
    changed = false;
    while (*to > *from && (IsSpace(b.cp[*to - 1]) || b.cp[*to - 1] == U'、')) {
      --*to;
      changed = true;
    }
    for (U32 w : kTrailingNoise) {
      if (b.EndsWith(*to, w, *from)) {
        // A one-character marker may end an ordinary word: 行为, 所有, 统计, 平均.
        if (w.size() == 1 && *to >= *from + 2 && EndsWord(b.cp[*to - 2], w[0])) break;
        *to -= w.size();
        changed = true;
        break;
      }
    }
  }
}

// A clause is cut at this many characters on either side of a quantity: text
// without punctuation would otherwise be one clause, scanned once per
// quantity (quadratic; tests/hostile). Real clauses are far shorter.
constexpr size_t kMaxClauseReach = 400;

size_t ClauseStart(const Buffer& b, size_t i) {
  const size_t limit = i > kMaxClauseReach ? i - kMaxClauseReach : 0;
  while (i > limit && !IsClauseBoundary(b.cp[i - 1])) --i;
  return i;
}
size_t ClauseEnd(const Buffer& b, size_t i) {
  const size_t limit = std::min(b.size(), i + kMaxClauseReach);
  while (i < limit && !IsClauseBoundary(b.cp[i])) ++i;
  return i;
}

// ----------------------------------------------------------------------------
// Findings
// ----------------------------------------------------------------------------

bool Contains(const std::string& s, std::string_view w) { return s.find(w) != std::string::npos; }

bool IsSuccessSubject(const std::string& s) {
  return Contains(s, "成功") || Contains(s, "化解") || Contains(s, "办结") || Contains(s, "调结") ||
         Contains(s, "结案") || Contains(s, "解决");
}
bool IsSuccessRate(const std::string& s) {
  return Contains(s, "成功率") || Contains(s, "化解率") || Contains(s, "办结率") || Contains(s, "调结率") ||
         Contains(s, "结案率") || Contains(s, "解决率");
}
bool IsBoundedRate(const std::string& s) {
  return Contains(s, "率") && !Contains(s, "增长") && !Contains(s, "增幅") && !Contains(s, "上升") &&
         !Contains(s, "提高") && !Contains(s, "同比") && !Contains(s, "环比") && !Contains(s, "增加") &&
         !Contains(s, "完成率");  // over-fulfilment is legitimate
}

std::string FormatNumber(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f", v);
  }
  return buf;
}

// The context of a short subject is at most this many characters before it:
// a sentence without punctuation can be a whole document long, and reading
// all of it for every quantity made extraction quadratic (tests/hostile).
constexpr size_t kContextWindow = 400;
// A subject is classified with at most this many characters of its sentence
// before it (the nearest clauses name its topic; farther text is noise).
constexpr size_t kClassifyWindow = 160;

void AddFinding(pb::ExtractionResult* out, std::string code, pb::Severity sev, std::string msg,
                std::initializer_list<uint32_t> idx) {
  pb::Finding* f = out->add_findings();
  f->set_code(std::move(code));
  f->set_severity(sev);
  f->set_message(std::move(msg));
  for (uint32_t i : idx) f->add_metric_indexes(i);
}

// Checks the metrics of one sentence, [first, last) in out->metrics().
void CheckSentence(pb::ExtractionResult* out, int first, int last) {
  const auto& ms = out->metrics();
  for (int r = first; r < last; ++r) {
    const pb::Metric& rate = ms[r];
    if (rate.kind() != kPercent) continue;
    if (IsBoundedRate(rate.subject()) && rate.value() > 100) {
      AddFinding(out, "rate_above_100", pb::SEVERITY_WARNING,
                 rate.subject() + " = " + FormatNumber(rate.value()) + "% exceeds 100%",
                 {static_cast<uint32_t>(r)});
    }
  }
  // Total → success (→ rate) in one sentence: 受理50件次，成功48件，化解率达96%.
  for (int s = first; s < last; ++s) {
    const pb::Metric& success = ms[s];
    if (success.kind() != kCount || !IsSuccessSubject(success.subject())) continue;
    int total = -1;
    for (int t = s - 1; t >= first; --t) {
      if (ms[t].kind() == kCount && !IsSuccessSubject(ms[t].subject())) {
        total = t;
        break;
      }
      if (ms[t].kind() == kCount) break;
    }
    if (total < 0) continue;
    const pb::Metric& tot = ms[total];
    if (success.value() > tot.value() && success.approx() == cpb::APPROX_EXACT) {
      AddFinding(out, "success_exceeds_total", pb::SEVERITY_ERROR,
                 success.subject() + " " + FormatNumber(success.value()) + success.unit() + " exceeds " +
                     tot.subject() + " " + FormatNumber(tot.value()) + tot.unit(),
                 {static_cast<uint32_t>(total), static_cast<uint32_t>(s)});
      continue;
    }
    int rate = -1;
    for (int r = s + 1; r < last; ++r) {
      if (ms[r].kind() == kPercent && IsSuccessRate(ms[r].subject())) {
        rate = r;
        break;
      }
      if (ms[r].kind() == kCount) break;
    }
    if (rate < 0 || tot.value() <= 0) continue;
    const pb::Metric& rm = ms[rate];
    const double computed = 100.0 * success.value() / tot.value();
    const auto idx = {static_cast<uint32_t>(total), static_cast<uint32_t>(s), static_cast<uint32_t>(rate)};
    const std::string detail = FormatNumber(success.value()) + "/" + FormatNumber(tot.value()) + " = " +
                               FormatNumber(computed) + "%, reported " + FormatNumber(rm.value()) + "%";
    if (tot.approx() != cpb::APPROX_EXACT || success.approx() != cpb::APPROX_EXACT ||
        rm.approx() != cpb::APPROX_EXACT) {
      AddFinding(out, "rate_unverifiable", pb::SEVERITY_INFO, "approximate counts: " + detail, idx);
    } else if (std::fabs(computed - rm.value()) < 1.0) {
      AddFinding(out, "rate_consistent", pb::SEVERITY_INFO, detail, idx);
    } else {
      AddFinding(out, "rate_mismatch", pb::SEVERITY_WARNING, detail, idx);
    }
  }
}

// What a 个 counts, from the noun after it: 个村/个社区/个单位 are
// organisations, 个家庭 households.
CountedNoun NounAfter(const Buffer& b, const Quantity& q) {
  if (q.unit == "村") return CountedNoun::kOrganisation;
  if (q.unit != "个" && q.unit != "户") return CountedNoun::kNone;
  const size_t j = q.claim_end;
  if (q.unit == "户") return CountedNoun::kHousehold;
  if (MatchAny(b, j, {U"家庭", U"农户", U"户"}) != 0) return CountedNoun::kHousehold;
  if (MatchAny(b, j, {U"村", U"社区", U"居", U"单位", U"部门", U"企业", U"学校", U"乡镇", U"镇", U"街道",
                      U"机关", U"站所", U"行政村", U"自然村", U"组", U"小组", U"网格", U"中心", U"站"}) != 0) {
    return CountedNoun::kOrganisation;
  }
  return CountedNoun::kNone;
}

// The context of a subject for the classifier: the clauses of [floor, end)
// nearest first, at most `max` of them, read as simplified. Read only when the
// classifier asks (most subjects decide their metric alone).
class ClauseContext final : public ContextSource {
 public:
  // `scratch` holds the clauses that cannot be views into the sentence.
  ClauseContext(const Buffer& b, const SentenceParser& parser, size_t floor, size_t end, size_t max,
                std::vector<std::string>* scratch)
      : b_(b), parser_(parser), floor_(floor), end_(end), max_(max), scratch_(scratch) {}

  void Read(std::vector<std::string_view>* clauses) const override {
    if (scratch_->size() < max_) scratch_->resize(max_);
    size_t to = end_;
    size_t count = 0;
    while (to > floor_ && count < max_) {
      size_t from = to;
      while (from > floor_ && !IsClauseBoundary(b_.cp[from - 1])) --from;
      if (to > from) clauses->push_back(parser_.SimplifiedView(from, to, &(*scratch_)[count++]));
      if (from == floor_) break;
      to = from - 1;
    }
  }

 private:
  const Buffer& b_;
  const SentenceParser& parser_;
  size_t floor_, end_, max_;
  std::vector<std::string>* scratch_;
};

}  // namespace

// ----------------------------------------------------------------------------
// Extractor
// ----------------------------------------------------------------------------

struct Extractor::Impl {
  std::shared_ptr<const Taxonomy> taxonomy;
  std::string version;
  const text::HanVariants* variants = nullptr;
  std::unique_ptr<const CharTable> chars;  // built from `variants`
};

Extractor::Extractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Extractor::~Extractor() = default;

Result<std::unique_ptr<Extractor>> Extractor::Create(std::shared_ptr<const Taxonomy> taxonomy) {
  if (taxonomy == nullptr) return Status::InvalidArgument("extractor: taxonomy is required");
  auto impl = std::make_unique<Impl>();
  impl->version = std::string(kLogicVersion) + "+taxonomy-" + taxonomy->version();
  impl->taxonomy = std::move(taxonomy);
  ASSIGN_OR_RETURN(impl->variants, text::HanVariants::Get());
  impl->chars = std::make_unique<const CharTable>(*impl->variants);
  return std::unique_ptr<Extractor>(new Extractor(std::move(impl)));
}

std::string Extractor::Version() const { return impl_->version; }

Status Extractor::Extract(const segment::v1::SegmentedDocument& doc, pb::ExtractionResult* out) const {
  out->Clear();
  out->set_source(doc.source());
  *out->mutable_metadata() = doc.metadata();
  out->set_processing_version(impl_->version);
  out->set_sentences(static_cast<uint32_t>(doc.sentences_size()));
  out->set_text_bytes(static_cast<uint32_t>(doc.text().size()));
  const std::string& text = doc.text();
  const uint32_t text_size = static_cast<uint32_t>(text.size());

  // Section paths, computed once per section.
  const int nsec = doc.sections_size();
  std::vector<std::vector<std::string>> paths(nsec);
  for (int s = 0; s < nsec; ++s) {
    int cur = s;
    int guard = 0;
    while (cur >= 0 && cur < nsec && guard++ <= nsec) {
      paths[s].push_back(doc.sections(cur).heading());
      cur = doc.sections(cur).parent();
    }
    std::reverse(paths[s].begin(), paths[s].end());
  }

  // A plans section: of kind PLANS, or under a heading (its own or an
  // ancestor's) that names plans. Each heading is read once.
  std::vector<bool> plan_heading(nsec, false);
  for (int s = 0; s < nsec; ++s) plan_heading[s] = IsPlanHeading(doc.sections(s).heading());
  std::vector<bool> plan_section(nsec, false);
  for (int s = 0; s < nsec; ++s) {
    if (doc.sections(s).kind() == segment::v1::SECTION_KIND_PLANS) plan_section[s] = true;
    int cur = s;
    int guard = 0;
    while (cur >= 0 && cur < nsec && guard++ <= nsec) {
      if (plan_heading[cur]) plan_section[s] = true;
      cur = doc.sections(cur).parent();
    }
  }
  StructureState structure;
  std::vector<std::string> context_scratch;
  std::string last_plain_subject;
  std::string plain_sentence;

  Buffer buf;
  buf.cp.reserve(1024);
  buf.off.reserve(1025);
  std::vector<Quantity> quantities;
  std::vector<uint32_t> starts;

  auto process = [&](uint32_t begin, uint32_t end, int section) -> Status {
    if (begin > end || end > text_size) {
      return Status::InvalidArgument("extractor: sentence span [" + std::to_string(begin) + ", " +
                                     std::to_string(end) + ") outside the text of " + doc.source());
    }
    // Only sentences with a possible number start go further.
    uint32_t bad = 0;
    if (!DecodeInto(text, begin, end, *impl_->variants, *impl_->chars, &buf, &starts, &bad)) {
      return Status::InvalidArgument("extractor: " + doc.source() + ": invalid UTF-8 (or a sentence span " +
                                     "not on a character boundary) at byte " + std::to_string(bad));
    }
    if (starts.empty()) return Status::OK();
    SentenceParser parser(buf);
    parser.set_text(&text);
    quantities.clear();
    size_t resume = 0;  // numbers never start inside an earlier number or claim
    for (const uint32_t i : starts) {
      if (i < resume) continue;
      Quantity q;
      size_t next = i + 1;
      if (parser.Parse(i, &q, &next)) {
        if (!parser.Excluded(q)) quantities.push_back(std::move(q));
      }
      resume = std::max<size_t>(next, i + 1);
    }
    if (quantities.empty()) return Status::OK();
    // The sentence read with simplified characters (what the taxonomy and the
    // structure rules read); only built when a character was simplified.
    plain_sentence.clear();
    if (buf.simplified) parser.AppendEncoded(0, buf.size(), &plain_sentence);
    parser.set_plain(&plain_sentence);

    const int first = out->metrics_size();
    size_t prev_end = 0;
    size_t last_clause_start = SIZE_MAX;
    for (size_t qi = 0; qi < quantities.size(); ++qi) {
      const Quantity& q = quantities[qi];
      const size_t clause_start = ClauseStart(buf, q.begin);
      size_t from = std::max(clause_start, prev_end);
      size_t to = q.begin;
      if (from > to) from = to;  // a pre-nominal noun phrase may reach past this number
      TrimSubject(buf, &from, &to);
      // Shared values: 办结率、满意率均为100% → one metric per named item.
      std::vector<std::pair<size_t, size_t>> items;
      bool shared = false;
      if (to > from) {
        const bool distributive = MatchAnyBefore(buf, q.begin, from, {U"均为", U"均达到", U"均达", U"都为",
                                                                         U"都达到", U"均", U"都"}) != 0;
        size_t s = from;
        for (size_t k = from; k <= to; ++k) {
          if (k == to || buf.cp[k] == U'、') {
            if (k > s) items.emplace_back(s, k);
            s = k + 1;
          }
        }
        bool all_rates = items.size() >= 2;
        for (const auto& [a, b2] : items) {
          if (buf.cp[b2 - 1] != U'率' && buf.cp[b2 - 1] != U'度') all_rates = false;
        }
        shared = items.size() >= 2 && (distributive || (q.kind == kPercent && all_rates));
      }
      if (!shared) {
        items.clear();
        items.emplace_back(from, to);
      }
      // Pre-nominal quantities (为4个村提供…, 开展3次讲座): the counted noun follows.
      const size_t clause_end = ClauseEnd(buf, q.claim_end);
      size_t follow_end = q.claim_end;
      while (follow_end < clause_end && ArabicDigit(buf.cp[follow_end]) < 0 &&
             buf.cp[follow_end] != U'.' &&  // after the quantity an ASCII '.' is a full stop
             !(IsChineseNumeral(buf.cp[follow_end]) && follow_end > q.claim_end) &&
             buf.cp[follow_end] != U'、' && follow_end - q.claim_end < 16) {
        ++follow_end;
      }
      const bool pre_nominal = follow_end > q.claim_end && buf.cp[q.claim_end] != U'的';
      for (const auto& [sf, st] : items) {
        pb::Metric* m = out->add_metrics();
        std::string subject = parser.Utf8(sf, st);
        std::string plain_subject = parser.Simplified(sf, st);  // what the taxonomy reads
        size_t subject_cps = st - sf;
        if (pre_nominal && (!shared)) {
          size_t fe = follow_end;
          while (fe > q.claim_end && MatchAnyBefore(buf, fe, q.claim_end, {U"和", U"及", U"与", U"、"}) != 0) --fe;
          subject += parser.Utf8(q.claim_end, fe);
          plain_subject += parser.Simplified(q.claim_end, fe);
          subject_cps += fe - q.claim_end;
          m->mutable_subject_span()->set_begin(buf.off[sf < st ? sf : q.claim_end]);
          m->mutable_subject_span()->set_end(buf.off[fe]);
        } else if (sf == st && out->metrics_size() > first + 1 && last_clause_start == clause_start) {
          // 接待来访46批112人次: a second measure of the same subject.
          const pb::Metric& prev = out->metrics(out->metrics_size() - 2);
          subject = prev.subject();
          plain_subject = last_plain_subject;
          *m->mutable_subject_span() = prev.subject_span();
          subject_cps = 8;  // a full subject: no context needed
        } else {
          m->mutable_subject_span()->set_begin(buf.off[sf]);
          m->mutable_subject_span()->set_end(buf.off[st]);
        }
        m->set_subject(subject);
        m->set_value(q.value);
        if (q.value_max) m->set_value_max(*q.value_max);
        m->set_unit(q.unit);
        m->set_approx(q.approx);
        m->set_kind(q.kind);
        m->set_text(parser.Utf8(q.begin, q.end));
        m->mutable_span()->set_begin(buf.off[q.begin]);
        m->mutable_span()->set_end(buf.off[q.end]);
        m->mutable_sentence_span()->set_begin(begin);
        m->mutable_sentence_span()->set_end(end);
        m->set_section(section);
        if (section >= 0 && section < nsec) {
          for (const std::string& h : paths[section]) m->add_section_path(h);
        }
        // The subject read in its clause: the clauses before it complete a
        // cue, or name the topic when the subject only names an action.
        const ClauseContext context(buf, parser, sf > kClassifyWindow ? sf - kClassifyWindow : 0, sf, 6,
                                    &context_scratch);
        ClassifyRequest request;
        request.subject = plain_subject;
        last_plain_subject = plain_subject;
        request.context_source = &context;
        request.kind = q.kind;
        std::string plain_unit;  // the unit with simplified characters (萬元 → 万元)
        for (size_t p = 0; p < q.unit.size();) {
          text::AppendUtf8(impl_->variants->ToSimplified(text::DecodeUtf8(q.unit, &p)), &plain_unit);
        }
        request.unit = plain_unit;
        request.noun = NounAfter(buf, q);
        (void)subject_cps;
        const TaxonomyEntry* entry = impl_->taxonomy->ClassifyClause(request);
        if (entry != nullptr) {
          m->set_metric_id(entry->metric_id);
          m->set_label_zh(entry->label_zh);
          m->set_label_en(entry->label_en);
        } else {
          m->set_metric_id("unclassified");
        }
        m->set_metric_kind(entry != nullptr && entry->metric_kind != pb::METRIC_KIND_UNSPECIFIED
                               ? entry->metric_kind
                               : MetricKindOf(q.kind));
        const CanonicalValue canonical = impl_->taxonomy->Canonicalize(entry, q.kind, plain_unit);
        m->set_canonical_unit(canonical.unit);
        m->set_canonical_value(q.value * canonical.factor);
        if (q.value_max) m->set_canonical_value_max(*q.value_max * canonical.factor);
      }
      prev_end = pre_nominal ? follow_end : q.claim_end;
      last_clause_start = clause_start;
    }
    SentenceContext sc;
    // Read with simplified characters when that keeps every byte offset
    // (traditional and simplified Han are both three bytes in UTF-8).
    sc.text = buf.simplified && plain_sentence.size() == end - begin
                  ? std::string_view(plain_sentence)
                  : std::string_view(text).substr(begin, end - begin);
    sc.begin = begin;
    sc.section = section;
    sc.plan_section = section >= 0 && section < nsec && plan_section[section];
    AssignStructure(sc, *impl_->taxonomy, first, out, &structure);
    CheckSentence(out, first, out->metrics_size());
    return Status::OK();
  };

  if (doc.sentences_size() == 0) {
    if (!text.empty()) RETURN_IF_ERROR(process(0, text_size, -1));
    return Status::OK();
  }
  for (const auto& sentence : doc.sentences()) {
    RETURN_IF_ERROR(process(sentence.span().begin(), sentence.span().end(), sentence.section()));
  }
  return Status::OK();
}

}  // namespace reportflow::extract
