#include "services/segment/place_finder.h"

#include <algorithm>
#include <array>
#include <cwchar>
#include <functional>
#include <map>

#include "services/segment/char_set.h"
#include "services/segment/heading_classifier.h"
#include "services/segment/u32_text.h"

namespace reportflow::segment {
namespace {

namespace pb = ::reportflow::segment::v1;
namespace cpb = ::reportflow::common::v1;
using U32View = std::u32string_view;
using geo::Level;
using geo::Mention;

constexpr size_t kNpos = std::u32string_view::npos;



// s.find(w, from) with the first character found by wmemchr (vectorised in
// glibc; char32_t and wchar_t are both UTF-32 code units here).
static_assert(sizeof(wchar_t) == sizeof(char32_t));
size_t Find(U32View s, U32View w, size_t from = 0) {
  if (w.empty()) return from <= s.size() ? from : kNpos;
  const auto* base = reinterpret_cast<const wchar_t*>(s.data());
  for (size_t q = from; q + w.size() <= s.size();) {
    const auto* hit = std::wmemchr(base + q, static_cast<wchar_t>(w[0]), s.size() - w.size() + 1 - q);
    if (hit == nullptr) return kNpos;
    q = static_cast<size_t>(hit - base);
    if (s.substr(q, w.size()) == w) return q;
    ++q;
  }
  return kNpos;
}

std::string Original(std::string_view text, const MatchText& m, size_t b, size_t e) {
  if (b >= e) return {};
  const uint32_t ob = m.ByteBegin(b);
  const uint32_t oe = m.ByteEnd(e);
  return std::string(text.substr(ob, oe - ob));
}

// ---------------------------------------------------------------------------
// Grammar of administrative chains

enum class UnitKind { kXiang, kZhen, kJiedao, kJie, kSumu, kCounty, kShi, kPrefecture, kProvince };

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
    {U"苏木", UnitKind::kSumu},       {U"省", UnitKind::kProvince},
    {U"市", UnitKind::kShi},          {U"州", UnitKind::kPrefecture},
    {U"盟", UnitKind::kPrefecture},   {U"区", UnitKind::kCounty},
    {U"县", UnitKind::kCounty},       {U"旗", UnitKind::kCounty},
    {U"乡", UnitKind::kXiang},        {U"镇", UnitKind::kZhen},
    {U"街", UnitKind::kJie},
};

// Characters that never occur inside a place name in body text: function
// words, measure words, organ words and the words around report titles.
constexpr U32View kNameStopChars =
    U"的了是在和与及对为把将向从由以按据于等各全本该我其此这那并或被让使给到年月日"
    U"委府党政办报告作况规条例第个名人次件项场余多类级批户共";
// Characters that do not start a place name (全乡, 各乡镇, 乡村, 镇党委 ...).
constexpr U32View kNameStopStart = U"乡镇县区市省村街组社每两";
// In title, issuer and signature lines names stand in clean context, so only
// characters that cannot be part of a name there stop it (和平县, 于都镇).
constexpr U32View kHeaderNameStopChars =
    U"的了是在与及对把将向从按据等我并或被让使给到年报告作况规条例第个次件类级批委党法";
constexpr U32View kHeaderNameStopStart = U"乡镇县区市省村街组社每";

const CharSet kNameStopCharSet(kNameStopChars);
// Determiners that make a generic phrase (全县各乡, 本镇, 该乡), not a name.
const CharSet kGenericChars(U"全各本该每我其此这那");
const CharSet kNameStopStartSet(kNameStopStart);
const CharSet kHeaderNameStopCharSet(kHeaderNameStopChars);
const CharSet kHeaderNameStopStartSet(kHeaderNameStopStart);

struct NameRules {
  const CharSet& stop;
  const CharSet& stop_start;
};
const NameRules kBodyNames{kNameStopCharSet, kNameStopStartSet};
const NameRules kHeaderNames{kHeaderNameStopCharSet, kHeaderNameStopStartSet};

bool IsTownship(UnitKind k) {
  return k == UnitKind::kXiang || k == UnitKind::kZhen || k == UnitKind::kJiedao || k == UnitKind::kJie ||
         k == UnitKind::kSumu;
}

inline bool IsSuffixEnd(char32_t c) {
  switch (c) {
    case U'区': case U'州': case U'县': case U'旗': case U'道': case U'省': case U'市':
    case U'盟': case U'乡': case U'镇': case U'木': case U'街':
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
    // 街 is a township only where no longer reading follows (礼让街街道, 鹤龙街道,
    // 新丰街镇, and a 街乡 the same way).
    if (suf.kind == UnitKind::kJie && pos + len < s.size() &&
        (s[pos + len] == U'道' || s[pos + len] == U'街' || s[pos + len] == U'镇' || s[pos + len] == U'乡')) {
      return std::nullopt;
    }
    return Unit{pos, pos + len, suf.text.size(), suf.kind};
  }
  return std::nullopt;
}

// The longest name the grammar reads on its own; longer ones (ethnic
// townships of several peoples: 军赛佤族拉祜族傈僳族德昂族乡, 14 characters)
// only as the gazetteer has them.
constexpr size_t kMaxUnitLen = 10;
// The longest region names (积石山保安族东乡族撒拉族自治县: 15 characters).
constexpr size_t kMaxRegionLen = 16;

// Parses a chain of units (…省 …市 …县 …镇) from s[pos] to a township within
// [pos, limit), shortest units first. A unit whose name starts with a
// character names do not start with (镇康县, 乡城县, 市中区: rules.stop_start)
// or is longer than kMaxUnitLen is taken only when the gazetteer has it; a
// township named like a region (云南省镇, from 云南省镇康县… cut in the
// wrong place) only when the gazetteer has the township.
bool ParseChainFrom(const geo::Gazetteer& g, U32View s, size_t pos, size_t limit, std::vector<Unit>* units,
                    const NameRules& rules) {
  if (pos >= limit || !IsHan(s[pos])) return false;
  if (StartsWith(s, pos, U"中共")) return false;
  const bool known_only = rules.stop_start.Has(s[pos]);
  const size_t max_len = std::max(kMaxUnitLen, g.longest_name());
  for (size_t len = 3; len <= max_len && pos + len <= limit; ++len) {
    const char32_t last = s[pos + len - 1];
    if (!IsHan(last)) break;
    if (rules.stop.Has(s[pos + len - 2])) break;
    const std::optional<Unit> u = UnitAt(s, pos, len);
    if (!u) continue;
    bool clean = true;
    for (size_t k = pos; k < u->end - u->suffix_len; ++k) {
      if (rules.stop.Has(s[k])) clean = false;
    }
    if (!clean) break;
    const bool township = IsTownship(u->kind);
    const size_t name_len = len - u->suffix_len;
    const bool must_be_known = known_only || len > kMaxUnitLen ||
                               (township && IsSuffixEnd(s[pos + name_len - 1]) && g.HasRegion(s.substr(pos, name_len)));
    if (must_be_known && !(township ? g.HasTownship(s.substr(pos, len)) : g.HasRegion(s.substr(pos, len)))) continue;
    units->push_back(*u);
    if (township) return true;
    if (ParseChainFrom(g, s, u->end, limit, units, rules)) return true;
    units->pop_back();
  }
  return false;
}

bool IsChainBoundary(U32View s, size_t p, size_t range_begin) {
  if (p == range_begin) return true;
  const char32_t prev = s[p - 1];
  if (!IsHan(prev)) return true;
  if (prev == U'在') return true;
  if (prev != U'于' && prev != U'共' && prev != U'来' && prev != U'度' && prev != U'年' && prev != U'将') {
    return false;
  }
  if (p >= 2) {
    const U32View two = s.substr(p - 2, 2);
    if (two == U"关于" || two == U"中共" || two == U"以来" || two == U"年度" || two == U"现将") return true;
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
  cpb::PlaceSource source;
  bool organ;               // followed by an organ word
};

// The length of the longest gazetteer region name starting at s[p] within
// [p, e), or 0.
size_t LongestRegionAt(const geo::Gazetteer& g, U32View s, size_t p, size_t e) {
  for (size_t len = std::min<size_t>(e - p, kMaxRegionLen); len >= 2; --len) {
    if (!IsSuffixEnd(s[p + len - 1])) continue;
    if (g.HasRegion(s.substr(p, len))) return len;
  }
  return 0;
}

// A chain whose township suffix lies inside a longer gazetteer region name
// starting at one of its units is that region, not a township
// (平顶山市城乡一体化示范区 is not 平顶山市城乡).
bool InsideRegionName(const geo::Gazetteer& g, U32View s, const std::vector<Unit>& units, size_t e) {
  const size_t end = units.back().end;
  for (const Unit& u : units) {
    if (u.begin + LongestRegionAt(g, s, u.begin, e) > end) return true;
  }
  return false;
}

void FindChains(const geo::Gazetteer& g, U32View s, size_t b, size_t e, cpb::PlaceSource source,
                const NameRules& rules, std::vector<Chain>* out) {
  for (size_t p = b; p < e;) {
    if (IsHan(s[p]) && IsChainBoundary(s, p, b)) {
      std::vector<Unit> units;
      if (ParseChainFrom(g, s, p, e, &units, rules) && !InsideRegionName(g, s, units, e)) {
        const size_t end = units.back().end;
        out->push_back(Chain{std::move(units), source, FollowedByOrgan(s, end)});
        p = end;
        continue;
      }
    }
    ++p;
  }
}

// ---------------------------------------------------------------------------
// Mentions

// The characters RegionPhrases stops at (region suffixes, the end of 根据/按照).
const CharSet kRegionPhraseChars(U"县区旗市据照");

// Mentions with their start (normalised-char index), to order them.
using Found = std::vector<std::pair<size_t, Mention>>;

struct Finder {
  std::string_view text;
  const MatchText& m;
  U32View s;
  const geo::Gazetteer& g;
  std::vector<size_t>& scratch_;  // RegionPhrases' positions, reused

  Mention Make(size_t b, size_t e, cpb::PlaceSource source, Level level) const {
    Mention x;
    x.name = std::u32string(s.substr(b, e - b));
    x.written = Original(text, m, b, e);
    x.source = source;
    x.level = level;
    return x;
  }

  Mention UnitMention(const Chain& c, bool must_exist) const {
    const Unit& t = c.units.back();
    Mention x = Make(t.begin, t.end, c.source, Level::kTownship);
    x.must_exist = must_exist || t.kind == UnitKind::kJie;
    // Parents, nearest first: the first 市 above a township is county-level
    // unless a county is written below it.
    bool county_seen = false;
    for (size_t i = c.units.size() - 1; i-- > 0;) {
      const Unit& u = c.units[i];
      Level level = Level::kCounty;
      switch (u.kind) {
        case UnitKind::kCounty: level = Level::kCounty; break;
        case UnitKind::kShi: level = county_seen ? Level::kCity : Level::kCounty; break;
        case UnitKind::kPrefecture: level = Level::kCity; break;
        case UnitKind::kProvince: level = Level::kProvince; break;
        default: continue;
      }
      county_seen = true;
      x.chain.push_back(Make(u.begin, u.end, c.source, level));
    }
    return x;
  }

  bool IsRegion(U32View name) const { return g.HasRegion(name); }
  bool IsCounty(U32View name) const { return g.HasCounty(name); }

  // The longest gazetteer region name starting at p within [p, e), or 0.
  size_t RegionAt(size_t p, size_t e) const {
    for (size_t len = std::min<size_t>(e - p, kMaxRegionLen); len >= 2; --len) {
      if (!IsSuffixEnd(s[p + len - 1])) continue;
      if (IsRegion(s.substr(p, len))) return len;
    }
    return 0;
  }

  // County-level units (县 区 旗 county-level 市) named as a report's own
  // unit in [b, e): a run of gazetteer region names at a boundary whose last
  // name is a county, not followed by 委 or 政府 (区委 names a superior) —
  // 人民政府 is allowed in title, issuer and signature lines.
  void CountyUnits(size_t b, size_t e, cpb::PlaceSource source, Found* out) const {
    // XX县人民政府 is the county government itself in header lines
    // (XX县人民政府关于…的报告); in sentences it names a superior.
    const bool organ_ok = source == cpb::PLACE_SOURCE_TITLE || source == cpb::PLACE_SOURCE_ISSUER ||
                          source == cpb::PLACE_SOURCE_SIGNATURE;
    for (size_t p = b; p < e; ++p) {
      if (!IsHan(s[p]) || !IsChainBoundary(s, p, b) || kHeaderNameStopStartSet.Has(s[p])) continue;
      std::vector<std::pair<size_t, size_t>> run;
      for (size_t q = p; q < e;) {
        const size_t len = RegionAt(q, e);
        if (len == 0) break;
        run.emplace_back(q, q + len);
        q += len;
      }
      if (run.empty()) continue;
      const auto [ub, ue] = run.back();
      p = ue - 1;
      if (!IsCounty(s.substr(ub, ue - ub))) continue;
      if (ue < e && IsSuffixEnd(s[ue])) continue;
      if (StartsWith(s, ue, U"委") || StartsWith(s, ue, U"党委") || StartsWith(s, ue, U"政府")) continue;
      if (!organ_ok && StartsWith(s, ue, U"人民政府")) continue;
      Mention x = Make(ub, ue, source, Level::kCounty);
      x.must_exist = true;
      for (size_t i = run.size() - 1; i-- > 0;) {
        x.chain.push_back(Make(run[i].first, run[i].second, source, Level::kCity));
      }
      out->emplace_back(run.front().first, std::move(x));
    }
  }

  // Township names the gazetteer knows, ending at a township suffix in
  // [b, e) — whatever characters they contain (礼让街街道: 让 stops the
  // grammar). With `anchored`, only names followed by an organ word or 在
  // (礼让街街道办事处在区委…, X镇在X区委…), for body text.
  void KnownTownships(size_t b, size_t e, cpb::PlaceSource source, bool anchored, Found* out) const {
    for (size_t q = b + 1; q < e; ++q) {
      const char32_t c = s[q];
      if (c != U'乡' && c != U'镇' && c != U'道' && c != U'木') continue;
      if (q + 1 < e && (s[q + 1] == U'乡' || s[q + 1] == U'镇' || s[q + 1] == U'街')) continue;
      if (anchored && !FollowedByOrgan(s, q + 1) && !(q + 1 < s.size() && s[q + 1] == U'在')) continue;
      for (size_t len = std::min<size_t>(kMaxUnitLen, q + 1 - b); len >= 2; --len) {
        const size_t p = q + 1 - len;
        if (!IsHan(s[p])) continue;
        // One-character names (莒镇, 张镇) only outside the body, never 全镇/本镇.
        if (len == 2 && (anchored || (c != U'乡' && c != U'镇') || kGenericChars.Has(s[p]))) continue;
        // The name starts at a boundary or after a region or organ word.
        const bool after_region = p > b && (s[p - 1] == U'县' || s[p - 1] == U'区' || s[p - 1] == U'市' ||
                                            s[p - 1] == U'旗' || s[p - 1] == U'府');
        if (!IsChainBoundary(s, p, b) && !after_region) continue;
        if (!g.HasTownship(s.substr(p, len))) continue;
        Mention x = Make(p, q + 1, source, Level::kTownship);
        x.must_exist = true;
        if (after_region) {
          // The region written onto the name (向阳区桥南街道) is its parent.
          for (size_t rl = std::min<size_t>(kMaxRegionLen, p - b); rl >= 2; --rl) {
            const U32View region = s.substr(p - rl, rl);
            if (!IsRegion(region)) continue;
            x.chain.push_back(Make(p - rl, p, source, IsCounty(region) ? Level::kCounty : Level::kCity));
            break;
          }
        }
        out->emplace_back(p, std::move(x));
        break;
      }
    }
  }

  // Whether s[p] starts 在<region>(委|党委|政府|人民政府): the name before p
  // is the unit working under that superior (X街道在文峰区委…).
  bool SuperiorFollows(size_t p) const {
    if (p >= s.size() || s[p] != U'在') return false;
    const size_t b = p + 1;
    const size_t e = std::min(s.size(), b + kMaxRegionLen);
    for (size_t q = b + 1; q < e; ++q) {
      if (!IsSuffixEnd(s[q])) continue;
      if (!StartsWith(s, q + 1, U"委") && !StartsWith(s, q + 1, U"党委") && !StartsWith(s, q + 1, U"政府") &&
          !StartsWith(s, q + 1, U"人民政府")) {
        continue;
      }
      if (IsRegion(s.substr(b, q + 1 - b))) return true;
    }
    return false;
  }

  // Regions named as superiors: <name>(县|区|旗|市)(委|党委|人民政府|政府)
  // and 根据/按照<name>…, the name starting at a boundary.
  void RegionPhrases(size_t b, size_t e, cpb::PlaceSource source, std::vector<Mention>* out) const {
    const char32_t* d = s.data();
    const size_t n = s.size();
    size_t cite_end = kNpos;  // end of the last 根据/按照
    // Only positions that can pass the tests below are visited: a region
    // suffix before 委/党委/政府/人民政府, the 据/照 of 根据/按照 and the 7
    // characters after it. They are found with wmemchr (this runs over the
    // first kBodyRegionChars characters of every body).
    std::vector<size_t>& qs = scratch_;
    qs.clear();
    const size_t scan_end = std::min(n, e + 4);
    auto hits = [&](char32_t t, auto&& fn) {
      if (b + 1 >= scan_end) return;
      const auto* base = reinterpret_cast<const wchar_t*>(d);
      for (size_t r = b + 1; r < scan_end;) {
        const auto* hit = std::wmemchr(base + r, static_cast<wchar_t>(t), scan_end - r);
        if (hit == nullptr) break;
        r = static_cast<size_t>(hit - base);
        fn(r);
        ++r;
      }
    };
    auto add = [&](size_t q) {
      if (q >= b + 1 && q < e) qs.push_back(q);
    };
    hits(U'委', [&](size_t r) { add(r - 1); if (r >= 2) add(r - 2); });
    hits(U'府', [&](size_t r) { if (r >= 2) add(r - 2); if (r >= 4) add(r - 4); });
    for (char32_t t : {U'据', U'照'}) {
      hits(t, [&](size_t r) {
        add(r);
        for (size_t k = 2; k <= 8; ++k) add(r + k);  // cite_end = r + 1; q in (cite_end, cite_end + 8)
      });
    }
    std::sort(qs.begin(), qs.end());
    qs.erase(std::unique(qs.begin(), qs.end()), qs.end());
    for (const size_t q : qs) {
      const char32_t c = d[q];
      if (!kRegionPhraseChars.Has(c)) continue;
      if ((c == U'据' && d[q - 1] == U'根') || (c == U'照' && d[q - 1] == U'按')) {
        cite_end = q + 1;
        continue;
      }
      const char32_t next = q + 1 < n ? d[q + 1] : 0;
      const bool superior = (next == U'委') || (next == U'党' && StartsWith(s, q + 1, U"党委")) ||
                            (next == U'人' && StartsWith(s, q + 1, U"人民政府")) ||
                            (next == U'政' && StartsWith(s, q + 1, U"政府"));
      // 根据X旗…, 按照X县…: the name right after the verb.
      const bool cited = cite_end != kNpos && q > cite_end && q - cite_end < 8;
      if (!superior && !cited) continue;
      // The name starts at a boundary: the range start, a non-Han character,
      // 在, or the end of 根据/按照/中共.
      const size_t lo = q >= b + kMaxRegionLen ? q - kMaxRegionLen : b;
      for (size_t p = lo; p < q; ++p) {
        if (p > b && IsHan(d[p - 1])) {
          const char32_t prev = d[p - 1];
          const bool after_word = prev == U'在' ||
                                  (p >= b + 2 && ((prev == U'据' && d[p - 2] == U'根') ||
                                                  (prev == U'照' && d[p - 2] == U'按') ||
                                                  (prev == U'共' && d[p - 2] == U'中')));
          if (!after_word) continue;
        }
        const U32View name = s.substr(p, q + 1 - p);
        if (!IsRegion(name)) continue;
        out->push_back(Make(p, q + 1, source, IsCounty(name) ? Level::kCounty : Level::kCity));
        break;
      }
    }
  }
};

cpb::PlaceSource SourceOf(pb::BlockKind k) {
  switch (k) {
    case pb::BLOCK_KIND_TITLE: return cpb::PLACE_SOURCE_TITLE;
    case pb::BLOCK_KIND_ISSUER: return cpb::PLACE_SOURCE_ISSUER;
    case pb::BLOCK_KIND_SIGNATURE: return cpb::PLACE_SOURCE_SIGNATURE;
    case pb::BLOCK_KIND_ADDRESSEE: return cpb::PLACE_SOURCE_ADDRESSEE;
    default: return cpb::PLACE_SOURCE_BODY;
  }
}

bool IsBody(pb::BlockKind k) {
  return k == pb::BLOCK_KIND_PARAGRAPH || k == pb::BLOCK_KIND_LIST_ITEM || k == pb::BLOCK_KIND_HEADING;
}

constexpr size_t kFirstSentenceChars = 160;
constexpr size_t kMaxBodyRegions = 16;
constexpr size_t kBodyRegionChars = 8000;

}  // namespace

geo::PlaceEvidence CollectPlaceEvidence(std::string_view text, const MatchText& m, const Layout& layout,
                                        const PlaceContext& context, const cpb::DocumentMetadata& meta) {
  const U32View s = m.chars();
  std::vector<size_t> scratch;
  Finder f{text, m, s, *context.gazetteer, scratch};
  geo::PlaceEvidence ev;
  ev.path = std::string(context.path);
  if (context.scope != nullptr) ev.scope = *context.scope;

  // Header zones: title, issuer, signature (in that order).
  std::vector<Chain> header;
  for (pb::BlockKind kind : {pb::BLOCK_KIND_TITLE, pb::BLOCK_KIND_ISSUER, pb::BLOCK_KIND_SIGNATURE}) {
    for (const Piece& p : layout.pieces) {
      if (p.kind == kind) FindChains(*context.gazetteer, s, p.begin, p.end, SourceOf(kind), kHeaderNames, &header);
    }
  }
  // First sentences: the opening characters of the first two body pieces.
  std::vector<std::pair<size_t, size_t>> first;
  for (const Piece& p : layout.pieces) {
    if (!IsBody(p.kind)) continue;
    first.emplace_back(p.begin, std::min<size_t>(p.end, p.begin + kFirstSentenceChars));
    if (first.size() == 2) break;
  }
  std::vector<Chain> opening;
  for (const auto& [b, e] : first) FindChains(*context.gazetteer, s, b, e, cpb::PLACE_SOURCE_FIRST_SENTENCES, kHeaderNames, &opening);
  // Body chains (strict name rules).
  // How often a unit's name occurs in the whole text (up to 2).
  auto count_of = [&](const Chain& c) {
    const Unit& t = c.units.back();
    const U32View name = s.substr(t.begin, t.end - t.begin);
    int n = 0;
    for (size_t q = Find(s, name); q != kNpos && n < 2; q = Find(s, name, q + 1)) ++n;
    return n;
  };

  // 1. Townships in title, issuer and signature lines.
  auto header_pieces = [&](const std::function<void(const Piece&, cpb::PlaceSource)>& fn) {
    for (pb::BlockKind kind : {pb::BLOCK_KIND_TITLE, pb::BLOCK_KIND_ISSUER, pb::BLOCK_KIND_SIGNATURE}) {
      for (const Piece& p : layout.pieces) {
        if (p.kind == kind) fn(p, SourceOf(kind));
      }
    }
  };
  // A header name the gazetteer lacks is reported (NOT_FOUND) only if it
  // also passes the strict body rules (全县各乡 is not a name).
  auto strict_name = [&](const Chain& c) {
    const Unit& t = c.units.back();
    for (size_t k = t.begin; k + t.suffix_len < t.end; ++k) {
      if (kGenericChars.Has(s[k])) return false;
    }
    return true;
  };
  // Known names first: they are whole gazetteer names at a boundary, where
  // the grammar may stop short (大泽乡镇 read as 大泽乡).
  Found found;
  header_pieces([&](const Piece& p, cpb::PlaceSource src) { f.KnownTownships(p.begin, p.end, src, false, &found); });
  for (auto& [pos, x] : found) ev.units.push_back(std::move(x));
  found.clear();
  for (const Chain& c : header) ev.units.push_back(f.UnitMention(c, /*must_exist=*/!strict_name(c)));
  // 2. Else a county's own report named in the header (下陆区2025年…).
  auto usable = [&](const Mention& u) { return !u.must_exist || f.g.Contains(u.name); };
  if (std::none_of(ev.units.begin(), ev.units.end(), usable) && found.empty()) {
    header_pieces([&](const Piece& p, cpb::PlaceSource src) { f.CountyUnits(p.begin, p.end, src, &found); });
  }
  const bool header_named = std::any_of(ev.units.begin(), ev.units.end(), usable) || !found.empty();
  for (auto& [pos, x] : found) ev.units.push_back(std::move(x));
  // 3. The first sentences: townships and (without a header unit) county
  // units, the earliest first ("2025年，下陆区坚持…团城山街道…" is a county report).
  found.clear();
  for (const Chain& c : opening) {
    // Trusted when followed by an organ word or named again in the body.
    // Trusted too when a superior follows (X街道在文峰区委…): a renamed unit
    // is then reported NOT_FOUND with that superior, never replaced.
    const bool trusted = c.organ || f.SuperiorFollows(c.units.back().end) || count_of(c) >= 2;
    found.emplace_back(c.units.front().begin, f.UnitMention(c, /*must_exist=*/!trusted));
  }
  for (const auto& [b, e] : first) {
    f.KnownTownships(b, e, cpb::PLACE_SOURCE_FIRST_SENTENCES, false, &found);
    if (!header_named) f.CountyUnits(b, e, cpb::PLACE_SOURCE_FIRST_SENTENCES, &found);
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [pos, x] : found) ev.units.push_back(std::move(x));
  // 4. Only when nothing above names a unit (or only names the gazetteer
  // lacks and the text does not repeat): body chains named twice or
  // followed by an organ word, most frequent first (the one full scan of the
  // body, skipped for most reports).
  std::vector<Chain> body;
  bool settled = false;  // some mention above is trusted or known to the gazetteer
  for (const Mention& u : ev.units) settled = settled || !u.must_exist || f.g.Contains(u.name);
  if (!settled) {
    for (const Piece& p : layout.pieces) {
      if (IsBody(p.kind)) FindChains(*context.gazetteer, s, p.begin, p.end, cpb::PLACE_SOURCE_BODY, kBodyNames, &body);
    }
  }
  std::map<std::u32string, int> counts;
  for (const Chain& c : body) {
    const Unit& t = c.units.back();
    ++counts[std::u32string(s.substr(t.begin, t.end - t.begin))];
  }
  auto body_count = [&](const Chain& c) {
    const Unit& t = c.units.back();
    return counts[std::u32string(s.substr(t.begin, t.end - t.begin))];
  };
  std::vector<const Chain*> eligible;
  for (const Chain& c : body) {
    if (c.organ || body_count(c) >= 2) eligible.push_back(&c);
  }
  std::stable_sort(eligible.begin(), eligible.end(),
                   [&](const Chain* a, const Chain* b) { return body_count(*a) > body_count(*b); });
  for (const Chain* c : eligible) ev.units.push_back(f.UnitMention(*c, /*must_exist=*/false));
  if (!settled) {
    found.clear();
    for (const Piece& p : layout.pieces) {
      if (IsBody(p.kind)) f.KnownTownships(p.begin, p.end, cpb::PLACE_SOURCE_BODY, true, &found);
    }
    for (auto& [pos, x] : found) ev.units.push_back(std::move(x));
  }

  // Regions: header and addressee lines first.
  for (const Piece& p : layout.pieces) {
    if (p.kind == pb::BLOCK_KIND_TITLE || p.kind == pb::BLOCK_KIND_ISSUER ||
        p.kind == pb::BLOCK_KIND_SIGNATURE || p.kind == pb::BLOCK_KIND_ADDRESSEE) {
      f.RegionPhrases(p.begin, p.end, SourceOf(p.kind), &ev.regions);
    }
  }
  // Chains elsewhere that end in the first unit names give their parents
  // (…巫溪县花台乡): look back from each occurrence of the name.
  std::vector<std::u32string> names;
  for (const Mention& u : ev.units) {
    if (names.size() == 3) break;
    if (u.level == Level::kTownship && std::find(names.begin(), names.end(), u.name) == names.end()) {
      names.push_back(u.name);
    }
  }
  for (const std::u32string& name : names) {
    for (size_t q = Find(s, name); q != kNpos; q = Find(s, name, q + 1)) {
      // A chain ends in the name only right after a region suffix (…巫溪县花台乡).
      if (q == 0 || !IsSuffixEnd(s[q - 1]) || s[q - 1] == U'乡' || s[q - 1] == U'镇') continue;
      const size_t end = q + name.size();
      for (size_t p = q > 30 ? q - 30 : 0; p < q; ++p) {
        if (!IsHan(s[p]) || !IsChainBoundary(s, p, 0)) continue;
        std::vector<Unit> units;
        if (ParseChainFrom(f.g, s, p, end, &units, kBodyNames) && units.back().end == end && units.size() > 1) {
          for (Mention& parent : f.UnitMention(Chain{std::move(units), cpb::PLACE_SOURCE_BODY, false}, false).chain) {
            parent.attached = true;
            ev.regions.push_back(std::move(parent));
          }
          break;
        }
      }
    }
  }
  // Body phrases, in the first kBodyRegionChars characters of the body
  // (where reports name their superiors) and at most kMaxBodyRegions.
  std::vector<Mention> phrases;
  size_t scanned = 0;
  for (const Piece& p : layout.pieces) {
    if (!IsBody(p.kind)) continue;
    const size_t end = std::min<size_t>(p.end, p.begin + (kBodyRegionChars - scanned));
    f.RegionPhrases(p.begin, end, cpb::PLACE_SOURCE_BODY, &phrases);
    scanned += end - p.begin;
    if (phrases.size() >= kMaxBodyRegions || scanned >= kBodyRegionChars) break;
  }
  for (Mention& x : phrases) ev.regions.push_back(std::move(x));
  // Document-number prefixes: 巫溪府办发〔2023〕38号 -> 巫溪.
  for (const std::string& dn : meta.doc_numbers()) {
    const std::u32string code = ToU32(dn);
    const size_t cut = code.find_first_of(U"府委");
    if (cut == std::u32string::npos || cut < 2 || cut > 3) continue;
    bool han = true;
    for (size_t i = 0; i < cut; ++i) han = han && IsHan(code[i]);
    if (!han) continue;
    Mention x;
    x.name = code.substr(0, cut);
    x.written = ToUtf8(x.name);
    x.source = cpb::PLACE_SOURCE_DOC_NUMBER;
    x.level = Level::kCounty;
    x.short_name = true;
    ev.regions.push_back(std::move(x));
  }
  return ev;
}

void FindPlace(std::string_view text, const MatchText& m, const Layout& layout, const PlaceContext& context,
               cpb::DocumentMetadata* meta) {
  const geo::PlaceEvidence ev = CollectPlaceEvidence(text, m, layout, context, *meta);
  geo::ResolvePlace(*context.gazetteer, ev, meta);
}

}  // namespace reportflow::segment
