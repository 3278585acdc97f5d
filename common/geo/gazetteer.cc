#include "common/geo/gazetteer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>

#include "common/text/utf8.h"

namespace reportflow::geo {


namespace {

using U32View = std::u32string_view;

bool EndsWith(U32View s, U32View w) { return s.size() >= w.size() && s.substr(s.size() - w.size()) == w; }

// The 55 minority nationalities, as they appear in autonomous-unit names.
constexpr U32View kEthnicGroups[] = {
    U"蒙古", U"回", U"藏", U"维吾尔", U"苗", U"彝", U"壮", U"布依", U"朝鲜", U"满", U"侗",
    U"瑶", U"白", U"土家", U"哈尼", U"哈萨克", U"傣", U"黎", U"傈僳", U"佤", U"畲", U"高山",
    U"拉祜", U"水", U"东乡", U"纳西", U"景颇", U"柯尔克孜", U"土", U"达斡尔", U"仫佬", U"羌",
    U"布朗", U"撒拉", U"毛南", U"仡佬", U"锡伯", U"阿昌", U"普米", U"塔吉克", U"怒",
    U"乌孜别克", U"俄罗斯", U"鄂温克", U"德昂", U"保安", U"裕固", U"京", U"塔塔尔", U"独龙",
    U"鄂伦春", U"赫哲", U"门巴", U"珞巴", U"基诺", U"各"};

// Strips trailing "<ethnic group>[族]" runs: 恩施土家族苗族 -> 恩施, 新疆维吾尔 -> 新疆.
// Keeps at least two characters.
U32View StripEthnic(U32View s) {
  for (bool again = true; again;) {
    again = false;
    U32View t = s;
    if (EndsWith(t, U"族")) t.remove_suffix(1);
    size_t best = 0;
    for (U32View g : kEthnicGroups) {
      if (g.size() > best && EndsWith(t, g) && t.size() - g.size() >= 2) best = g.size();
    }
    if (best > 0) {
      s = t.substr(0, t.size() - best);
      again = true;
    }
  }
  return s;
}

}  // namespace

std::u32string ShortRegionName(std::u32string_view name) {
  U32View s = name;
  bool stripped = false;
  for (U32View suf : {U"自治区", U"自治州", U"自治县", U"自治旗"}) {
    if (EndsWith(s, suf)) {
      s = StripEthnic(s.substr(0, s.size() - suf.size()));
      stripped = true;
      break;
    }
  }
  if (!stripped) {
    for (U32View suf : {U"地区", U"林区", U"特区", U"省", U"市", U"县", U"区", U"旗", U"州", U"盟"}) {
      if (EndsWith(s, suf) && s.size() - suf.size() >= 2) {
        s = s.substr(0, s.size() - suf.size());
        break;
      }
    }
  }
  if (s.size() < 2) s = name;
  return std::u32string(s);
}

void Gazetteer::Fold(std::u32string_view in, std::u32string* out) const {
  out->assign(in);
  for (char32_t& c : *out) c = variants_->ToSimplified(c);
}

Result<std::unique_ptr<Gazetteer>> Gazetteer::Parse(std::string_view tsv) {
  std::unique_ptr<Gazetteer> g(new Gazetteer());
  g->owned_ = std::make_unique<Owned>();
  Owned& o = *g->owned_;
  std::vector<std::pair<uint64_t, UnitId>> by_code;  // short code -> id, for parents
  auto find_code = [&](uint64_t code) -> UnitId {
    auto it = std::lower_bound(by_code.begin(), by_code.end(), std::make_pair(code, UnitId{-1}));
    return it != by_code.end() && it->first == code ? it->second : kNone;
  };
  // Sized once from the table (a line per unit, names of 3-byte characters
  // mostly): growing them step by step copied them over and over, and
  // loading the table is on the path of segment's start and of aggregate's
  // first group.
  const size_t lines = static_cast<size_t>(std::count(tsv.begin(), tsv.end(), '\n')) + 1;
  o.units.reserve(lines);
  by_code.reserve(lines);
  o.names.reserve(tsv.size() / 3);
  size_t line_no = 0;
  for (size_t pos = 0; pos < tsv.size();) {
    size_t eol = tsv.find('\n', pos);
    if (eol == std::string_view::npos) eol = tsv.size();
    std::string_view line = tsv.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0 || tab + 1 >= line.size()) {
      return Status::InvalidArgument("gazetteer line " + std::to_string(line_no) + ": expected <code>\\t<name>");
    }
    const std::string_view code_text = line.substr(0, tab);
    uint64_t code = 0;
    for (char c : code_text) {
      if (c < '0' || c > '9') return Status::InvalidArgument("gazetteer line " + std::to_string(line_no) + ": bad code");
      code = code * 10 + static_cast<uint64_t>(c - '0');
    }
    Level level;
    uint64_t parent_code = 0;
    switch (code_text.size()) {
      case 2: level = Level::kProvince; break;
      case 4: level = Level::kCity; parent_code = code / 100; break;
      case 6: level = Level::kCounty; parent_code = code / 100; break;
      case 9: level = Level::kTownship; parent_code = code / 1000; break;
      default:
        return Status::InvalidArgument("gazetteer line " + std::to_string(line_no) + ": code must have 2, 4, 6 or 9 digits");
    }
    UnitId parent = kNone;
    if (level != Level::kProvince) {
      parent = find_code(parent_code);
      if (parent == kNone) {
        return Status::InvalidArgument("gazetteer line " + std::to_string(line_no) + ": parent " +
                                       std::to_string(parent_code) + " not listed before it");
      }
    }
    const std::string_view name = line.substr(tab + 1);
    const UnitId id = static_cast<UnitId>(o.units.size());
    const size_t name_offset = o.names.size();
    text::AppendUtf32(name, &o.names);
    o.units.push_back(Unit{code, static_cast<uint32_t>(name_offset),
                             static_cast<uint16_t>(o.names.size() - name_offset), level, parent});
    // Codes of different levels never collide as numbers (2, 4, 6, 9 digits).
    by_code.emplace_back(code, id);
    if (by_code.size() >= 2 && by_code[by_code.size() - 2].first > code) {
      std::sort(by_code.begin(), by_code.end());
    }
  }
  if (o.units.empty()) return Status::InvalidArgument("gazetteer: empty table");
  g->BuildIndex();
  return g;
}

void Gazetteer::AddKey(std::vector<Key>* index, std::u32string_view key, uint8_t variant, UnitId unit) {
  std::u32string& keys = owned_->keys;
  index->push_back(Key{static_cast<uint32_t>(keys.size()), static_cast<uint16_t>(key.size()), variant, unit});
  for (char32_t c : key) keys.push_back(variants_->ToSimplified(c));
}

void Gazetteer::BuildIndex() {
  Owned& o = *owned_;
  // The units and names are read through the views while the keys grow.
  t_.units = o.units;
  t_.names = o.names;
  // Every name once, a few twice (街 forms, short names).
  o.keys.reserve(o.names.size() + o.names.size() / 4);
  o.full_index.reserve(o.units.size() + o.units.size() / 4);
  o.short_index.reserve(o.units.size() / 8);
  uint64_t longest = 0;
  for (UnitId id = 0; id < static_cast<UnitId>(o.units.size()); ++id) {
    const U32View n = name32(id);
    longest = std::max<uint64_t>(longest, n.size());
    AddKey(&o.full_index, n, 0, id);
    if (o.units[id].level == Level::kTownship) {
      if (EndsWith(n, U"街道") && n.size() >= 4) AddKey(&o.full_index, n.substr(0, n.size() - 1), 1, id);
      for (U32View suf : {U"族乡", U"族镇", U"族苏木"}) {
        if (!EndsWith(n, suf)) continue;
        const U32View stem = StripEthnic(n.substr(0, n.size() - suf.size() + 1));
        if (stem.size() >= 2 && stem.size() + 1 < n.size() - suf.size() + 1) {
          std::u32string v(stem);
          v += n.substr(n.size() - suf.size() + 1);
          AddKey(&o.full_index, v, 2, id);
        }
      }
    } else {
      const std::u32string s = ShortRegionName(n);
      if (s != n) AddKey(&o.short_index, s, 1, id);
    }
  }
  const U32View keys = o.keys;
  auto text_of = [keys](const Key& k) { return keys.substr(k.offset, k.length); };
  auto by_text = [&](const Key& a, const Key& b) {
    const U32View ta = text_of(a), tb = text_of(b);
    if (ta != tb) return ta < tb;
    if (a.variant != b.variant) return a.variant < b.variant;
    return a.unit < b.unit;
  };
  // Ordered by the first three characters packed in one integer (21 bits
  // each; a shorter key's missing ones are 0, below any character), then by
  // by_text: the same order, but most comparisons end at one integer, where
  // by_text walks two strings (~100,000 keys at every start of segment and
  // aggregate, on the first group's path in aggregate).
  auto sort_index = [&](std::vector<Key>* index) {
    std::vector<std::pair<uint64_t, Key>> keyed;
    keyed.reserve(index->size());
    for (const Key& k : *index) {
      const U32View t = text_of(k);
      uint64_t prefix = 0;
      for (size_t i = 0; i < 3; ++i) prefix = prefix << 21 | (i < t.size() ? (uint64_t{t[i]} & 0x1FFFFF) : 0);
      keyed.emplace_back(prefix, k);
    }
    std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : by_text(a.second, b.second);
    });
    for (size_t i = 0; i < keyed.size(); ++i) (*index)[i] = keyed[i].second;
  };
  sort_index(&o.full_index);
  sort_index(&o.short_index);
  o.full_index.shrink_to_fit();
  o.short_index.shrink_to_fit();
  o.filter.assign(kFilterBits / 64, 0);
  for (const Key& k : o.full_index) {
    if (k.length < 2) continue;
    const uint32_t h = FilterHash(text_of(k));
    o.filter[h >> 6] |= uint64_t{1} << (h & 63);
  }
  o.keys.shrink_to_fit();
  t_ = Tables{o.units, o.names, o.keys, o.full_index, o.short_index, o.filter, longest};
}

std::unique_ptr<Gazetteer> Gazetteer::OverTables(const Tables& tables) {
  std::unique_ptr<Gazetteer> g(new Gazetteer());
  g->t_ = tables;
  return g;
}



std::vector<UnitId> Gazetteer::Lookup(std::span<const Key> index, std::u32string_view name,
                                      uint8_t max_variant) const {
  std::vector<UnitId> out;
  std::u32string folded;
  Fold(name, &folded);
  name = folded;
  if (index.data() == t_.full_index.data() && name.size() >= 2 && !MayContain(name)) return out;
  auto it = std::lower_bound(index.begin(), index.end(), name,
                             [this](const Key& k, U32View n) { return KeyText(k) < n; });
  for (; it != index.end() && KeyText(*it) == name; ++it) {
    if (it->variant > max_variant) continue;
    if (std::find(out.begin(), out.end(), it->unit) == out.end()) out.push_back(it->unit);
  }
  return out;
}

std::vector<UnitId> Gazetteer::Find(std::u32string_view name) const { return Lookup(t_.full_index, name); }
std::vector<UnitId> Gazetteer::Find(std::string_view utf8_name) const { return Find(text::ToUtf32(utf8_name)); }
std::vector<UnitId> Gazetteer::FindStrong(std::u32string_view name) const {
  return Lookup(t_.full_index, name, 1);
}
std::vector<UnitId> Gazetteer::FindShort(std::u32string_view name) const { return Lookup(t_.short_index, name); }

bool Gazetteer::Contains(std::u32string_view name) const {
  std::u32string folded;
  Fold(name, &folded);
  name = folded;
  if (name.size() >= 2 && !MayContain(name)) return false;
  auto it = std::lower_bound(t_.full_index.begin(), t_.full_index.end(), name,
                             [this](const Key& k, U32View n) { return KeyText(k) < n; });
  return it != t_.full_index.end() && KeyText(*it) == name;
}

template <typename Pred>
bool Gazetteer::AnyStrong(std::u32string_view name, Pred pred) const {
  // Fold into a stack buffer: this runs while scanning text.
  char32_t buf[24];
  if (name.size() > std::size(buf)) return false;
  for (size_t i = 0; i < name.size(); ++i) buf[i] = variants_->ToSimplified(name[i]);
  name = std::u32string_view(buf, name.size());
  if (name.size() >= 2 && !MayContain(name)) return false;
  auto it = std::lower_bound(t_.full_index.begin(), t_.full_index.end(), name,
                             [this](const Key& k, U32View n) { return KeyText(k) < n; });
  for (; it != t_.full_index.end() && KeyText(*it) == name; ++it) {
    if (it->variant <= 1 && pred(t_.units[it->unit].level)) return true;
  }
  return false;
}

bool Gazetteer::HasTownship(std::u32string_view name) const {
  return AnyStrong(name, [](Level l) { return l == Level::kTownship; });
}
bool Gazetteer::HasCounty(std::u32string_view name) const {
  return AnyStrong(name, [](Level l) { return l == Level::kCounty; });
}
bool Gazetteer::HasRegion(std::u32string_view name) const {
  return AnyStrong(name, [](Level l) { return l != Level::kTownship; });
}

bool Gazetteer::IsRegionScope(std::string_view scope) const {
  if (scope.empty()) return false;
  const bool digits = std::all_of(scope.begin(), scope.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    if (scope.size() != 2 && scope.size() != 4 && scope.size() != 6 && scope.size() != 12) return false;
    std::string code(scope);
    while (code.size() > 2 && code.size() % 2 == 0 && code.ends_with("00")) code.resize(code.size() - 2);
    for (UnitId id = 0; id < static_cast<UnitId>(t_.units.size()); ++id) {
      if (t_.units[id].level != Level::kTownship && Code12(id).starts_with(code)) return true;
    }
    return false;
  }
  const std::u32string name = text::ToUtf32(scope);
  for (UnitId id : Find(name)) {
    if (level(id) != Level::kTownship) return true;
  }
  return !FindShort(name).empty();
}

std::string Gazetteer::name(UnitId id) const {
  std::string out;
  for (char32_t c : name32(id)) text::AppendUtf8(c, &out);
  return out;
}

std::string Gazetteer::Code12(UnitId id) const {
  const Unit& u = t_.units[id];
  uint64_t scale = 1;
  switch (u.level) {
    case Level::kProvince: scale = 10000000000ULL; break;
    case Level::kCity: scale = 100000000ULL; break;
    case Level::kCounty: scale = 1000000ULL; break;
    case Level::kTownship: scale = 1000ULL; break;
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%012llu", static_cast<unsigned long long>(u.code * scale));
  return buf;
}

UnitId Gazetteer::ProvinceOf(UnitId id) const {
  while (id != kNone && t_.units[id].level != Level::kProvince) id = t_.units[id].parent;
  return id;
}

UnitId Gazetteer::CityOf(UnitId id) const {
  while (id != kNone && t_.units[id].level > Level::kCity) id = t_.units[id].parent;
  if (id == kNone || t_.units[id].level != Level::kCity) return kNone;
  const U32View n = name32(id);
  if (n == U"市辖区" || n == U"县") return t_.units[id].parent;  // a municipality
  if (EndsWith(n, U"直辖县级行政区划")) return kNone;
  return id;
}

UnitId Gazetteer::CountyOf(UnitId id) const {
  while (id != kNone && t_.units[id].level > Level::kCounty) id = t_.units[id].parent;
  if (id == kNone || t_.units[id].level != Level::kCounty) return kNone;
  // A city without counties lists itself as a county (441900 东莞市).
  if (t_.units[id].code % 100 == 0) return kNone;
  return id;
}

bool Gazetteer::IsWithin(UnitId id, UnitId ancestor) const {
  for (; id != kNone; id = t_.units[id].parent) {
    if (id == ancestor) return true;
  }
  return false;
}

}  // namespace reportflow::geo
