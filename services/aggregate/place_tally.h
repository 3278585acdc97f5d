// PlaceTally: how the documents of an aggregate store were placed in the
// administrative hierarchy: counts by resolution status, county-level reports,
// and the undecided documents (ambiguous between gazetteer units, or named but
// not in the gazetteer) that an operator can settle with a scope (`run
// --region`).
//
// The aggregator keeps one current as its groups change documents
// (Aggregator::PlacesSummary), so the service answers `reportflow run` at the
// end of a batch without reading every head again: that read took ~35 ms at
// 20,000 documents and ~175 ms at 100,000, with the pipeline otherwise idle.
// It is first filled from the store's heads, as a reader's is.
// Thread-safety: not thread-safe (one owner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/base/status.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::aggregate {

class PlaceTally {
 public:
  // A document's place counted (`sign` +1) or no longer counted (-1): its
  // metadata as stored in its head.
  void Count(std::string_view doc_id, const common::v1::DocumentMetadata& metadata, int sign);
  // Counts a stored head (or a whole contribution, in a store without heads)
  // of `doc_id`: its unit level and place status are read off the bytes
  // (parsing each head took ~2.8 us). Corruption when the bytes do not parse.
  Status AddSerialized(std::string_view doc_id, std::string_view head);
  // The counts, listing the first `max_listed` undecided documents in doc_id
  // order, their heads read with `head_of`.
  using HeadReader = std::function<Status(const std::string& doc_id, aggregate::v1::DocContributionHead*)>;
  Result<aggregate::v1::PlacesSummary> Summary(size_t max_listed, const HeadReader& head_of) const;
  // The documents counted.
  uint64_t documents() const { return counts_.documents(); }

 private:
  void Count(std::string_view doc_id, int unit_level, int status, int sign);

  aggregate::v1::PlacesSummary counts_;  // never listing
  std::set<std::string, std::less<>> undecided_;
};

}  // namespace reportflow::aggregate
