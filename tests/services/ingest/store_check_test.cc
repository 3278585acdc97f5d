// StoreCheck on a manual clock and the in-memory store: which complete
// documents lost their results when a stage's store was replaced.
#include "services/ingest/store_check.h"

#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {
namespace pb = ::reportflow::ingest::v1;

class StoreCheckTest : public ::testing::Test {
 protected:
  StoreCheckTest() : store_(storage::NewMemStore(IngestStore::ColumnFamilies())) {}
  void Complete(const std::string& doc_id, const std::string& seg, const std::string& ext, const std::string& agg) {
    pb::LedgerEntry e;
    e.set_doc_id(doc_id);
    e.set_state(pb::DOC_STATE_COMPLETE);
    e.set_segment_store(seg);
    e.set_extract_store(ext);
    e.set_aggregate_store(agg);
    ASSERT_TRUE(store_.PutLedger(e).ok());
  }
  void ReportAll(StoreCheck& check, const std::string& seg, const std::string& ext, const std::string& agg) {
    ASSERT_TRUE(check.Report("segment", "segment-0", seg, "").ok());
    ASSERT_TRUE(check.Report("extract", "extract-0", ext, "").ok());
    ASSERT_TRUE(check.Report("aggregate", "", agg, "").ok());
  }
  ManualClock clock_{1'700'000'000'000};
  IngestStore store_;
};

TEST_F(StoreCheckTest, NothingToJudgeUntilEveryStageReported) {
  StoreCheck check(clock_, &store_);
  ASSERT_TRUE(check.Load().ok());
  EXPECT_TRUE(check.Due());
  EXPECT_FALSE(check.Settled());
  ASSERT_TRUE(check.Report("segment", "segment-0", "s1", "store created").ok());
  ASSERT_TRUE(check.Report("extract", "extract-0", "e1", "").ok());
  EXPECT_FALSE(check.Settled()) << "aggregate has not reported";
  ASSERT_TRUE(check.Report("aggregate", "", "a1", "").ok());
  EXPECT_TRUE(check.Settled());
  auto outcome = check.Judge();
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->reprocess.empty());
  EXPECT_FALSE(check.Due());
  EXPECT_EQ(check.StoreOf("segment", "segment-0"), "s1");
}

TEST_F(StoreCheckTest, AReplacedStoreSendsItsDocumentsBackAfterTheSettleTime) {
  {
    StoreCheck first(clock_, &store_);
    ASSERT_TRUE(first.Load().ok());
    ReportAll(first, "s1", "e1", "a1");
  }
  Complete("d1", "s1", "e1", "a1");
  Complete("d2", "s1", "e1", "a1");
  Complete("d3", "", "", "");  // recorded before stores had ids: vouched for by nobody, kept
  pb::LedgerEntry quarantined;
  quarantined.set_doc_id("d4");
  quarantined.set_state(pb::DOC_STATE_QUARANTINED);
  ASSERT_TRUE(store_.PutLedger(quarantined).ok());

  StoreCheck check(clock_, &store_, /*settle_ms=*/5000);
  ASSERT_TRUE(check.Load().ok());
  ReportAll(check, "s1", "e1", "a2");  // aggregate's store was rebuilt
  EXPECT_FALSE(check.Settled()) << "a1 may still report (another worker starting)";
  clock_.Advance(5000);
  ASSERT_TRUE(check.Settled());
  auto outcome = check.Judge();
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->reprocess.size(), 2u);
  EXPECT_EQ(outcome->reprocess[0].doc_id(), "d1");
  EXPECT_EQ(outcome->reprocess[1].doc_id(), "d2");
  ASSERT_EQ(outcome->notes.size(), 1u);
  EXPECT_NE(outcome->notes[0].find("aggregate store a1 is gone"), std::string::npos) << outcome->notes[0];
  EXPECT_NE(outcome->notes[0].find("2 complete documents"), std::string::npos) << outcome->notes[0];
  ASSERT_TRUE(check.Forget(*outcome).ok());

  // Forgotten: a later start has nothing stale.
  StoreCheck later(clock_, &store_);
  ASSERT_TRUE(later.Load().ok());
  ReportAll(later, "s1", "e1", "a2");
  ASSERT_TRUE(later.Settled());
  auto again = later.Judge();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->reprocess.empty());
}

TEST_F(StoreCheckTest, ANewStoreMidRunMakesAJudgementDueAgain) {
  StoreCheck check(clock_, &store_);
  ASSERT_TRUE(check.Load().ok());
  ReportAll(check, "s1", "e1", "a1");
  ASSERT_TRUE(check.Judge().ok());
  EXPECT_FALSE(check.Due());
  bool fresh = false;
  ASSERT_TRUE(check.Report("segment", "segment-0", "s1", "", &fresh).ok());
  EXPECT_FALSE(fresh);
  EXPECT_FALSE(check.Due());
  ASSERT_TRUE(check.Report("segment", "segment-0", "s2", "moved damaged store aside", &fresh).ok());
  EXPECT_TRUE(fresh);
  EXPECT_TRUE(check.Due());
}

}  // namespace
}  // namespace reportflow::ingest

namespace reportflow::ingest {
namespace {

class StoreCountTest : public StoreCheckTest {};

// A live store that holds fewer documents than the ledger has complete there
// lost records inside itself (a dropped WAL tail, deleted keys): its complete
// documents are processed again; a store holding as many or more (documents
// applied but not acknowledged yet, quarantined ones) is trusted.
TEST_F(StoreCountTest, AStoreHoldingFewerDocumentsThanTheLedgerSendsThemBack) {
  Complete("d1", "s1", "e1", "a1");
  Complete("d2", "s1", "e1", "a1");
  Complete("d3", "s1", "e1", "a1");
  Complete("d4", "s1", "e1", "a2");  // another aggregate store, not short
  {
    StoreCheck check(clock_, &store_);
    ASSERT_TRUE(check.Load().ok());
    check.ReportCount("aggregate", "a1", 3);
    check.ReportCount("aggregate", "a1", 4);  // the latest count counts
    ReportAll(check, "s1", "e1", "a1");
    ASSERT_TRUE(check.Report("aggregate", "", "a2", "").ok());
    check.ReportCount("aggregate", "a2", 1);
    ASSERT_TRUE(check.Settled());
    auto outcome = check.Judge();
    ASSERT_TRUE(outcome.ok());
    EXPECT_TRUE(outcome->reprocess.empty());
    EXPECT_TRUE(outcome->notes.empty());
  }
  StoreCheck check(clock_, &store_);
  ASSERT_TRUE(check.Load().ok());
  check.ReportCount("aggregate", "a1", 2);
  check.ReportCount("segment", "s1", 4);
  ReportAll(check, "s1", "e1", "a1");
  ASSERT_TRUE(check.Report("aggregate", "", "a2", "").ok());
  clock_.Advance(5000);
  ASSERT_TRUE(check.Settled());
  auto outcome = check.Judge();
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->reprocess.size(), 3u);
  EXPECT_EQ(outcome->reprocess[0].doc_id(), "d1");
  EXPECT_EQ(outcome->reprocess[2].doc_id(), "d3");
  ASSERT_EQ(outcome->notes.size(), 1u);
  EXPECT_NE(outcome->notes[0].find("aggregate store a1 holds 2 documents but the ledger has 3 complete there"),
            std::string::npos)
      << outcome->notes[0];
  EXPECT_TRUE(outcome->stale.empty()) << "a short store is live: it is not forgotten";
}

}  // namespace
}  // namespace reportflow::ingest

namespace reportflow::ingest {
namespace {

// `quarantine replay` (IngestStore::Release): the released document starts a
// new round of attempts, its attempt numbers going on after the quarantined
// ones (aggregate refuses late results of those, never the replay's), and its
// withdrawal is cleared; releasing again changes nothing.
TEST(IngestStoreReleaseTest, AReleasedDocumentKeepsCountingAttempts) {
  IngestStore store(storage::NewMemStore(IngestStore::ColumnFamilies()));
  pb::LedgerEntry e;
  e.set_doc_id("d1");
  e.set_state(pb::DOC_STATE_QUARANTINED);
  e.set_attempts(3);
  e.set_attempt_base(2);
  e.set_withdrawal(pb::WITHDRAWAL_STATE_CONFIRMED);
  ASSERT_TRUE(store.Quarantine(e).ok());
  bool released = false;
  ASSERT_TRUE(store.Release("d1", &released).ok());
  EXPECT_TRUE(released);
  pb::LedgerEntry got;
  ASSERT_TRUE(store.GetLedger("d1", &got).ok());
  EXPECT_EQ(got.state(), pb::DOC_STATE_INGESTED);
  EXPECT_EQ(got.attempts(), 0u);
  EXPECT_EQ(got.attempt_base(), 5u);
  EXPECT_EQ(got.withdrawal(), pb::WITHDRAWAL_STATE_UNSPECIFIED);
  ASSERT_TRUE(store.Release("d1", &released).ok());
  EXPECT_FALSE(released);
  ASSERT_TRUE(store.GetLedger("d1", &got).ok());
  EXPECT_EQ(got.attempt_base(), 5u);
}

}  // namespace
}  // namespace reportflow::ingest
