// PlaceSummary: how the documents of a data directory were placed in the
// administrative hierarchy, for the completion report of `reportflow run`:
// counts by resolution status and the documents whose place is not decided
// (ambiguous between gazetteer units, or named but not in the gazetteer),
// with their candidates, so an operator can give a scope (`run --region`).
//
// The tally itself is services/aggregate/place_tally.h. `run` asks the running
// aggregate service for it when the batch is done (AskPlaceSummary: the
// service holds its store open, so nothing is read again), and reads the
// store only when the service could not answer (ReadPlaceSummary).
// Thread-safety: free functions.
#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

#include "common/base/result.h"
#include "common/config/config_loader.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::cli {

// Undecided documents listed by name in the completion report.
inline constexpr size_t kPlacesListed = 10;

// The tally of the documents in `data_dir`'s aggregate store. Reads the store
// without a lock, so it works while services run.
Result<aggregate::v1::PlacesSummary> ReadPlaceSummary(const std::string& data_dir, size_t max_listed = kPlacesListed);

// The same, asked of the aggregate service of `cfg` on its snapshot endpoint;
// DeadlineExceeded when no answer came within `timeout`.
Result<aggregate::v1::PlacesSummary> AskPlaceSummary(const config::PipelineConfig& cfg, size_t max_listed,
                                                     std::chrono::milliseconds timeout);

// Prints the "places" lines of the completion report.
void PrintPlaceSummary(const aggregate::v1::PlacesSummary& summary, const std::string& data_dir, std::ostream& out);

}  // namespace reportflow::cli
