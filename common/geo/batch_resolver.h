// Batch evidence: when the other documents of a batch were placed in one
// province or city, that decides an AMBIGUOUS document whose candidates
// include exactly one unit there. A segment worker sees one document at a
// time, so this runs where the batch is known (the aggregate stage).
//
// Dominance rule (conservative): among at least kMinResolved RESOLVED
// documents, one city (4-digit code prefix) holds at least 80% of them and
// exactly one candidate lies in that city -> that candidate. Otherwise the
// same test for one province (2-digit prefix). Otherwise nothing: the
// document stays AMBIGUOUS.
//
// Pure functions; BatchTally is a plain value (not thread-safe to mutate).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/geo/gazetteer.h"
#include "reportflow/common/v1/common.pb.h"

namespace reportflow::geo {

inline constexpr int kMinResolved = 5;
inline constexpr double kDominantShare = 0.8;

// Counts of RESOLVED documents by province and city code prefix.
struct BatchTally {
  int resolved = 0;
  std::map<std::string, int> provinces;  // 2-digit code prefix -> documents
  std::map<std::string, int> cities;     // 4-digit code prefix -> documents

  // Counts `meta` if its place is RESOLVED (township or county code known).
  void Add(const common::v1::DocumentMetadata& meta);
  // Removes a document counted before (re-processing replaces a contribution).
  void Remove(const common::v1::DocumentMetadata& meta);
};

// The candidate of an AMBIGUOUS resolution the batch decides, if any.
std::optional<common::v1::PlaceCandidate> ResolveByBatch(const common::v1::PlaceResolution& ambiguous,
                                                         const BatchTally& tally);

// What ResolveByBatch's answers depend on: the dominant city and province
// prefixes ("" when none). While it stays the same, every decision stays the
// same, so a caller re-decides its ambiguous documents only when it changes.
std::string DominanceSignature(const BatchTally& tally);

// Places `meta` at `candidate` (a gazetteer unit named by its name and code):
// fills township/county/city/province and their codes, sets status RESOLVED
// and appends `source` (candidates are kept). False if no such unit.
bool ApplyCandidate(const Gazetteer& gazetteer, const common::v1::PlaceCandidate& candidate,
                    common::v1::PlaceSource source, common::v1::DocumentMetadata* meta);

// Applies ResolveByBatch to `meta`: on success fills township/county/city/
// province and their codes from the gazetteer, sets status RESOLVED and
// appends PLACE_SOURCE_BATCH (candidates are kept). Returns true if changed.
bool ApplyBatchResolution(const Gazetteer& gazetteer, const BatchTally& tally,
                          common::v1::DocumentMetadata* meta);

}  // namespace reportflow::geo
