#include "cli/corpus_places.h"

#include <algorithm>
#include <map>

#include "common/geo/gazetteer.h"
#include "common/geo/place_resolver.h"
#include "common/text/utf8.h"

namespace reportflow::cli {
namespace {

using geo::Gazetteer;
using geo::Level;
using geo::UnitId;

// Picks up to `n` distinct elements of `v` (in their original order).
template <typename T>
std::vector<T> Sample(Rng& r, std::vector<T> v, size_t n) {
  for (size_t i = 0; i < v.size() && i < n; ++i) std::swap(v[i], v[i + r.Below(v.size() - i)]);
  if (v.size() > n) v.resize(n);
  return v;
}

// Township-level units a report could come from (not farms, development zones ...).
bool IsReportingTownship(const Gazetteer& g, UnitId id) {
  return !geo::UnitTypeOf(g.name32(id)).empty();
}

}  // namespace

std::vector<Place> MakeProvincePlaces(Rng& r, int reports) {
  const Gazetteer& g = Gazetteer::Default();
  // Province -> city -> county -> townships, from the gazetteer (in code order).
  std::map<UnitId, std::map<UnitId, std::map<UnitId, std::vector<UnitId>>>> tree;
  for (UnitId id = 0; id < static_cast<UnitId>(g.size()); ++id) {
    if (g.level(id) != Level::kTownship || !IsReportingTownship(g, id)) continue;
    const UnitId county = g.CountyOf(id), city = g.CityOf(id), province = g.ProvinceOf(id);
    // Real cities and counties only (no municipality, 省直辖, city without counties).
    if (county == geo::kNone || city == geo::kNone || city == province) continue;
    tree[province][city][county].push_back(id);
  }
  std::vector<UnitId> provinces;
  for (const auto& [p, cities] : tree) {
    if (cities.size() >= 2) provinces.push_back(p);
  }
  const UnitId province = r.Pick(provinces);
  const auto& cities_of = tree[province];

  std::vector<UnitId> city_ids;
  for (const auto& [c, counties] : cities_of) city_ids.push_back(c);
  const size_t wanted_cities = static_cast<size_t>(std::max(2, std::min(12, reports / 400 + 2)));
  std::vector<Place> places;
  for (UnitId city : Sample(r, city_ids, wanted_cities)) {
    std::vector<UnitId> county_ids;
    for (const auto& [k, towns] : cities_of.at(city)) county_ids.push_back(k);
    for (UnitId county : Sample(r, county_ids, static_cast<size_t>(r.Between(3, 7)))) {
      const std::vector<UnitId>& towns = cities_of.at(city).at(county);
      // Every 街道 and 民族乡 of the county has a better chance: keep kinds mixed.
      std::vector<UnitId> picked = Sample(r, towns, static_cast<size_t>(r.Between(6, 14)));
      for (UnitId t : towns) {
        const std::string type = geo::UnitTypeOf(g.name32(t));
        if ((type == "民族乡" || type == "苏木") && std::find(picked.begin(), picked.end(), t) == picked.end()) {
          picked.push_back(t);
        }
      }
      const std::u32string short_name = geo::ShortRegionName(g.name32(county));
      std::string county_short;
      for (char32_t c : short_name) text::AppendUtf8(c, &county_short);
      for (UnitId t : picked) {
        Place p;
        p.province = g.name(province);
        p.city = g.name(city);
        p.county = g.name(county);
        p.county_short = county_short;
        p.township = g.name(t);
        p.province_code = g.Code12(province);
        p.city_code = g.Code12(city);
        p.county_code = g.Code12(county);
        p.township_code = g.Code12(t);
        places.push_back(std::move(p));
      }
    }
  }
  return places;
}

}  // namespace reportflow::cli
