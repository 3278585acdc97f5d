#include "services/segment/metadata_extractor.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "services/segment/heading_classifier.h"

namespace reportflow::segment {
namespace {

namespace pb = ::reportflow::segment::v1;
using common::v1::DocumentMetadata;
using U32View = std::u32string_view;

constexpr size_t kNpos = std::u32string_view::npos;

inline bool StartsWith(U32View s, size_t i, U32View w) {
  if (i + w.size() > s.size()) return false;
  for (size_t k = 0; k < w.size(); ++k) {
    if (s[i + k] != w[k]) return false;
  }
  return true;
}
bool EndsWith(U32View s, U32View w) {
  return s.size() >= w.size() && s.substr(s.size() - w.size()) == w;
}
bool ContainsAny(U32View s, std::initializer_list<U32View> words) {
  for (U32View w : words) {
    if (s.find(w) != kNpos) return true;
  }
  return false;
}
bool IsOneOf(char32_t c, U32View set) { return set.find(c) != kNpos; }

// A set of BMP characters with O(1) membership.
class CharSet {
 public:
  explicit CharSet(U32View chars) : bits_(0x10000 / 64, 0) {
    for (char32_t c : chars) {
      if (c < 0x10000) bits_[c >> 6] |= uint64_t{1} << (c & 63);
    }
  }
  bool Has(char32_t c) const { return c < 0x10000 && ((bits_[c >> 6] >> (c & 63)) & 1); }

 private:
  std::vector<uint64_t> bits_;
};

std::string Original(std::string_view text, const MatchText& m, size_t b, size_t e) {
  if (b >= e) return {};
  const uint32_t ob = m.ByteBegin(b);
  const uint32_t oe = m.ByteEnd(e);
  return std::string(text.substr(ob, oe - ob));
}

// ---------------------------------------------------------------------------
// Dates


// Reads an Arabic or Chinese number at s[*i]; returns -1 if none.
int ReadNumber(U32View s, size_t* i, bool year) {
  size_t j = *i;
  int v = 0;
  if (j < s.size() && IsAsciiDigit(s[j])) {
    while (j < s.size() && IsAsciiDigit(s[j]) && j - *i < 4) v = v * 10 + (s[j++] - '0');
    if (j < s.size() && IsAsciiDigit(s[j])) return -1;
    *i = j;
    return v;
  }
  if (year) {
    // 二〇二四: one Chinese digit per position.
    while (j < s.size() && ChineseDigitValue(s[j]) >= 0 && j - *i < 4) v = v * 10 + ChineseDigitValue(s[j++]);
    if (j - *i != 4) return -1;
    *i = j;
    return v;
  }
  size_t len = 0;
  v = ParseChineseNumeral(s.substr(j), &len);
  if (v == 0) return -1;
  *i = j + len;
  return v;
}

bool ValidDate(int y, int mo, int d) {
  return y >= 1949 && y <= 2199 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

// Parses a date starting at s[i]; sets *end. Returns nullopt if none.
std::optional<Date> ParseDateAt(U32View s, size_t i, size_t* end) {
  size_t j = i;
  const int y = ReadNumber(s, &j, /*year=*/true);
  if (y < 0 || j >= s.size()) return std::nullopt;
  if (s[j] == U'年') {
    ++j;
    const int mo = ReadNumber(s, &j, false);
    if (mo < 0 || j >= s.size() || s[j] != U'月') return std::nullopt;
    ++j;
    const int d = ReadNumber(s, &j, false);
    if (d < 0 || j >= s.size() || s[j] != U'日') return std::nullopt;
    ++j;
    if (!ValidDate(y, mo, d)) return std::nullopt;
    *end = j;
    return Date{y, mo, d};
  }
  const char32_t sep = s[j];
  if ((sep != '.' && sep != '-' && sep != '/') || !IsAsciiDigit(s[i])) return std::nullopt;
  ++j;
  const int mo = ReadNumber(s, &j, false);
  if (mo < 0 || j >= s.size() || s[j] != sep) return std::nullopt;
  ++j;
  const int d = ReadNumber(s, &j, false);
  if (d < 0 || !ValidDate(y, mo, d)) return std::nullopt;
  *end = j;
  return Date{y, mo, d};
}

// ---------------------------------------------------------------------------
// Administrative units

enum class UnitKind { kXiang, kZhen, kJiedao, kCounty, kShi, kPrefecture, kProvince };

struct Unit {
  size_t begin;
  size_t end;  // name + suffix
  size_t suffix_len;
  UnitKind kind;
};

struct Suffix {
  U32View text;
  UnitKind kind;
};
constexpr Suffix kSuffixes[] = {
    {U"自治区", UnitKind::kProvince}, {U"自治州", UnitKind::kPrefecture},
    {U"自治县", UnitKind::kCounty},   {U"自治旗", UnitKind::kCounty},
    {U"地区", UnitKind::kPrefecture}, {U"街道", UnitKind::kJiedao},
    {U"省", UnitKind::kProvince},     {U"市", UnitKind::kShi},
    {U"州", UnitKind::kPrefecture},   {U"盟", UnitKind::kPrefecture},
    {U"区", UnitKind::kCounty},       {U"县", UnitKind::kCounty},
    {U"旗", UnitKind::kCounty},       {U"乡", UnitKind::kXiang},
    {U"镇", UnitKind::kZhen},
};

// Characters that never occur inside a place name here: function words,
// measure words, organ words and the words around report titles.
constexpr U32View kNameStopChars =
    U"的了是在和与及对为把将向从由以按据于等各全本该我其此这那并或被让使给到年月日"
    U"委府党政办报告作况规条例第个名人次件项场余多类级批户共";
// Characters that do not start a place name (全乡, 各乡镇, 乡村, 镇党委 ...).
constexpr U32View kNameStopStart = U"乡镇县区市省村街组社每两";

// In title, issuer and signature lines names stand in clean context, so only
// characters that cannot be part of a name there stop it (和平县, 于都县,
// 余杭区, 共青城市 are names).
constexpr U32View kHeaderNameStopChars =
    U"的了是在与及对把将向从按据等我并或被让使给到年报告作况规条例第个次件类级批委党法";
constexpr U32View kHeaderNameStopStart = U"乡镇县区市省村街组社每";

const CharSet kNameStopCharSet(kNameStopChars);
const CharSet kNameStopStartSet(kNameStopStart);
const CharSet kHeaderNameStopCharSet(kHeaderNameStopChars);
const CharSet kHeaderNameStopStartSet(kHeaderNameStopStart);
inline const CharSet& NameStopChars() { return kNameStopCharSet; }
inline const CharSet& NameStopStart() { return kNameStopStartSet; }

// Which characters end or may not start a name.
struct NameRules {
  const CharSet& stop;
  const CharSet& stop_start;
};
const NameRules kBodyNames{kNameStopCharSet, kNameStopStartSet};
const NameRules kHeaderNames{kHeaderNameStopCharSet, kHeaderNameStopStartSet};

bool IsTownship(UnitKind k) {
  return k == UnitKind::kXiang || k == UnitKind::kZhen || k == UnitKind::kJiedao;
}

// True for the last character of every unit suffix.
inline bool IsSuffixEnd(char32_t c) {
  switch (c) {
    case U'区': case U'州': case U'县': case U'旗': case U'道': case U'省': case U'市':
    case U'盟': case U'乡': case U'镇':
      return true;
    default:
      return false;
  }
}

// Matches one unit (name of >= 2 chars + suffix) of length `len` at s[pos].
std::optional<Unit> UnitAt(U32View s, size_t pos, size_t len) {
  if (!IsSuffixEnd(s[pos + len - 1])) return std::nullopt;
  const U32View seg = s.substr(pos, len);
  for (const Suffix& suf : kSuffixes) {
    if (!EndsWith(seg, suf.text)) continue;
    if (len < suf.text.size() + 2) return std::nullopt;
    return Unit{pos, pos + len, suf.text.size(), suf.kind};
  }
  return std::nullopt;
}

constexpr size_t kMaxUnitLen = 10;

bool ParseChainFrom(U32View s, size_t pos, size_t limit, std::vector<Unit>* units,
                    const NameRules& rules = kBodyNames) {
  if (pos >= limit || !IsHan(s[pos]) || rules.stop_start.Has(s[pos])) return false;
  if (StartsWith(s, pos, U"中共")) return false;
  for (size_t len = 3; len <= kMaxUnitLen && pos + len <= limit; ++len) {
    const char32_t last = s[pos + len - 1];
    if (!IsHan(last)) break;
    // Every character but the suffix belongs to the name.
    if (rules.stop.Has(s[pos + len - 2])) break;
    const std::optional<Unit> u = UnitAt(s, pos, len);
    if (!u) continue;
    // The name part must be free of stop characters.
    bool clean = true;
    for (size_t k = pos; k < u->end - u->suffix_len; ++k) {
      if (rules.stop.Has(s[k])) clean = false;
    }
    if (!clean) break;
    units->push_back(*u);
    if (IsTownship(u->kind)) return true;
    if (ParseChainFrom(s, u->end, limit, units, rules)) return true;
    units->pop_back();
  }
  return false;
}

bool IsChainBoundary(U32View s, size_t p, size_t range_begin) {
  if (p == range_begin) return true;
  const char32_t prev = s[p - 1];
  if (!IsHan(prev)) return true;
  if (prev == U'在') return true;
  if (prev != U'于' && prev != U'共' && prev != U'来' && prev != U'度' && prev != U'年') {
    return false;
  }
  if (p >= 2) {
    const U32View two = s.substr(p - 2, 2);
    if (two == U"关于" || two == U"中共" || two == U"以来" || two == U"年度") return true;
    if (prev == U'年' && IsAsciiDigit(s[p - 2])) return true;
  }
  return false;
}

constexpr U32View kOrganWords[] = {U"人民政府", U"政府", U"党委", U"党工委", U"委员会",
                                   U"人大", U"办事处", U"管委会"};

bool FollowedByOrgan(U32View s, size_t p) {
  for (U32View w : kOrganWords) {
    if (StartsWith(s, p, w)) return true;
  }
  return false;
}

struct Chain {
  std::vector<Unit> units;  // last one is the township
  int zone;                 // 0 title, 1 issuer, 2 signature, 3 body
  bool organ;               // followed by an organ word
};

void FindChains(U32View s, size_t b, size_t e, int zone, std::vector<Chain>* out) {
  for (size_t p = b; p < e;) {
    if (IsHan(s[p]) && IsChainBoundary(s, p, b)) {
      std::vector<Unit> units;
      if (ParseChainFrom(s, p, e, &units, zone < 3 ? kHeaderNames : kBodyNames)) {
        const size_t end = units.back().end;
        out->push_back(Chain{std::move(units), zone, FollowedByOrgan(s, end)});
        p = end;
        continue;
      }
    }
    ++p;
  }
}

bool IsMunicipality(U32View unit) {
  return unit == U"北京市" || unit == U"天津市" || unit == U"上海市" || unit == U"重庆市";
}

// ---------------------------------------------------------------------------
// Laws

constexpr U32View kLawSuffixes[] = {U"法典", U"条例", U"规定", U"章程", U"办法",
                                    U"细则", U"规则", U"准则", U"法"};
// Characters before a final 法 that make an ordinary word, not a law name
// (依法, 执法, 普法, 方法, 做法 ...).
constexpr U32View kNotLawBeforeFa = U"依执普学守用立司违合非方做说想看手知懂护述尊犯枉变写算章办书语兵技疗打玩加减除吸";

const CharSet kNotLawBeforeFaSet(kNotLawBeforeFa);

// Length of the law suffix `name` ends with, or 0.
size_t LawSuffixLength(U32View name) {
  for (U32View suf : kLawSuffixes) {
    if (EndsWith(name, suf)) return suf.size();
  }
  return 0;
}

// Strips one trailing parenthesised group: 行政处罚法(2021年修订) -> 行政处罚法.
U32View StripTrailingParen(U32View name) {
  if (!name.empty() && name.back() == ')') {
    const size_t open = name.rfind('(');
    if (open != kNpos && open > 0) return name.substr(0, open);
  }
  return name;
}

// Validates an unbracketed candidate law name.
bool IsUnbracketedLawName(U32View item) {
  const size_t suf = LawSuffixLength(item);
  if (suf == 0) return false;
  const size_t stem = item.size() - suf;
  if (ContainsAny(item, {U"有关", U"相关", U"各项", U"上述", U"以上", U"法律法规", U"这些",
                         U"的", U"等"})) {
    return false;
  }
  if (suf == 1) {  // 法
    if (stem < 1) return false;
    if (kNotLawBeforeFaSet.Has(item[stem - 1])) return false;
    return true;
  }
  if (EndsWith(item, U"法典")) return stem >= 1;  // 民法典
  return stem >= 2;
}

constexpr U32View kCitingVerbs[] = {U"贯彻落实", U"学习贯彻", U"执行", U"贯彻", U"落实",
                                    U"遵守", U"遵照", U"依据", U"根据", U"依照", U"按照",
                                    U"学习", U"宣传", U"宣讲", U"实施", U"施行", U"适用",
                                    U"违反", U"普及", U"解读", U"对照"};

size_t CitingVerbAt(U32View s, size_t p) {
  if (p >= s.size()) return 0;
  switch (s[p]) {
    case U'贯': case U'学': case U'执': case U'落': case U'遵': case U'依': case U'根':
    case U'按': case U'宣': case U'实': case U'施': case U'适': case U'违': case U'普':
    case U'解': case U'对':
      break;
    default:
      return 0;
  }
  for (U32View v : kCitingVerbs) {
    if (StartsWith(s, p, v)) return v.size();
  }
  return 0;
}

// Connectors inside a list of names; returns their length or 0.
size_t ListConnectorAt(U32View s, size_t p) {
  if (p >= s.size()) return 0;
  if (StartsWith(s, p, U"以及")) return 2;
  const char32_t c = s[p];
  if (c == U'、' || c == U'和' || c == U'及' || c == U'与') return 1;
  return 0;
}

struct LawHit {
  size_t pos;
  std::string name;
};

// ---------------------------------------------------------------------------
// Years

struct YearMention {
  size_t pos;
  int year;
  int weight;
};

std::vector<YearMention> FindYears(U32View s, size_t b, size_t e) {
  std::vector<YearMention> out;
  for (size_t p = b; p + 4 < e; ++p) {
    if (!IsAsciiDigit(s[p]) || (p > 0 && IsAsciiDigit(s[p - 1]))) continue;
    if (!IsAsciiDigit(s[p + 1]) || !IsAsciiDigit(s[p + 2]) || !IsAsciiDigit(s[p + 3])) continue;
    if (s[p + 4] != U'年') continue;
    const int y = (s[p] - '0') * 1000 + (s[p + 1] - '0') * 100 + (s[p + 2] - '0') * 10 +
                  (s[p + 3] - '0');
    if (y < 1990 || y > 2100) continue;
    // Ranges: 2023—2027年, 2023年至2025年.
    if (p > 0 && IsOneOf(s[p - 1], U"—-~–至到")) continue;
    const size_t after = p + 5;
    if (after < s.size() && IsOneOf(s[after], U"—-~–至到")) continue;
    // Dates: 2023年12月.
    size_t j = after;
    if (ReadNumber(s, &j, false) > 0 && j < s.size() && s[j] == U'月') continue;
    int weight = 1;
    if (StartsWith(s, after, U"度")) weight = 3;
    else if (StartsWith(s, after, U"以来")) weight = 2;
    out.push_back({p, y, weight});
  }
  return out;
}

std::optional<int> YearFromTitle(U32View s, size_t b, size_t e) {
  const std::vector<YearMention> ys = FindYears(s, b, e);
  if (ys.empty()) return std::nullopt;
  return ys.front().year;
}

}  // namespace

// ---------------------------------------------------------------------------

std::optional<Date> ParseDate(std::u32string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  if (e - b >= 2 && s[b] == '(' && s[e - 1] == ')') {
    ++b;
    --e;
  }
  // Spaces inside a date (2024年 2月 28日) are common in typed signatures.
  constexpr size_t kMaxDateChars = 32;
  if (e - b > kMaxDateChars) return std::nullopt;
  char32_t buf[kMaxDateChars];
  size_t n = 0;
  for (size_t i = b; i < e; ++i) {
    if (!IsSpace(s[i])) buf[n++] = s[i];
  }
  const U32View compact(buf, n);
  size_t end = 0;
  std::optional<Date> d = ParseDateAt(compact, 0, &end);
  if (!d || end != compact.size()) return std::nullopt;
  return d;
}

size_t FindTrailingDate(std::u32string_view s) {
  size_t e = s.size();
  while (e > 0 && IsSpace(s[e - 1])) --e;
  if (e == 0 || (s[e - 1] != U'日' && !IsAsciiDigit(s[e - 1]))) return kNpos;
  // A date is at most ~16 characters; try the longest start first.
  const size_t lo = e > 20 ? e - 20 : 0;
  for (size_t b = lo; b < e; ++b) {
    if (b > 0 && (IsAsciiDigit(s[b - 1]) || ChineseDigitValue(s[b - 1]) >= 0)) continue;
    if (ParseDate(s.substr(b, e - b))) return b;
  }
  return kNpos;
}

std::string FormatIsoDate(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

bool EndsWithOrganSuffix(std::u32string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  for (U32View w : {U"人民政府", U"政府", U"委员会", U"党委", U"党工委", U"办事处", U"管委会",
                    U"人大主席团", U"司法所", U"办公室"}) {
    if (EndsWith(s, w)) return true;
  }
  return false;
}

constexpr U32View kDocCodeStop = U"号和及与的在为了对将把是以据照从向见即";

std::vector<std::string> FindDocNumbers(std::string_view text, const MatchText& m) {
  const U32View s = m.chars();
  std::vector<std::string> out;
  for (size_t p = 0; p + 7 < s.size(); ++p) {
    const char32_t open = s[p];
    if (open != U'〔' && open != '[' && open != U'【' && open != '(') continue;
    size_t j = p + 1;
    int digits = 0;
    while (j < s.size() && IsAsciiDigit(s[j])) ++j, ++digits;
    if (digits != 4 || j >= s.size() || !IsOneOf(s[j], U"〕]】)")) continue;
    ++j;
    if (j < s.size() && s[j] == U'第') ++j;  // 〔2023〕第38号
    const size_t num_begin = j;
    while (j < s.size() && IsAsciiDigit(s[j]) && j - num_begin < 5) ++j;
    if (j == num_begin || j >= s.size() || s[j] != U'号') continue;
    const size_t end = j + 1;
    // Issuer code: the Han characters before the bracket, back to a
    // character that cannot be part of one (号 ending a previous number,
    // conjunctions, the end of 根据/按照 ...).
    size_t b = p;
    while (b > 0 && IsHan(s[b - 1]) && p - b < 16 && !IsOneOf(s[b - 1], kDocCodeStop)) --b;
    // Drop everything up to the last citing verb glued to the code
    // (再次落实渝府发... -> 渝府发...).
    for (U32View v : {U"根据", U"按照", U"依据", U"依照", U"印发", U"转发", U"落实", U"贯彻",
                      U"执行", U"文件", U"参照", U"遵照"}) {
      const U32View prefix = s.substr(b, p - b);
      const size_t at = prefix.rfind(v);
      if (at != kNpos && prefix.size() - (at + v.size()) >= 2) b += at + v.size();
    }
    if (p - b < 1) continue;
    std::string number = Original(text, m, b, end);
    if (std::find(out.begin(), out.end(), number) == out.end()) out.push_back(std::move(number));
    p = end - 1;
  }
  return out;
}

std::vector<std::string> FindCitedLaws(std::string_view text, const MatchText& m) {
  const U32View s = m.chars();
  std::vector<LawHit> hits;
  std::vector<std::pair<size_t, size_t>> bracketed;  // [open, close]
  // One pass finds 《…》 names and the law-name endings (…法/条例/规定…
  // before a delimiter) that unbracketed names need.
  std::vector<size_t> endings;
  for (size_t k = 0; k < s.size(); ++k) {
    const char32_t c = s[k];
    if (c == U'《') {
      size_t q = k + 1;
      while (q < s.size() && q - k <= 80 && s[q] != U'》' && s[q] != U'《' && s[q] != '\n') ++q;
      if (q >= s.size() || s[q] != U'》') continue;
      bracketed.emplace_back(k, q);
      size_t b = k + 1, e = q;
      while (b < e && IsSpace(s[b])) ++b;
      while (e > b && IsSpace(s[e - 1])) --e;
      const U32View name = s.substr(b, e - b);
      if (LawSuffixLength(StripTrailingParen(name)) > 0 && name.size() >= 2) {
        hits.push_back({k, Original(text, m, b, e)});
      }
      k = q;
      continue;
    }
    const bool delimiter = c == U'、' || c == ',' || c == U'。' || c == ';' || c == U'和' ||
                           c == U'及' || c == U'与' || c == U'等' || c == ' ' || c == '\n' ||
                           c == U'以' || c == ')';
    if (!delimiter || k < 3) continue;
    const char32_t e = s[k - 1];
    const char32_t d = s[k - 2];
    const bool ending = (e == U'法' && (d == U'办' || !kNotLawBeforeFaSet.Has(d))) ||
                        (e == U'典' && d == U'法') || (e == U'例' && d == U'条') ||
                        (e == U'定' && d == U'规') || (e == U'程' && d == U'章') ||
                        (e == U'则' && (d == U'细' || d == U'规' || d == U'准'));
    if (ending) endings.push_back(k);
  }
  if (!s.empty() && LawSuffixLength(s.substr(s.size() - 1)) > 0) endings.push_back(s.size());
  size_t next_ending = 0;
  size_t next_bracket = 0;
  for (size_t t = 0; t < s.size() && next_ending < endings.size(); ++t) {
    while (next_ending < endings.size() && endings[next_ending] <= t) ++next_ending;
    if (next_ending >= endings.size()) break;
    if (endings[next_ending] - t > 40) {
      t = endings[next_ending] - 40;
      continue;
    }
    while (next_bracket < bracketed.size() && bracketed[next_bracket].second < t) ++next_bracket;
    if (next_bracket < bracketed.size() && bracketed[next_bracket].first <= t) {
      t = bracketed[next_bracket].second;
      continue;
    }
    size_t vlen = CitingVerbAt(s, t);
    if (vlen == 0) continue;
    size_t p = t + vlen;
    while (size_t more = CitingVerbAt(s, p)) p += more;
    while (p < s.size()) {
      if (s[p] == U'《') {
        const size_t close = s.find(U'》', p);
        if (close == kNpos || close - p > 80) break;
        p = close + 1;
        if (size_t c = ListConnectorAt(s, p)) {
          p += c;
          continue;
        }
        if (p < s.size() && s[p] == U'《') continue;
        break;
      }
      size_t q = p;
      while (q < s.size() && IsHan(s[q]) && q - p < 24) ++q;
      size_t item_end = 0;
      for (size_t k = p + 2; k <= q; ++k) {
        const bool at_boundary = k == q || s[k] == U'和' || s[k] == U'及' || s[k] == U'与' ||
                                 s[k] == U'等' || StartsWith(s, k, U"以及");
        if (!at_boundary) continue;
        if (LawSuffixLength(s.substr(p, k - p)) > 0) {
          item_end = k;
          break;
        }
      }
      if (item_end == 0 || !IsUnbracketedLawName(s.substr(p, item_end - p))) break;
      hits.push_back({p, Original(text, m, p, item_end)});
      p = item_end;
      const size_t c = ListConnectorAt(s, p);
      if (c == 0) break;
      p += c;
    }
    t = p > t ? p - 1 : t;
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const LawHit& a, const LawHit& b) { return a.pos < b.pos; });
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (LawHit& h : hits) {
    if (seen.insert(h.name).second) out.push_back(std::move(h.name));
  }
  return out;
}

void ExtractMetadata(std::string_view text, const MatchText& m, const Layout& layout,
                     DocumentMetadata* meta) {
  meta->Clear();
  const U32View s = m.chars();

  // Title.
  std::string title;
  for (const Piece& p : layout.pieces) {
    if (p.kind == pb::BLOCK_KIND_TITLE) title += Original(text, m, p.begin, p.end);
  }
  meta->set_title(title);

  // Report date: the last date block (signature) wins over one under the title.
  std::optional<Date> date;
  for (const Piece& p : layout.pieces) {
    if (p.kind == pb::BLOCK_KIND_DATE) {
      if (auto d = ParseDate(s.substr(p.begin, p.end - p.begin))) date = d;
    }
  }
  if (date) meta->set_report_date(FormatIsoDate(*date));

  // Administrative chains: header zones first (title, issuer, signature).
  std::vector<Chain> chains;
  for (int zone = 0; zone < 3; ++zone) {
    for (const Piece& p : layout.pieces) {
      const int z = p.kind == pb::BLOCK_KIND_TITLE       ? 0
                    : p.kind == pb::BLOCK_KIND_ISSUER    ? 1
                    : p.kind == pb::BLOCK_KIND_SIGNATURE ? 2
                                                         : -1;
      if (z == zone) FindChains(s, p.begin, p.end, zone, &chains);
    }
  }
  auto township_of = [&](const Chain& c) {
    const Unit& u = c.units.back();
    return std::u32string(s.substr(u.begin, u.end - u.begin));
  };
  const Chain* chosen = nullptr;
  if (!chains.empty()) {
    // The body may still name the regions above this township
    // (…巫溪县花台乡…): parse chains that end at its occurrences.
    const std::u32string name = township_of(chains.front());
    std::vector<Chain> more;
    for (size_t q = s.find(name); q != kNpos; q = s.find(name, q + 1)) {
      const size_t end = q + name.size();
      for (size_t p = q > 30 ? q - 30 : 0; p < q; ++p) {
        if (!IsHan(s[p]) || !IsChainBoundary(s, p, 0)) continue;
        std::vector<Unit> units;
        if (ParseChainFrom(s, p, end, &units) && units.back().end == end && units.size() > 1) {
          more.push_back(Chain{std::move(units), 3, FollowedByOrgan(s, end)});
          break;
        }
      }
    }
    for (Chain& c : more) chains.push_back(std::move(c));
    chosen = &chains.front();
  } else {
    for (const Piece& p : layout.pieces) {
      if (p.kind == pb::BLOCK_KIND_PARAGRAPH || p.kind == pb::BLOCK_KIND_LIST_ITEM ||
          p.kind == pb::BLOCK_KIND_HEADING) {
        FindChains(s, p.begin, p.end, 3, &chains);
      }
    }
    std::map<std::u32string, int> counts;
    for (const Chain& c : chains) ++counts[township_of(c)];
    int best = 0;
    for (const Chain& c : chains) {
      const int n = counts[township_of(c)];
      const bool eligible = n >= 2 || c.organ;
      if (eligible && n > best) {
        best = n;
        chosen = &c;
      }
    }
  }
  if (chosen != nullptr) {
    const Unit& t = chosen->units.back();
    meta->set_township(Original(text, m, t.begin, t.end));
    switch (t.kind) {
      case UnitKind::kZhen: meta->set_unit_type("镇"); break;
      case UnitKind::kJiedao: meta->set_unit_type("街道"); break;
      default:
        meta->set_unit_type(t.end - t.begin >= 4 && s[t.end - 2] == U'族' ? "民族乡" : "乡");
    }
    // Regions: from the chains that end in this township, header first.
    const std::u32string name = township_of(*chosen);
    for (const Chain& c : chains) {
      if (township_of(c) != name) continue;
      // Walk upwards from the township: county, then city, then province.
      int slot = 0;  // 0 county, 1 city, 2 province
      for (size_t i = c.units.size() - 1; i-- > 0;) {
        const Unit& u = c.units[i];
        const U32View written = s.substr(u.begin, u.end - u.begin);
        const std::string orig = Original(text, m, u.begin, u.end);
        UnitKind k = u.kind;
        if (k == UnitKind::kShi && IsMunicipality(written)) k = UnitKind::kProvince;
        if (k == UnitKind::kShi) k = slot == 0 ? UnitKind::kCounty : UnitKind::kPrefecture;
        if (k == UnitKind::kCounty && slot <= 0) {
          if (meta->county().empty()) meta->set_county(orig);
          slot = 1;
        } else if (k == UnitKind::kPrefecture && slot <= 1) {
          if (meta->city().empty()) meta->set_city(orig);
          slot = 2;
        } else if (k == UnitKind::kProvince) {
          if (meta->province().empty()) meta->set_province(orig);
          slot = 3;
        }
      }
    }
  }

  // County from a unique "<name>县委/区人民政府..." mention in the header,
  // addressee or signature lines (巫溪县委、县政府：). Body text is not used:
  // there the characters before 县委 are as often a verb (结合县委…) as a name.
  if (meta->county().empty()) {
    std::pair<size_t, size_t> first{0, 0};
    std::unordered_set<std::u32string> names;
    for (const Piece& piece : layout.pieces) {
      if (piece.kind != pb::BLOCK_KIND_TITLE && piece.kind != pb::BLOCK_KIND_ISSUER &&
          piece.kind != pb::BLOCK_KIND_SIGNATURE && piece.kind != pb::BLOCK_KIND_ADDRESSEE) {
        continue;
      }
      for (size_t q = piece.begin + 2; q < piece.end; ++q) {
        const char32_t c = s[q];
        if (c != U'县' && c != U'区' && c != U'旗') continue;
        if (!(StartsWith(s, q + 1, U"委") || FollowedByOrgan(s, q + 1))) continue;
        // The name runs back to the piece start or a non-Han character.
        size_t p = q;
        while (p > piece.begin && IsHan(s[p - 1]) && q - p < 8) --p;
        if (StartsWith(s, p, U"中共")) p += 2;
        if (q - p < 2 || (p > piece.begin && IsHan(s[p - 1]))) continue;
        bool clean = !NameStopStart().Has(s[p]);
        for (size_t k = p; k < q && clean; ++k) clean = !NameStopChars().Has(s[k]);
        if (!clean) continue;
        if (names.insert(std::u32string(s.substr(p, q + 1 - p))).second && names.size() == 1) {
          first = {p, q + 1};
        }
      }
    }
    if (names.size() == 1) meta->set_county(Original(text, m, first.first, first.second));
  }

  // Document numbers, and the county from their issuer code.
  for (std::string& dn : FindDocNumbers(text, m)) meta->add_doc_numbers(std::move(dn));
  if (meta->county().empty() && meta->doc_numbers_size() > 0) {
    // How the report names its superiors: 县委/县政府/县人民政府/全县 or the
    // same with 区 (not 社区/园区/自治区).
    int county_level = 0, district_level = 0;
    for (size_t q = 0; q < s.size(); ++q) {
      const char32_t c = s[q];
      if (c != U'县' && c != U'区') continue;
      const bool organ = StartsWith(s, q + 1, U"委") || StartsWith(s, q + 1, U"政府") ||
                         StartsWith(s, q + 1, U"人民政府");
      const char32_t before = q > 0 ? s[q - 1] : U' ';
      const bool whole = before == U'全';
      if (c == U'县' && (organ || whole)) ++county_level;
      if (c == U'区' && (whole || (organ && before != U'社' && before != U'园' && before != U'治'))) {
        ++district_level;
      }
    }
    std::unordered_set<std::u32string> places;
    for (const std::string& dn : meta->doc_numbers()) {
      const std::u32string code = ToU32(dn);
      const size_t cut = code.find_first_of(U"府委");
      if (cut != std::u32string::npos && cut >= 2 && cut <= 3) {
        bool han = true;
        for (size_t i = 0; i < cut; ++i) han = han && IsHan(code[i]);
        if (han) places.insert(code.substr(0, cut));
      }
    }
    if (places.size() == 1 && (county_level > 0) != (district_level > 0)) {
      const std::u32string county = *places.begin() + (county_level > 0 ? U"县" : U"区");
      meta->set_county(ToUtf8(county));
    }
  }

  for (std::string& law : FindCitedLaws(text, m)) meta->add_cited_laws(std::move(law));

  // Year reported on.
  std::optional<int> year;
  for (const Piece& p : layout.pieces) {
    if (p.kind == pb::BLOCK_KIND_TITLE) {
      year = YearFromTitle(s, p.begin, p.end);
      if (year) break;
    }
  }
  if (!year) {
    std::map<int, int> score;
    std::map<int, size_t> first;
    for (const Piece& p : layout.pieces) {
      if (p.kind != pb::BLOCK_KIND_PARAGRAPH && p.kind != pb::BLOCK_KIND_LIST_ITEM &&
          p.kind != pb::BLOCK_KIND_HEADING) {
        continue;
      }
      if (p.section >= 0 && layout.sections[p.section].kind == pb::SECTION_KIND_PLANS) continue;
      for (const YearMention& y : FindYears(s, p.begin, p.end)) {
        if (date && y.year > date->year) continue;
        score[y.year] += y.weight;
        if (!first.count(y.year)) first[y.year] = y.pos;
      }
      // 今年 (this year) names the year of the report date.
      if (date) {
        const U32View piece = s.substr(p.begin, p.end - p.begin);
        for (size_t at = piece.find(U"今年"); at != kNpos; at = piece.find(U"今年", at + 2)) {
          score[date->year] += 2;
          if (!first.count(date->year)) first[date->year] = p.begin + at;
        }
      }
    }
    int best = 0;
    for (const auto& [y, sc] : score) {
      if (sc > best || (sc == best && first[y] < first[*year])) {
        best = sc;
        year = y;
      }
    }
  }
  if (year) meta->set_year(*year);
}

}  // namespace reportflow::segment
