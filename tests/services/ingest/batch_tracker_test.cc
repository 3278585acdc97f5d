// The batch tracker, the control handler and the ledger on a manual clock and
// the in-memory store.
#include "services/ingest/batch_tracker.h"

#include <fstream>

#include "services/ingest/control_handler.h"
#include "services/ingest/ledger.h"
#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {
namespace pb = ::reportflow::ingest::v1;
namespace ppb = ::reportflow::pipeline::v1;

class BatchTrackerTest : public ::testing::Test {
 protected:
  BatchTrackerTest()
      : store_(storage::NewMemStore(IngestStore::ColumnFamilies())), tracker_(clock_, &store_) {}
  ManualClock clock_{1'700'000'000'000};
  IngestStore store_;
  BatchTracker tracker_;
};

TEST_F(BatchTrackerTest, ABatchIsDoneWhenScannedAndEveryDocumentFinished) {
  BatchTracker::Batch* b = tracker_.Submit("b1", {}, ScanLimits{});
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(tracker_.Submit("b1", {}, ScanLimits{}), nullptr) << "submitted twice";
  EXPECT_EQ(tracker_.Scanning(), b);
  tracker_.Attach(*b, "d1");
  tracker_.Attach(*b, "d2");
  tracker_.Attach(*b, "d2");
  EXPECT_TRUE(tracker_.ScanDone(*b).empty());
  EXPECT_EQ(tracker_.Scanning(), nullptr);
  tracker_.Segmented("d1");
  tracker_.Retried("d2");
  clock_.Advance(1500);
  EXPECT_TRUE(tracker_.Finished("d1", false, 7).empty());
  auto done = tracker_.Finished("d2", true, 0);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], b);
  EXPECT_EQ(tracker_.active(), 0u);
  ASSERT_OK(tracker_.TakeError());

  ppb::BatchStatus st = tracker_.StatusOf(*b, false, PipelineLoad{});
  EXPECT_TRUE(st.done());
  EXPECT_EQ(st.documents(), 2u);
  EXPECT_EQ(st.completed(), 1u);
  EXPECT_EQ(st.quarantined(), 1u);
  EXPECT_EQ(st.metrics(), 7u);
  EXPECT_EQ(st.retries(), 1u);
  EXPECT_EQ(st.segmented(), 1u);
  EXPECT_DOUBLE_EQ(st.elapsed_seconds(), 1.5);
  clock_.Advance(1000);
  EXPECT_DOUBLE_EQ(tracker_.StatusOf(*b, false, PipelineLoad{}).elapsed_seconds(), 1.5) << "frozen when done";

  pb::BatchRecord rec;
  ASSERT_OK(store_.GetBatch("b1", &rec));
  EXPECT_TRUE(rec.scan_done());
  EXPECT_TRUE(rec.has_finished_at());
}

TEST_F(BatchTrackerTest, DocumentsFinishedEarlierAndRejectionsCount) {
  BatchTracker::Batch* b = tracker_.Submit("b1", {}, ScanLimits{});
  tracker_.AttachFinished(*b, "old", /*quarantined=*/false);
  pb::Rejection r;
  r.set_source("x.bin");
  r.set_code(pb::REJECTION_CODE_DUPLICATE);
  ASSERT_OK(tracker_.Reject(*b, r));
  auto done = tracker_.ScanDone(*b);
  ASSERT_EQ(done.size(), 1u);
  ppb::BatchStatus st = tracker_.StatusOf(*b, /*include_rejections=*/true, PipelineLoad{});
  EXPECT_EQ(st.already_complete(), 1u);
  EXPECT_EQ(st.rejected(), 1u);
  EXPECT_EQ(st.duplicates(), 1u);
  ASSERT_EQ(st.rejections_size(), 1);
  EXPECT_EQ(st.rejections(0).source(), "x.bin");
}

TEST_F(BatchTrackerTest, ControlRequestsSubmitReportAndStop) {
  testing::TempDir dir;
  {
    std::ofstream(dir.path() / "a.txt") << "某镇2024年法治政府建设工作报告\n调解矛盾纠纷90余件。\n";
  }
  PipelineLoad load;
  load.segment_workers = 2;
  ControlHandler handler(&tracker_, ScanLimits{}, [&] { return load; });
  ppb::ControlRequest req;
  req.mutable_submit()->set_batch_id("b1");
  req.mutable_submit()->add_paths(dir.path().string());
  ControlOutcome outcome;
  ppb::ControlResponse resp = handler.Handle(req, &outcome);
  EXPECT_TRUE(outcome.submitted);
  EXPECT_FALSE(outcome.shutdown);
  EXPECT_EQ(resp.status().batch_id(), "b1");
  EXPECT_EQ(resp.status().segment_workers(), 2u);
  ASSERT_NE(tracker_.Scanning(), nullptr);
  ScanItem item;
  ASSERT_TRUE(tracker_.Scanning()->scanner->Next(&item));
  EXPECT_FALSE(item.rejected);

  outcome = {};
  handler.Handle(req, &outcome);
  EXPECT_FALSE(outcome.submitted) << "the same batch again is its status";

  ppb::ControlRequest bad;
  bad.mutable_status()->set_batch_id("nope");
  EXPECT_NE(handler.Handle(bad, &outcome).error().find("unknown batch"), std::string::npos);
  ppb::ControlRequest unnamed;
  unnamed.mutable_submit();
  EXPECT_FALSE(handler.Handle(unnamed, &outcome).error().empty());
  ppb::ControlRequest stop;
  stop.mutable_shutdown();
  handler.Handle(stop, &outcome);
  EXPECT_TRUE(outcome.shutdown);
}

TEST_F(BatchTrackerTest, TheLedgerCommitsAPassInOneBatchAndQuarantineWins) {
  Ledger ledger(&store_);
  pb::LedgerEntry e;
  e.set_doc_id("d1");
  e.set_state(pb::DOC_STATE_INGESTED);
  ledger.Write(e);
  pb::LedgerEntry read;
  ASSERT_OK(ledger.Read("d1", &read));
  EXPECT_EQ(read.state(), pb::DOC_STATE_INGESTED);
  EXPECT_EQ(store_.GetLedger("d1", &read).code(), StatusCode::kNotFound) << "not before the commit";
  ASSERT_OK(ledger.Commit());
  ASSERT_OK(store_.GetLedger("d1", &read));

  e.set_state(pb::DOC_STATE_SEGMENTED);
  ledger.Write(e);
  ASSERT_OK(ledger.Quarantine(e, "segment", "boom"));
  ASSERT_OK(ledger.Commit());  // the pending SEGMENTED write was superseded
  ASSERT_OK(store_.GetLedger("d1", &read));
  EXPECT_EQ(read.state(), pb::DOC_STATE_QUARANTINED);
  EXPECT_EQ(read.last_error(), "boom");
  EXPECT_EQ(ledger.cached(), 0u);
}

TEST_F(BatchTrackerTest, TheLedgerChangesEntriesInPlaceAndAFinishedEntryLeavesTheCache) {
  Ledger ledger(&store_);
  pb::LedgerEntry e;
  e.set_doc_id("d1");
  e.set_state(pb::DOC_STATE_INGESTED);
  ledger.Write(e);
  ASSERT_OK(ledger.Commit());
  EXPECT_EQ(ledger.Update("nope", [](pb::LedgerEntry&) { return true; }).code(), StatusCode::kNotFound);
  // Looked at, not changed: nothing to write.
  std::string batch;
  ASSERT_OK(ledger.Update("d1", [&](const pb::LedgerEntry& entry) {
    batch = entry.batch_id();
    return false;
  }));
  ASSERT_OK(ledger.Update("d1", [](pb::LedgerEntry& entry) {
    entry.set_state(pb::DOC_STATE_SEGMENTED);
    return true;
  }));
  pb::LedgerEntry read;
  ASSERT_OK(store_.GetLedger("d1", &read));
  EXPECT_EQ(read.state(), pb::DOC_STATE_INGESTED) << "not before the commit";
  ASSERT_OK(ledger.Commit());
  ASSERT_OK(store_.GetLedger("d1", &read));
  EXPECT_EQ(read.state(), pb::DOC_STATE_SEGMENTED);
  EXPECT_EQ(ledger.cached(), 1u);
  // Complete: out of the cache at once, still read as complete before the commit.
  ASSERT_OK(ledger.Update("d1", [](pb::LedgerEntry& entry) {
    entry.set_state(pb::DOC_STATE_COMPLETE);
    return true;
  }));
  EXPECT_EQ(ledger.cached(), 0u);
  ASSERT_OK(ledger.Read("d1", &read));
  EXPECT_EQ(read.state(), pb::DOC_STATE_COMPLETE);
  ASSERT_OK(ledger.Commit());
  ASSERT_OK(store_.GetLedger("d1", &read));
  EXPECT_EQ(read.state(), pb::DOC_STATE_COMPLETE);
  // An entry only in the store is loaded for the change, and cached while unfinished.
  pb::LedgerEntry d2;
  d2.set_doc_id("d2");
  d2.set_state(pb::DOC_STATE_INGESTED);
  ASSERT_OK(store_.PutLedger(d2));
  ASSERT_OK(ledger.Update("d2", [](pb::LedgerEntry& entry) {
    entry.set_attempts(1);
    return true;
  }));
  EXPECT_EQ(ledger.cached(), 1u);
  ASSERT_OK(ledger.Commit());
  ASSERT_OK(store_.GetLedger("d2", &read));
  EXPECT_EQ(read.attempts(), 1u);
}

}  // namespace
}  // namespace reportflow::ingest
