// The places of a generated province: real reporting units from the national
// gazetteer (common/geo), with the regions above them, so rollups of a
// generated batch by city and county have many rows.
// Thread-safety: free functions; no shared state (the gazetteer is immutable).
#pragma once

#include <string>
#include <vector>

#include "cli/corpus_rng.h"

namespace reportflow::cli {

struct Place {
  // Canonical gazetteer names; county_short is the county without its
  // suffix (巫溪县 -> 巫溪), used for document-number prefixes.
  std::string province, city, county, county_short, township;
  // 12-digit statistical codes of the same units.
  std::string province_code, city_code, county_code, township_code;
};

// The reporting units of one real province (not a municipality), enough for
// `reports` reports: several cities, 3-7 counties each, 6-14 townships per
// county, of every kind the province has (乡, 镇, 街道, 民族乡, 苏木).
std::vector<Place> MakeProvincePlaces(Rng& r, int reports);

}  // namespace reportflow::cli
