// Coverage: which reporting units of a region have filed a report for a year,
// against the gazetteer's list of units.
//
// The units are every township-level unit under the scope whose name is a
// 乡, 镇, 民族乡, 街道 or 苏木 (geo::UnitTypeOf): the statistical table's other
// township-level entries (开发区, 农场, 林场 ...) do not file these reports
// and are not counted as missing. A unit has filed when a document placed at
// its code (resolved place) reports on the year. Documents of the scope
// placed at no unit of the list (a name the gazetteer lacks, a county's own
// report) are listed apart, so nothing is silently dropped.
// Thread-safety: free functions; the gazetteer is immutable.
#pragma once

#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/geo/gazetteer.h"

namespace reportflow::audit {

// A document as coverage sees it (its resolved place and year).
struct FiledDocument {
  std::string doc_id, source;
  std::string township, township_code;  // code "" when not resolved
  std::string county_code, city_code, province_code;
  int year = 0;
};

struct CoverageUnit {
  std::string code, name, unit_type;
  std::string county, county_code, city, province;
  std::vector<FiledDocument> reports;  // empty = missing
};

struct CoverageCounty {
  std::string name, code, city;
  int units = 0, filed = 0;
  double share() const { return units == 0 ? 0 : static_cast<double>(filed) / units; }
};

struct Coverage {
  std::string scope_name, scope_code;
  int year = 0;
  std::vector<CoverageUnit> units;          // in code order
  std::vector<CoverageCounty> counties;     // in code order
  std::vector<FiledDocument> unplaced;      // documents of the scope and year at no listed unit
  int filed = 0;
  double share() const { return units.empty() ? 0 : static_cast<double>(filed) / units.size(); }
};

// The gazetteer unit `scope` names: a province, city or county by full name
// (traditional characters allowed) or code (2, 4, 6 or 12 digits). An unknown
// name or one that names several regions is an InvalidArgument that says so.
Result<geo::UnitId> ResolveScope(const geo::Gazetteer& gazetteer, const std::string& scope);

// The coverage of `scope` in `year` by `documents` (any documents: those
// outside the scope or of another year are ignored).
Coverage ComputeCoverage(const geo::Gazetteer& gazetteer, geo::UnitId scope, int year,
                         const std::vector<FiledDocument>& documents);

}  // namespace reportflow::audit
