#include "services/aggregate/place_tally.h"

namespace reportflow::aggregate {

namespace cpb = ::reportflow::common::v1;

void PlaceTally::Add(const aggregate::v1::DocContributionHead& head) {
  const cpb::DocumentMetadata& m = head.metadata();
  summary_.set_documents(summary_.documents() + 1);
  if (m.unit_level() == cpb::REGION_LEVEL_COUNTY) summary_.set_county_level(summary_.county_level() + 1);
  switch (m.place().status()) {
    case cpb::PLACE_STATUS_RESOLVED:
      summary_.set_resolved(summary_.resolved() + 1);
      return;
    case cpb::PLACE_STATUS_AMBIGUOUS:
      summary_.set_ambiguous(summary_.ambiguous() + 1);
      break;
    case cpb::PLACE_STATUS_NOT_FOUND:
      summary_.set_not_found(summary_.not_found() + 1);
      break;
    default:
      summary_.set_unnamed(summary_.unnamed() + 1);
      return;
  }
  summary_.set_undecided(summary_.undecided() + 1);
  if (static_cast<size_t>(summary_.listed_size()) < max_listed_) *summary_.add_listed() = head;
}

}  // namespace reportflow::aggregate
