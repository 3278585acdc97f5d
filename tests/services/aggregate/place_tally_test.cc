// PlaceTally from serialized heads (a document's place read off the bytes)
// equals the one from parsed metadata, for heads and for whole contributions
// (a store without heads); counts taken back leave the tally of what remains;
// bytes that do not parse are an error.
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

// The heads the tests list, by doc_id.
PlaceTally::HeadReader HeadsOf(const std::vector<apb::DocContribution>& docs) {
  return [&docs](const std::string& doc_id, apb::DocContributionHead* head) {
    for (const apb::DocContribution& d : docs) {
      if (d.doc_id() != doc_id) continue;
      head->set_doc_id(d.doc_id());
      *head->mutable_metadata() = d.metadata();
      return Status::OK();
    }
    return Status::NotFound(doc_id);
  };
}

TEST(PlaceTallyTest, SerializedHeadsCountAsParsedOnes) {
  const std::vector<apb::DocContribution> docs = Documents();
  for (bool whole : {false, true}) {
    PlaceTally parsed, serialized;
    for (const apb::DocContribution& d : docs) {
      apb::DocContributionHead head;
      head.set_doc_id(d.doc_id());
      head.set_source(d.source());
      *head.mutable_metadata() = d.metadata();
      if (d.has_segment_metadata()) *head.mutable_segment_metadata() = d.segment_metadata();
      const std::string bytes = whole ? d.SerializeAsString() : head.SerializeAsString();
      parsed.Count(d.doc_id(), d.metadata(), +1);
      ASSERT_OK(serialized.AddSerialized(d.doc_id(), bytes));
    }
    Result<apb::PlacesSummary> a = serialized.Summary(3, HeadsOf(docs));
    Result<apb::PlacesSummary> b = parsed.Summary(3, HeadsOf(docs));
    ASSERT_OK(a.status());
    ASSERT_OK(b.status());
    EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString())
        << (whole ? "contributions" : "heads") << ": " << a->ShortDebugString() << " vs " << b->ShortDebugString();
    EXPECT_EQ(b->documents(), docs.size());
    EXPECT_GT(b->resolved(), 0u);
    EXPECT_GT(b->unnamed(), 0u);
    EXPECT_GT(b->county_level(), 0u);
    EXPECT_EQ(b->undecided(), b->ambiguous() + b->not_found());
    ASSERT_EQ(b->listed_size(), 3);
    // The first undecided documents in doc_id order.
    EXPECT_LT(b->listed(0).doc_id(), b->listed(1).doc_id());
    EXPECT_LT(b->listed(1).doc_id(), b->listed(2).doc_id());
  }
}

TEST(PlaceTallyTest, CountsTakenBackLeaveTheTallyOfWhatRemains) {
  const std::vector<apb::DocContribution> docs = Documents();
  PlaceTally all, half;
  for (size_t i = 0; i < docs.size(); ++i) {
    all.Count(docs[i].doc_id(), docs[i].metadata(), +1);
    if (i % 2 == 1) half.Count(docs[i].doc_id(), docs[i].metadata(), +1);
  }
  for (size_t i = 0; i < docs.size(); i += 2) all.Count(docs[i].doc_id(), docs[i].metadata(), -1);
  Result<apb::PlacesSummary> a = all.Summary(100, HeadsOf(docs));
  Result<apb::PlacesSummary> b = half.Summary(100, HeadsOf(docs));
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString()) << a->ShortDebugString() << " vs " << b->ShortDebugString();
  EXPECT_EQ(b->documents(), docs.size() / 2);
}

TEST(PlaceTallyTest, BytesThatDoNotParseAreAnError) {
  PlaceTally tally;
  const std::string head = [] {
    apb::DocContributionHead h;
    h.set_doc_id("doc");
    h.mutable_metadata()->mutable_place()->set_status(cpb::PLACE_STATUS_RESOLVED);
    return h.SerializeAsString();
  }();
  EXPECT_EQ(tally.AddSerialized("doc", head.substr(0, head.size() - 1)).code(), StatusCode::kCorruption);
  EXPECT_EQ(tally.AddSerialized("doc", std::string("\xff\xff\xff", 3)).code(), StatusCode::kCorruption);
  ASSERT_OK(tally.AddSerialized("doc", head));
  Result<apb::PlacesSummary> s = tally.Summary(3, HeadsOf({}));
  ASSERT_OK(s.status());
  EXPECT_EQ(s->documents(), 1u);
  EXPECT_EQ(s->resolved(), 1u);
}

}  // namespace
}  // namespace reportflow::aggregate
