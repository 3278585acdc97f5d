// PlaceSummary: how the documents of a data directory were placed in the
// administrative hierarchy, for the completion report of `reportflow run`:
// counts by resolution status and the documents whose place is not decided
// (ambiguous between gazetteer units, or named but not in the gazetteer),
// with their candidates, so an operator can give a scope (`run --region`).
// Thread-safety: free functions.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "common/base/status.h"

namespace reportflow::cli {

// Prints the "places" lines of the completion report for the documents of
// `data_dir` (at most `max_listed` undecided documents by name). Reads the
// stores without a lock, so it works while services run.
Status PrintPlaceSummary(const std::string& data_dir, std::ostream& out, size_t max_listed = 10);

}  // namespace reportflow::cli
