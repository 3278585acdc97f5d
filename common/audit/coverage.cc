#include "common/audit/coverage.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "common/geo/place_resolver.h"

namespace reportflow::audit {
namespace {

std::string NameOr(const geo::Gazetteer& g, geo::UnitId id) { return id == geo::kNone ? "" : g.name(id); }
std::string CodeOr(const geo::Gazetteer& g, geo::UnitId id) { return id == geo::kNone ? "" : g.Code12(id); }

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

Result<geo::UnitId> ResolveScope(const geo::Gazetteer& g, const std::string& scope) {
  if (scope.empty()) return Status::InvalidArgument("no region given");
  std::vector<geo::UnitId> found;
  if (AllDigits(scope)) {
    for (geo::UnitId id = 0; id < static_cast<geo::UnitId>(g.size()); ++id) {
      if (g.level(id) == geo::Level::kTownship) continue;
      if ((scope.size() == 12 ? g.Code12(id) : std::to_string(g.short_code(id))) == scope) found.push_back(id);
    }
  } else {
    for (geo::UnitId id : g.Find(std::string_view(scope))) {
      if (g.level(id) != geo::Level::kTownship) found.push_back(id);
    }
  }
  if (found.empty()) {
    return Status::InvalidArgument("region '" + scope + "' is not a province, city or county of the gazetteer");
  }
  if (found.size() > 1) {
    std::string codes;
    for (geo::UnitId id : found) {
      const geo::UnitId up = g.parent(id);
      codes += (codes.empty() ? "" : ", ") + g.Code12(id) + " " + (up == geo::kNone ? "" : g.name(up)) + g.name(id);
    }
    return Status::InvalidArgument("region '" + scope + "' names " + std::to_string(found.size()) +
                                   " regions (" + codes + "): give its code");
  }
  return found[0];
}

Coverage ComputeCoverage(const geo::Gazetteer& g, geo::UnitId scope, int year,
                         const std::vector<FiledDocument>& documents) {
  Coverage c;
  c.scope_name = g.name(scope);
  c.scope_code = g.Code12(scope);
  c.year = year;
  std::map<std::string, size_t> unit_at;  // township code -> index in c.units
  std::map<std::string, size_t> county_at;
  for (geo::UnitId id = 0; id < static_cast<geo::UnitId>(g.size()); ++id) {
    if (g.level(id) != geo::Level::kTownship || !g.IsWithin(id, scope)) continue;
    const std::string type = geo::UnitTypeOf(g.name32(id));
    if (type.empty()) continue;
    CoverageUnit u;
    u.code = g.Code12(id);
    u.name = g.name(id);
    u.unit_type = type;
    const geo::UnitId county = g.CountyOf(id);
    u.county = NameOr(g, county);
    u.county_code = CodeOr(g, county);
    u.city = NameOr(g, g.CityOf(id));
    u.province = NameOr(g, g.ProvinceOf(id));
    unit_at[u.code] = c.units.size();
    if (!county_at.count(u.county_code)) {
      county_at[u.county_code] = c.counties.size();
      c.counties.push_back({u.county, u.county_code, u.city, 0, 0});
    }
    ++c.counties[county_at[u.county_code]].units;
    c.units.push_back(std::move(u));
  }
  const std::string prefix = std::to_string(g.short_code(scope));
  for (const FiledDocument& d : documents) {
    if (d.year != year) continue;
    auto it = unit_at.find(d.township_code);
    if (it != unit_at.end()) {
      c.units[it->second].reports.push_back(d);
      continue;
    }
    // In the scope by any of its codes, but at no listed unit.
    for (const std::string* code : {&d.township_code, &d.county_code, &d.city_code, &d.province_code}) {
      if (!code->empty() && code->compare(0, prefix.size(), prefix) == 0) {
        c.unplaced.push_back(d);
        break;
      }
    }
  }
  for (const CoverageUnit& u : c.units) {
    if (u.reports.empty()) continue;
    ++c.filed;
    ++c.counties[county_at[u.county_code]].filed;
  }
  return c;
}

}  // namespace reportflow::audit
