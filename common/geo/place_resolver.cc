#include "common/geo/place_resolver.h"

#include <algorithm>
#include <functional>

#include "common/text/han_variants.h"
#include "common/text/utf8.h"

namespace reportflow::geo {
namespace {

namespace pb = ::reportflow::common::v1;
using U32View = std::u32string_view;

bool EndsWith(U32View s, U32View w) { return s.size() >= w.size() && s.substr(s.size() - w.size()) == w; }

std::string Utf8(U32View s) {
  std::string out;
  for (char32_t c : s) text::AppendUtf8(c, &out);
  return out;
}

bool IsHan(char32_t c) { return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF); }

// Simplified code points of a UTF-8 string (path components, scope entries).
std::u32string Simplified(std::string_view s) {
  const text::HanVariants& hv = text::HanVariants::Get();
  std::u32string out;
  for (size_t i = 0; i < s.size();) out.push_back(hv.ToSimplified(text::DecodeUtf8(s, &i)));
  return out;
}

using Units = std::vector<UnitId>;

Units OfLevel(const Gazetteer& g, Units ids, Level level) {
  std::erase_if(ids, [&](UnitId id) { return g.level(id) != level; });
  return ids;
}

// Region-level (province, city, county) units a region mention may name.
Units RegionsOf(const Gazetteer& g, const Mention& m) {
  Units out;
  if (m.short_name) {
    out = g.FindShort(m.name);
    if (m.level != Level::kTownship) std::erase_if(out, [&](UnitId id) { return g.level(id) != m.level; });
    return out;
  }
  out = g.Find(m.name);
  std::erase_if(out, [&](UnitId id) { return g.level(id) == Level::kTownship; });
  return out;
}

// Candidates that lie within one of `regions`.
Units Within(const Gazetteer& g, const Units& candidates, const Units& regions) {
  Units out;
  for (UnitId c : candidates) {
    for (UnitId r : regions) {
      if (g.IsWithin(c, r)) {
        out.push_back(c);
        break;
      }
    }
  }
  return out;
}

// Region names inside a folder name or scope entry: the whole Han run, its
// short-name reading, and every tail ending in a region suffix.
std::vector<Units> RegionsInName(const Gazetteer& g, std::string_view utf8) {
  std::vector<Units> out;
  const std::u32string s = Simplified(utf8);
  auto add = [&](Units u) {
    std::erase_if(u, [&](UnitId id) { return g.level(id) == Level::kTownship; });
    if (!u.empty()) out.push_back(std::move(u));
  };
  // Codes: an all-digit entry of 2, 4, 6 (or 12) digits.
  bool digits = !s.empty();
  for (char32_t c : s) digits = digits && c >= '0' && c <= '9';
  if (digits) return out;  // codes: narrow_by_names in ResolvePlace
  for (size_t b = 0; b < s.size();) {
    if (!IsHan(s[b])) {
      ++b;
      continue;
    }
    size_t e = b;
    while (e < s.size() && IsHan(s[e])) ++e;
    const U32View run = U32View(s).substr(b, e - b);
    if (run.size() >= 2) {
      add(g.Find(run));
      add(g.FindShort(run));
      // Names inside the run, ending in a region suffix (重庆市万州区 -> 重庆市, 万州区).
      for (size_t i = 0; i < run.size(); ++i) {
        for (size_t j = i + 2; j <= run.size() && j - i <= 12; ++j) {
          if (i == 0 && j == run.size()) continue;
          const char32_t last = run[j - 1];
          if (last != U'省' && last != U'市' && last != U'州' && last != U'盟' && last != U'区' &&
              last != U'县' && last != U'旗') {
            continue;
          }
          add(g.Find(run.substr(i, j - i)));
        }
      }
    }
    b = e;
  }
  return out;
}

// Folder names of a path (not the file name itself).
std::vector<std::string_view> Folders(std::string_view path) {
  std::vector<std::string_view> out;
  size_t b = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/' || path[i] == '\\') {
      if (i > b) out.emplace_back(path.substr(b, i - b));
      b = i + 1;
    }
  }
  if (!out.empty()) out.pop_back();  // the file name
  return out;
}

void AddSource(pb::PlaceResolution* place, pb::PlaceSource s) {
  for (int x : place->sources()) {
    if (x == s) return;
  }
  place->add_sources(s);
}

// The unit a text-given name denotes when it is unique (at region level).
UnitId UniqueRegion(const Gazetteer& g, const Mention& m) {
  const Units r = RegionsOf(g, m);
  return r.size() == 1 ? r[0] : kNone;
}

struct Choice {
  const Mention* mention = nullptr;
  Units candidates;
  std::vector<Mention> chain;  // chain parents, including a prefix split off the name
  std::u32string name;         // the gazetteer name matched
  bool weak = false;           // matched only as a shortened ethnic township
};

constexpr U32View kOrganWords[] = {U"人民政府", U"政府", U"党工委", U"党委", U"委员会", U"办事处",
                                   U"管委会", U"中共", U"人大", U"关于"};

// True if `s` is a run of region names and organ words (滑县, 人民政府,
// 重庆市万州区, 中共…委员会): what may stand before a unit's name.
bool IsPrefixOfRegionsAndOrgans(const Gazetteer& g, U32View s, int depth = 0) {
  if (s.empty()) return true;
  if (depth > 6) return false;
  for (U32View w : kOrganWords) {
    if (s.starts_with(w) && IsPrefixOfRegionsAndOrgans(g, s.substr(w.size()), depth + 1)) return true;
  }
  for (size_t len = std::min<size_t>(s.size(), 12); len >= 2; --len) {
    bool region = false;
    for (UnitId id : g.Find(s.substr(0, len))) region |= g.level(id) != Level::kTownship;
    if (region && IsPrefixOfRegionsAndOrgans(g, s.substr(len), depth + 1)) return true;
  }
  return false;
}

// Rule 1: the mention's name, or else its longest tail that the gazetteer
// knows at the mention's level when what precedes it is region names or
// organ words only; a region prefix becomes a parent.
bool MatchMention(const Gazetteer& g, const Mention& m, Choice* out) {
  // Some gazetteer names carry their parents (濮阳县习城乡, 高新区东风街道):
  // try the chain joined onto the name first, longest first.
  if (!m.chain.empty() && m.level == Level::kTownship) {
    for (size_t upto = m.chain.size(); upto-- > 0;) {
      std::u32string joined = m.name;
      for (size_t i = 0; i <= upto; ++i) joined = m.chain[i].name + joined;
      Units c = OfLevel(g, g.FindStrong(joined), m.level);
      if (c.empty()) continue;
      out->mention = &m;
      out->candidates = std::move(c);
      out->chain.assign(m.chain.begin() + static_cast<std::ptrdiff_t>(upto) + 1, m.chain.end());
      out->name = std::move(joined);
      out->weak = false;
      return true;
    }
  }
  const size_t min_len = 2;
  for (size_t k = 0; k + min_len <= m.name.size(); ++k) {
    const U32View tail = U32View(m.name).substr(k);
    if (k > 0 && !IsPrefixOfRegionsAndOrgans(g, U32View(m.name).substr(0, k))) continue;
    Units c = OfLevel(g, g.FindStrong(tail), m.level);
    out->weak = false;
    if (c.empty()) {
      c = OfLevel(g, g.Find(tail), m.level);
      out->weak = true;
    }
    if (c.empty()) continue;
    out->mention = &m;
    out->candidates = std::move(c);
    out->chain = m.chain;
    out->name = std::u32string(tail);
    if (k > 0) {
      // 滑县万古镇: the prefix names a parent when the gazetteer knows it.
      Mention prefix;
      prefix.name = m.name.substr(0, k);
      prefix.source = m.source;
      prefix.level = Level::kCounty;
      if (!RegionsOf(g, prefix).empty()) out->chain.insert(out->chain.begin(), std::move(prefix));
    }
    return true;
  }
  return false;
}

void SetWritten(const Gazetteer& g, const Mention& m, pb::PlaceResolution* place) {
  Level level = m.level;
  const Units r = RegionsOf(g, m);
  if (!r.empty()) {
    level = g.level(r[0]);
    for (UnitId id : r) {
      if (g.level(id) != level) level = m.level;  // the gazetteer cannot tell: keep the grammar's
    }
  }
  const std::string& w = m.written.empty() ? Utf8(m.name) : m.written;
  switch (level) {
    case Level::kCounty:
      if (place->county_written().empty()) place->set_county_written(w);
      break;
    case Level::kCity:
      // 重庆市 is written as a city but is the province-level municipality.
      if (!r.empty() && g.level(r[0]) == Level::kProvince) {
        if (place->province_written().empty()) place->set_province_written(w);
      } else if (place->city_written().empty()) {
        place->set_city_written(w);
      }
      break;
    case Level::kProvince:
      if (place->province_written().empty()) place->set_province_written(w);
      break;
    case Level::kTownship:
      break;
  }
}

// Fills the region levels `meta` lacks from a unit at region level.
void FillRegions(const Gazetteer& g, UnitId id, pb::DocumentMetadata* meta) {
  if (UnitId c = g.CountyOf(id); c != kNone && meta->county().empty()) {
    meta->set_county(g.name(c));
    meta->set_county_code(g.Code12(c));
  }
  if (UnitId c = g.CityOf(id); c != kNone && meta->city().empty()) {
    meta->set_city(g.name(c));
    meta->set_city_code(g.Code12(c));
  }
  if (UnitId p = g.ProvinceOf(id); p != kNone && meta->province().empty()) {
    meta->set_province(g.name(p));
    meta->set_province_code(g.Code12(p));
  }
}

// Names every candidate shares (AMBIGUOUS documents).
void FillCommon(const Gazetteer& g, const Units& c, pb::DocumentMetadata* meta) {
  auto common = [&](const std::function<UnitId(UnitId)>& of) {
    const UnitId first = of(c[0]);
    for (UnitId id : c) {
      if (of(id) != first) return kNone;
    }
    return first;
  };
  if (UnitId t = common([&](UnitId id) { return g.TownshipOf(id); }); t != kNone) FillPlace(g, t, meta);
  if (UnitId x = common([&](UnitId id) { return g.CountyOf(id); }); x != kNone) FillRegions(g, x, meta);
  if (UnitId x = common([&](UnitId id) { return g.CityOf(id); }); x != kNone) FillRegions(g, x, meta);
  if (UnitId x = common([&](UnitId id) { return g.ProvinceOf(id); }); x != kNone) FillRegions(g, x, meta);
}

}  // namespace

std::string UnitTypeOf(std::u32string_view t) {
  if (EndsWith(t, U"街道")) return "街道";
  if (EndsWith(t, U"镇")) return "镇";
  if (EndsWith(t, U"族乡")) return "民族乡";
  if (EndsWith(t, U"乡")) return "乡";
  if (EndsWith(t, U"苏木")) return "苏木";
  return "";
}

pb::PlaceCandidate MakeCandidate(const Gazetteer& g, UnitId id) {
  pb::PlaceCandidate c;
  if (g.level(id) == Level::kTownship) c.set_township(g.name(id));
  if (UnitId x = g.CountyOf(id); x != kNone) c.set_county(g.name(x));
  if (UnitId x = g.CityOf(id); x != kNone) c.set_city(g.name(x));
  if (UnitId x = g.ProvinceOf(id); x != kNone) c.set_province(g.name(x));
  c.set_code(g.Code12(id));
  return c;
}

void FillPlace(const Gazetteer& g, UnitId id, pb::DocumentMetadata* meta) {
  if (g.level(id) == Level::kTownship) {
    meta->set_township(g.name(id));
    meta->set_township_code(g.Code12(id));
    meta->set_unit_type(UnitTypeOf(g.name32(id)));
  }
  FillRegions(g, id, meta);
}

void ClearPlace(pb::DocumentMetadata* meta) {
  meta->clear_township();
  meta->clear_county();
  meta->clear_city();
  meta->clear_province();
  meta->clear_township_code();
  meta->clear_county_code();
  meta->clear_city_code();
  meta->clear_province_code();
}

void ResolvePlace(const Gazetteer& g, const PlaceEvidence& ev, pb::DocumentMetadata* meta) {
  pb::PlaceResolution* place = meta->mutable_place();
  place->Clear();
  ClearPlace(meta);
  meta->clear_unit_type();
  meta->clear_unit_level();

  // Rule 1: the reporting unit.
  Choice choice;
  const Mention* unfound = nullptr;
  for (const Mention& m : ev.units) {
    if (MatchMention(g, m, &choice)) break;
    if (m.must_exist) continue;
    if (unfound == nullptr) unfound = &m;
    const bool header = m.source == pb::PLACE_SOURCE_TITLE || m.source == pb::PLACE_SOURCE_ISSUER ||
                        m.source == pb::PLACE_SOURCE_SIGNATURE;
    if (header) break;  // a header names a unit the gazetteer lacks: no other unit is attached
  }

  auto not_found = [&](const Mention& m, const std::vector<Mention>& chain, const std::string& note) {
    place->set_status(pb::PLACE_STATUS_NOT_FOUND);
    AddSource(place, m.source);
    place->set_note(note);
    meta->set_unit_level(m.level == Level::kTownship ? pb::REGION_LEVEL_TOWNSHIP : pb::REGION_LEVEL_COUNTY);
    const std::string name = Utf8(m.name);
    if (m.level == Level::kTownship) {
      place->set_township_written(m.written);
      meta->set_township(name);
      meta->set_unit_type(UnitTypeOf(m.name));
    } else {
      place->set_county_written(m.written);
      meta->set_county(name);
    }
    // The parents the text gives: canonical when the gazetteer knows them uniquely.
    std::vector<Mention> parents = chain;
    for (const Mention& r : ev.regions) {
      if (!r.short_name) parents.push_back(r);
    }
    for (const Mention& p : parents) {
      SetWritten(g, p, place);
      const UnitId r = UniqueRegion(g, p);
      if (r != kNone) {
        // Only a parent consistent with what is already set (the nearest wins).
        const bool fits = meta->province_code().empty() ||
                          g.Code12(r).starts_with(meta->province_code().substr(0, 2));
        if (fits && (g.level(r) != Level::kCounty || meta->county().empty())) FillRegions(g, r, meta);
      } else if (static_cast<size_t>(&p - parents.data()) < chain.size() && p.level == Level::kCounty &&
                 meta->county().empty()) {
        meta->set_county(Utf8(p.name));
      }
    }
  };

  if (choice.mention == nullptr && unfound != nullptr) {
    not_found(*unfound, unfound->chain,
              Utf8(unfound->name) + " is not in the gazetteer (renamed or merged?)");
    return;
  }

  if (choice.mention == nullptr) {
    // No unit named: UNKNOWN. A region named in a header, addressee or
    // document number still places the document within that region.
    place->set_status(pb::PLACE_STATUS_UNKNOWN);
    for (const Mention& r : ev.regions) {
      if (r.source == pb::PLACE_SOURCE_BODY) continue;
      const UnitId id = UniqueRegion(g, r);
      if (id == kNone) continue;
      SetWritten(g, r, place);
      FillRegions(g, id, meta);
      AddSource(place, r.source);
      break;
    }
    return;
  }

  const Mention& m = *choice.mention;
  // Other mentions of the same name bring their chains (青山镇 in the title,
  // 重庆市渝北区青山镇 in the signature).
  for (const Mention& other : ev.units) {
    if (&other == &m || other.level != m.level || !U32View(other.name).ends_with(choice.name)) continue;
    for (const Mention& p : other.chain) {
      bool dup = false;
      for (const Mention& q : choice.chain) dup |= q.name == p.name;
      if (!dup) choice.chain.push_back(p);
    }
  }
  Units c = choice.candidates;
  const size_t by_name = c.size();
  if (m.level == Level::kTownship) {
    place->set_township_written(m.written);
  } else {
    place->set_county_written(m.written);
  }
  AddSource(place, m.source);

  // Rule 2: parents in the same chain.
  bool agreed = false;  // a region the text names holds a candidate
  for (const Mention& p : choice.chain) {
    SetWritten(g, p, place);
    const Units r = RegionsOf(g, p);
    if (r.empty()) continue;
    Units narrowed = Within(g, c, r);
    if (narrowed.empty()) {
      not_found(m, choice.chain,
                Utf8(choice.name) + " is not under " + Utf8(p.name) + " in the gazetteer");
      return;
    }
    agreed = true;
    c = std::move(narrowed);
  }

  // Rule 3: other regions the text names.
  for (const Mention& r : ev.regions) {
    const Units regions = RegionsOf(g, r);
    if (regions.empty()) continue;
    Units narrowed = Within(g, c, regions);
    if (narrowed.empty()) {
      if (!r.short_name && (!agreed || r.attached)) {
        std::vector<Mention> chain = choice.chain;
        chain.push_back(r);
        not_found(m, chain, Utf8(choice.name) + " is not under " + Utf8(r.name) + " in the gazetteer");
        return;
      }
      continue;
    }
    agreed = agreed || !r.short_name;
    if (!r.short_name) SetWritten(g, r, place);
    if (narrowed.size() < c.size()) {
      AddSource(place, r.source);
      c = std::move(narrowed);
    }
  }
  if (choice.weak && !agreed) {
    not_found(m, choice.chain,
              Utf8(m.name) + " matches only the ethnic township " + g.name(c[0]) + " and no region confirms it");
    return;
  }

  // Rule 4: the input path, then the operator's scope.
  auto narrow_by_names = [&](const std::vector<std::string_view>& names, pb::PlaceSource source) {
    for (std::string_view n : names) {
      if (c.size() <= 1) return;
      // Codes (scope only): a prefix of the candidates' 12-digit codes.
      const bool digits = !n.empty() && std::all_of(n.begin(), n.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      if (digits) {
        std::string prefix(n);
        while (prefix.size() > 2 && prefix.size() % 2 == 0 && prefix.substr(prefix.size() - 2) == "00") {
          prefix.resize(prefix.size() - 2);
        }
        Units narrowed;
        for (UnitId id : c) {
          if (g.Code12(id).starts_with(prefix)) narrowed.push_back(id);
        }
        if (!narrowed.empty() && narrowed.size() < c.size()) {
          c = std::move(narrowed);
          AddSource(place, source);
        }
        continue;
      }
      for (const Units& regions : RegionsInName(g, n)) {
        Units narrowed = Within(g, c, regions);
        if (!narrowed.empty() && narrowed.size() < c.size()) {
          c = std::move(narrowed);
          AddSource(place, source);
        }
      }
    }
  };
  narrow_by_names(Folders(ev.path), pb::PLACE_SOURCE_PATH);
  std::vector<std::string_view> scope(ev.scope.begin(), ev.scope.end());
  narrow_by_names(scope, pb::PLACE_SOURCE_SCOPE);

  meta->set_unit_level(m.level == Level::kTownship ? pb::REGION_LEVEL_TOWNSHIP : pb::REGION_LEVEL_COUNTY);
  if (c.size() == 1) {
    place->set_status(pb::PLACE_STATUS_RESOLVED);
    if (by_name == 1) AddSource(place, pb::PLACE_SOURCE_GAZETTEER);
    FillPlace(g, c[0], meta);
    if (by_name > 1) {
      for (UnitId id : choice.candidates) *place->add_candidates() = MakeCandidate(g, id);
    }
    return;
  }
  place->set_status(pb::PLACE_STATUS_AMBIGUOUS);
  for (UnitId id : c) *place->add_candidates() = MakeCandidate(g, id);
  if (m.level == Level::kTownship) {
    // Every candidate carries the mention's name (or a variant of it).
    meta->set_township(g.name(c[0]));
    meta->set_unit_type(UnitTypeOf(g.name32(c[0])));
    for (UnitId id : c) {
      if (g.name32(id) != g.name32(c[0])) meta->set_township(Utf8(choice.name));
    }
  } else {
    meta->set_county(g.name(c[0]));
    for (UnitId id : c) {
      if (g.name32(id) != g.name32(c[0])) meta->set_county(Utf8(choice.name));
    }
  }
  FillCommon(g, c, meta);
  meta->clear_township_code();
  if (m.level != Level::kTownship) meta->clear_county_code();
}

}  // namespace reportflow::geo
