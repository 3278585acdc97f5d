// PlaceTally from serialized heads: a placed or unnamed document is counted
// from the bytes alone, an undecided one parsed whole; the summary equals the
// one from parsed heads, for heads and for whole contributions (a store
// without heads), and bytes that do not parse are an error.
#include "services/aggregate/place_tally.h"

#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;

std::vector<apb::DocContribution> Documents() {
  const cpb::PlaceStatus statuses[] = {cpb::PLACE_STATUS_RESOLVED, cpb::PLACE_STATUS_AMBIGUOUS,
                                       cpb::PLACE_STATUS_NOT_FOUND, cpb::PLACE_STATUS_UNKNOWN,
                                       cpb::PLACE_STATUS_UNSPECIFIED};
  std::vector<apb::DocContribution> docs;
  for (int i = 0; i < 40; ++i) {
    apb::DocContribution d;
    d.set_doc_id("doc-" + std::to_string(i));
    d.set_source("reports/" + std::to_string(i) + ".txt");
    cpb::DocumentMetadata* m = d.mutable_metadata();
    m->set_township("花溪乡");
    m->set_year(2023);
    if (i % 3 == 0) m->set_unit_level(cpb::REGION_LEVEL_COUNTY);
    // Some without a place at all (status 0), the rest with candidates and written forms around the status.
    if (i % 7 != 6) {
      cpb::PlaceResolution* p = m->mutable_place();
      p->set_township_written("花溪鄉");
      p->add_candidates()->set_code("520111100000");
      p->set_status(statuses[i % 5]);
    }
    if (i % 4 == 0) *d.mutable_segment_metadata() = *m;
    d.add_metrics()->set_metric_id("mediation.cases");
    docs.push_back(d);
  }
  return docs;
}

TEST(PlaceTallyTest, SerializedHeadsCountAsParsedOnes) {
  for (bool whole : {false, true}) {
    PlaceTally parsed(3), serialized(3);
    for (const apb::DocContribution& d : Documents()) {
      apb::DocContributionHead head;
      head.set_doc_id(d.doc_id());
      head.set_source(d.source());
      *head.mutable_metadata() = d.metadata();
      if (d.has_segment_metadata()) *head.mutable_segment_metadata() = d.segment_metadata();
      const std::string bytes = whole ? d.SerializeAsString() : head.SerializeAsString();
      apb::DocContributionHead read;  // as a reader parses what is stored
      ASSERT_TRUE(read.ParseFromString(bytes));
      parsed.Add(read);
      ASSERT_OK(serialized.AddSerialized(bytes));
    }
    EXPECT_EQ(serialized.summary().SerializeAsString(), parsed.summary().SerializeAsString())
        << (whole ? "contributions" : "heads") << ": " << serialized.summary().ShortDebugString() << " vs "
        << parsed.summary().ShortDebugString();
    EXPECT_GT(parsed.summary().resolved(), 0u);
    EXPECT_GT(parsed.summary().unnamed(), 0u);
    EXPECT_GT(parsed.summary().county_level(), 0u);
    EXPECT_EQ(parsed.summary().listed_size(), 3);
  }
}

TEST(PlaceTallyTest, BytesThatDoNotParseAreAnError) {
  PlaceTally tally(3);
  const std::string head = [] {
    apb::DocContributionHead h;
    h.set_doc_id("doc");
    h.mutable_metadata()->mutable_place()->set_status(cpb::PLACE_STATUS_RESOLVED);
    return h.SerializeAsString();
  }();
  EXPECT_EQ(tally.AddSerialized(head.substr(0, head.size() - 1)).code(), StatusCode::kCorruption);
  EXPECT_EQ(tally.AddSerialized(std::string("\xff\xff\xff", 3)).code(), StatusCode::kCorruption);
  EXPECT_EQ(tally.summary().documents(), 0u);
  ASSERT_OK(tally.AddSerialized(head));
  EXPECT_EQ(tally.summary().resolved(), 1u);
}

}  // namespace
}  // namespace reportflow::aggregate
