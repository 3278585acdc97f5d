// The places of a generated province: the reporting units gen-corpus writes
// reports for, with the regions above them.
// Thread-safety: free functions; no shared state.
#pragma once

#include <string>
#include <vector>

#include "cli/corpus_rng.h"

namespace reportflow::cli {

struct Place {
  std::string province, city, county, county_short, township;
};

// The reporting units of one province, enough for `reports` reports.
std::vector<Place> MakeProvincePlaces(Rng& r, int reports);

}  // namespace reportflow::cli
