#include "services/segment/metadata_extractor.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "services/segment/char_set.h"
#include "services/segment/heading_classifier.h"
#include "services/segment/u32_text.h"

namespace reportflow::segment {
namespace {

namespace pb = ::reportflow::segment::v1;
using common::v1::DocumentMetadata;
using U32View = std::u32string_view;

constexpr size_t kNpos = std::u32string_view::npos;

bool ContainsAny(U32View s, std::initializer_list<U32View> words) {
  for (U32View w : words) {
    if (s.find(w) != kNpos) return true;
  }
  return false;
}
bool IsOneOf(char32_t c, U32View set) { return set.find(c) != kNpos; }

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
// Laws

constexpr U32View kLawSuffixes[] = {U"法典", U"条例", U"规定", U"章程", U"办法",
                                    U"细则", U"规则", U"准则", U"法"};
// Characters before a final 法 that make an ordinary word, not a law name
// (依法, 执法, 普法, 方法, 做法 ...).
constexpr U32View kNotLawBeforeFa = U"依执普学守用立司违合非方做说想看手知懂护述尊犯枉变写算章办书语兵技疗打玩加减除吸";

const CharSet kNotLawBeforeFaSet(kNotLawBeforeFa);
// Characters after which an unbracketed law name may end (…法、 …条例和).
const CharSet kLawDelimiterSet(U"、,。;和及与等 \n以)");

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
  const size_t n = s.size();
  for (size_t p = 0; p + 7 < n; ++p) {
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
    // One bitmap test per character (this loop runs over the whole text).
    if (!kLawDelimiterSet.Has(c) || k < 3) continue;
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

  // Document numbers (the place, resolved after this, reads their prefixes).
  for (std::string& dn : FindDocNumbers(text, m)) meta->add_doc_numbers(std::move(dn));

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
