// The stream events of Aggregator::Apply, replayed into a StreamState (the
// consumer's copy), reproduce the aggregator's rollups exactly; sequences are
// persisted; stale events, gaps and topic prefixes behave as the Clone pattern needs.
#include "common/stream/stream_state.h"

#include <map>

#include "common/stream/topics.h"
#include "services/aggregate/aggregator.h"
#include "tests/services/aggregate/aggregate_test_docs.h"
#include "tests/testing/test_util.h"

namespace reportflow::stream {
namespace {

namespace cpb = ::reportflow::common::v1;
namespace epb = ::reportflow::extract::v1;
namespace apb = ::reportflow::aggregate::v1;
using aggregate::Aggregator;
using testing::AggregatorRows;
using testing::Doc;
using testing::Rows;
using testing::StateRows;

apb::SnapshotChunk SnapshotOf(const Aggregator& agg) {
  apb::SnapshotChunk chunk;
  chunk.set_sequence(*agg.LastSequence());
  EXPECT_OK(agg.ForEachRollup([&](const apb::Rollup& r) {
    *chunk.add_rollups() = aggregate::WithoutHistogram(r);  // as the service sends them
  }));
  EXPECT_OK(agg.ForEachRegion([&](const apb::RegionCount& rc) { *chunk.add_regions() = rc; }));
  chunk.set_last(true);
  return chunk;
}

class StreamStateTest : public ::testing::Test {
 protected:
  std::vector<apb::StreamEvent> Apply(const std::string& doc_id, const epb::ExtractionResult& r) {
    auto change = agg_.Apply(doc_id, r);
    EXPECT_OK(change.status());
    return change.ok() ? testing::Decoded(change->events) : std::vector<apb::StreamEvent>{};
  }
  std::unique_ptr<storage::Store> store_ = storage::NewMemStore(Aggregator::ColumnFamilies());
  Aggregator agg_{store_.get()};
};

TEST_F(StreamStateTest, EventsReplayToTheAggregatorsStateWithConsecutiveSequences) {
  StreamState state;
  uint64_t expected = 1;
  auto feed = [&](const std::vector<apb::StreamEvent>& events) {
    for (const auto& e : events) {
      EXPECT_EQ(e.sequence(), expected++);
      EXPECT_EQ(state.Apply(e), StreamState::Outcome::kApplied);
    }
  };
  feed(Apply("d1", Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 90}, {"training.sessions", 2}})));
  feed(Apply("d2", Doc("乙镇", "某县", 2023, {{"mediation.disputes_handled", 10}})));
  EXPECT_TRUE(Apply("d2", Doc("乙镇", "某县", 2023, {{"mediation.disputes_handled", 10}})).empty());  // unchanged
  // Re-extraction drops a metric and moves a document: removals are events too.
  feed(Apply("d1", Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 91}})));
  feed(Apply("d2", Doc("乙镇", "他县", 2024, {{"mediation.disputes_handled", 10}})));
  EXPECT_EQ(state.sequence(), *agg_.LastSequence());
  EXPECT_EQ(StateRows(state), AggregatorRows(agg_));
  EXPECT_FALSE(StateRows(state).empty());

  // The sequence survives a restart (it is stored with the change).
  Aggregator reopened(store_.get());
  EXPECT_EQ(*reopened.LastSequence(), expected - 1);
  auto more = reopened.Apply("d3", Doc("丙乡", "某县", 2023, {{"training.sessions", 1}}));
  ASSERT_OK(more.status());
  ASSERT_FALSE(more->events.empty());
  EXPECT_EQ(testing::Decoded(more->events).front().sequence(), expected);
}

TEST_F(StreamStateTest, TopicsNameKindMetricAndRegion) {
  auto events = Apply("d1", Doc("甲乡", "巫溪县", 2023, {{"mediation.disputes_handled", 5}}));
  std::vector<std::string> topics;
  for (const auto& e : events) topics.push_back(TopicOf(e));
  EXPECT_NE(std::find(topics.begin(), topics.end(), "metric.mediation.disputes_handled.甲乡"), topics.end());
  EXPECT_NE(std::find(topics.begin(), topics.end(), "agg.county.巫溪县.mediation.disputes_handled"), topics.end());
  EXPECT_NE(std::find(topics.begin(), topics.end(), "agg.city..mediation.disputes_handled"), topics.end())
      << "a document without a city is kept under an empty (unknown) city, never dropped";
  EXPECT_NE(std::find(topics.begin(), topics.end(), "region.township.甲乡"), topics.end());
  EXPECT_TRUE(MatchesAny("agg.county.巫溪县.mediation.x", {"metric.", "agg.county.巫溪县."}));
  EXPECT_FALSE(MatchesAny("agg.county.巫山县.mediation.x", {"agg.county.巫溪县."}));
}

TEST_F(StreamStateTest, SnapshotThenLaterEventsConvergeAndGapsAreDetected) {
  Apply("d1", Doc("甲乡", "某县", 2023, {{"mediation.disputes_handled", 90}}));
  const apb::SnapshotChunk snap = SnapshotOf(agg_);
  auto e2 = Apply("d2", Doc("乙镇", "某县", 2023, {{"mediation.disputes_handled", 10}}));
  auto e3 = Apply("d3", Doc("丙乡", "某县", 2023, {{"mediation.disputes_handled", 30}}));

  StreamState state;
  state.Reset(snap.sequence());
  state.AddSnapshot(snap);
  // Events from before the snapshot (buffered while it was fetched) are stale.
  apb::StreamEvent old;
  old.set_sequence(snap.sequence());
  *old.mutable_region() = apb::RegionCount();
  EXPECT_EQ(state.Apply(old), StreamState::Outcome::kStale);
  for (const auto& e : e2) EXPECT_EQ(state.Apply(e), StreamState::Outcome::kApplied);
  // Lose the first event of d3: the next one is a gap and is not applied.
  ASSERT_GE(e3.size(), 2u);
  EXPECT_EQ(state.Apply(e3[1]), StreamState::Outcome::kGap);
  EXPECT_NE(StateRows(state), AggregatorRows(agg_));
  // A heartbeat announcing a later sequence is a gap too; the current one is not.
  apb::StreamEvent hb;
  hb.mutable_heartbeat();
  hb.set_sequence(*agg_.LastSequence());
  EXPECT_EQ(state.Apply(hb), StreamState::Outcome::kGap);
  // Repair: a new snapshot.
  const apb::SnapshotChunk again = SnapshotOf(agg_);
  state.Reset(again.sequence());
  state.AddSnapshot(again);
  EXPECT_EQ(state.Apply(hb), StreamState::Outcome::kHeartbeat);
  EXPECT_EQ(StateRows(state), AggregatorRows(agg_));
}

TEST_F(StreamStateTest, PrefixesKeepOnlyMatchingRollupsWithTheSameCoverage) {
  Apply("d1", Doc("甲乡", "巫溪县", 2023, {{"mediation.disputes_handled", 90}, {"training.sessions", 2}}));
  Apply("d2", Doc("乙镇", "巫山县", 2023, {{"mediation.disputes_handled", 10}}));
  Apply("d3", Doc("丙乡", "巫溪县", 2023, {{"training.sessions", 4}}));
  const std::vector<std::string> prefixes = {"agg.county.巫溪县."};
  StreamState state(prefixes);
  const apb::SnapshotChunk snap = SnapshotOf(agg_);
  state.Reset(snap.sequence());
  state.AddSnapshot(snap);
  EXPECT_EQ(state.rollup_count(), 2u);
  EXPECT_EQ(StateRows(state), AggregatorRows(agg_, prefixes));
}

}  // namespace
}  // namespace reportflow::stream
