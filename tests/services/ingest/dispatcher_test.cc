// The dispatcher's decisions with a manual clock: leases, re-dispatch,
// quarantine and late results, with no sleeps and no sockets.
#include "services/ingest/dispatcher.h"

#include <set>
#include <string>

#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {

constexpr int64_t kLease = 1000;

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() : dispatcher_(clock_, Limits()) {}
  static DispatchLimits Limits() {
    DispatchLimits l;
    l.max_attempts = 3;
    l.lease_ms = kLease;
    l.worker_silence_ms = 5000;
    return l;
  }
  // Takes and sends the next assignment of `stage`.
  Assignment Send(Stage stage) {
    std::vector<Retry> exhausted;
    auto a = dispatcher_.Next(stage, &exhausted);
    EXPECT_TRUE(a.has_value());
    EXPECT_TRUE(exhausted.empty());
    if (!a) return {};
    dispatcher_.Dispatched(*a);
    return *a;
  }
  ManualClock clock_{1'000'000};
  Dispatcher dispatcher_;
};

TEST_F(DispatcherTest, NothingGoesToAWorkerThatDidNotAsk) {
  ASSERT_TRUE(dispatcher_.Submit("d1", 0));
  EXPECT_FALSE(dispatcher_.Submit("d1", 0)) << "already queued";
  std::vector<Retry> exhausted;
  EXPECT_FALSE(dispatcher_.Next(Stage::kSegment, &exhausted).has_value());
  dispatcher_.OnReady(Stage::kSegment, "s1", 1, true);
  Assignment a = Send(Stage::kSegment);
  EXPECT_EQ(a.doc_id, "d1");
  EXPECT_EQ(a.worker, "s1");
  EXPECT_EQ(a.attempt, 1u);
  EXPECT_EQ(dispatcher_.in_flight(), 1u);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 0u);
}

TEST_F(DispatcherTest, ADocumentFlowsThroughBothStagesToItsAck) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "s1", 4, true);
  dispatcher_.OnReady(Stage::kExtract, "e1", 4, true);
  Assignment seg = Send(Stage::kSegment);
  EXPECT_EQ(dispatcher_.OnSegmented("d1", seg.attempt), Verdict::kAccepted);
  EXPECT_EQ(dispatcher_.queued(Stage::kExtract), 1u);
  Assignment ext = Send(Stage::kExtract);
  EXPECT_EQ(ext.worker, "e1");
  EXPECT_EQ(ext.attempt, seg.attempt);
  clock_.Advance(250);
  int64_t dispatched = 0;
  EXPECT_EQ(dispatcher_.OnAck("d1", &dispatched), Verdict::kAccepted);
  EXPECT_EQ(clock_.MonotonicMillis() - dispatched, 250);
  EXPECT_EQ(dispatcher_.outstanding(), 0u);
  EXPECT_EQ(dispatcher_.OnAck("d1"), Verdict::kUnknown) << "a duplicate ack";
}

TEST_F(DispatcherTest, AnExpiredLeaseRedispatchesWithTheNextAttempt) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "s1", 4, true);
  Assignment first = Send(Stage::kSegment);
  clock_.Advance(kLease - 1);
  EXPECT_TRUE(dispatcher_.ExpireLeases().empty()) << "the lease still runs";
  clock_.Advance(1);
  auto expired = dispatcher_.ExpireLeases();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].doc_id, "d1");
  EXPECT_FALSE(expired[0].quarantine);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 1u);
  Assignment second = Send(Stage::kSegment);
  EXPECT_EQ(second.attempt, first.attempt + 1);
  // The first attempt's result arrives late: ignored; the second's counts.
  EXPECT_EQ(dispatcher_.OnSegmented("d1", first.attempt), Verdict::kLate);
  EXPECT_EQ(dispatcher_.queued(Stage::kExtract), 0u);
  EXPECT_EQ(dispatcher_.OnSegmented("d1", second.attempt), Verdict::kAccepted);
}

TEST_F(DispatcherTest, ALateAckStillCompletesADocumentWaitingForItsRetry) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "s1", 1, true);
  Send(Stage::kSegment);
  clock_.Advance(kLease);
  ASSERT_EQ(dispatcher_.ExpireLeases().size(), 1u);
  // Aggregate committed the first attempt after all: the document is done
  // and its queued retry is never sent.
  EXPECT_EQ(dispatcher_.OnAck("d1"), Verdict::kAccepted);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 0u);
  dispatcher_.OnReady(Stage::kSegment, "s1", 1, true);
  std::vector<Retry> exhausted;
  EXPECT_FALSE(dispatcher_.Next(Stage::kSegment, &exhausted).has_value());
}

TEST_F(DispatcherTest, ExhaustedAttemptsQuarantineAndLateResultsNeverCount) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "s1", 8, true);
  dispatcher_.OnReady(Stage::kExtract, "e1", 8, true);
  Assignment last;
  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
    last = Send(Stage::kSegment);
    EXPECT_EQ(last.attempt, attempt);
    clock_.Advance(kLease);
    auto expired = dispatcher_.ExpireLeases();
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0].quarantine, attempt == 3) << "attempt " << attempt;
  }
  EXPECT_TRUE(dispatcher_.IsQuarantined("d1"));
  EXPECT_EQ(dispatcher_.outstanding(), 0u);
  EXPECT_EQ(dispatcher_.OnSegmented("d1", last.attempt), Verdict::kQuarantined);
  EXPECT_EQ(dispatcher_.OnAck("d1"), Verdict::kQuarantined);
  Retry r;
  EXPECT_EQ(dispatcher_.OnFailure("d1", last.attempt, false, &r), Verdict::kQuarantined);
}

TEST_F(DispatcherTest, AttemptsUsedBeforeARestartCount) {
  dispatcher_.Submit("d1", 3);  // the ledger says three attempts were made
  dispatcher_.Submit("d2", 1);
  dispatcher_.OnReady(Stage::kSegment, "s1", 8, true);
  std::vector<Retry> exhausted;
  auto a = dispatcher_.Next(Stage::kSegment, &exhausted);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->doc_id, "d2");
  EXPECT_EQ(a->attempt, 2u);
  ASSERT_EQ(exhausted.size(), 1u);
  EXPECT_EQ(exhausted[0].doc_id, "d1");
  EXPECT_TRUE(exhausted[0].quarantine);
  EXPECT_TRUE(dispatcher_.IsQuarantined("d1"));
}

// A document released from quarantine after 3 attempts goes on with attempt
// 4 (aggregate refuses late results of attempts 1-3, never the replay's),
// with a fresh round of max_attempts; results are judged by those numbers.
TEST_F(DispatcherTest, AReleasedDocumentsAttemptNumbersGoOnFromItsBase) {
  dispatcher_.Submit("d1", 0, /*attempt_base=*/3);
  dispatcher_.OnReady(Stage::kSegment, "s1", 8, true);
  dispatcher_.OnReady(Stage::kExtract, "e1", 8, true);
  Assignment seg = Send(Stage::kSegment);
  EXPECT_EQ(seg.attempt, 4u);
  ASSERT_TRUE(dispatcher_.AttemptOf("d1").has_value());
  EXPECT_EQ(*dispatcher_.AttemptOf("d1"), 4u);
  EXPECT_EQ(dispatcher_.OnSegmented("d1", 1), Verdict::kLate) << "an attempt of the earlier round";
  EXPECT_EQ(dispatcher_.OnSegmented("d1", 4), Verdict::kAccepted);
  Assignment ext = Send(Stage::kExtract);
  EXPECT_EQ(ext.attempt, 4u);
  clock_.Advance(kLease);
  auto expired = dispatcher_.ExpireLeases();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_FALSE(expired[0].quarantine) << "this round has used one attempt of three";
  EXPECT_EQ(expired[0].attempts, 1u);
  EXPECT_EQ(Send(Stage::kSegment).attempt, 5u);
  Retry r;
  EXPECT_EQ(dispatcher_.OnFailure("d1", 5, /*permanent=*/true, &r), Verdict::kAccepted);
  EXPECT_TRUE(r.quarantine);
}

TEST_F(DispatcherTest, FailuresRetryUntilPermanentOrExhausted) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.Submit("d2", 0);
  dispatcher_.OnReady(Stage::kSegment, "s1", 8, true);
  Assignment a1 = Send(Stage::kSegment);
  Assignment a2 = Send(Stage::kSegment);
  Retry r;
  EXPECT_EQ(dispatcher_.OnFailure(a1.doc_id, a1.attempt, /*permanent=*/false, &r), Verdict::kAccepted);
  EXPECT_FALSE(r.quarantine);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 1u);
  EXPECT_EQ(dispatcher_.OnFailure(a1.doc_id, a1.attempt, false, &r), Verdict::kLate) << "already requeued";
  EXPECT_EQ(dispatcher_.OnFailure(a2.doc_id, a2.attempt, /*permanent=*/true, &r), Verdict::kAccepted);
  EXPECT_TRUE(r.quarantine) << "bad input is not retried";
  EXPECT_TRUE(dispatcher_.IsQuarantined(a2.doc_id));
}

TEST_F(DispatcherTest, AnUnreachableWorkerLosesItsCreditsAndTheDocumentGoesToAnother) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "gone", 4, true);
  dispatcher_.OnReady(Stage::kSegment, "s2", 1, true);
  std::vector<Retry> exhausted;
  auto a = dispatcher_.Next(Stage::kSegment, &exhausted);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->worker, "gone") << "the most free credits";
  dispatcher_.Unsent(*a);
  EXPECT_EQ(dispatcher_.workers(Stage::kSegment), 1u);
  auto b = dispatcher_.Next(Stage::kSegment, &exhausted);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->worker, "s2");
  EXPECT_EQ(b->doc_id, "d1");
  EXPECT_EQ(b->attempt, 1u) << "an unsent attempt is not charged";
}

TEST_F(DispatcherTest, ALeaseCanStartWhenTheWorkerReceivesTheDocument) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "s1", 1, true);
  std::vector<Retry> exhausted;
  auto a = dispatcher_.Next(Stage::kSegment, &exhausted);
  ASSERT_TRUE(a.has_value());
  dispatcher_.Dispatched(*a, /*start_lease=*/false);
  clock_.Advance(10 * kLease);  // waiting in the worker's queue
  EXPECT_TRUE(dispatcher_.ExpireLeases().empty());
  dispatcher_.StartLease("d1", a->attempt);
  clock_.Advance(kLease);
  EXPECT_EQ(dispatcher_.ExpireLeases().size(), 1u);
}

TEST_F(DispatcherTest, ASilentWorkerIsForgotten) {
  dispatcher_.OnReady(Stage::kExtract, "e1", 4, true);
  clock_.Advance(4999);
  dispatcher_.ExpireSilentWorkers();
  EXPECT_EQ(dispatcher_.workers(Stage::kExtract), 1u);
  clock_.Advance(2);
  dispatcher_.ExpireSilentWorkers();
  EXPECT_EQ(dispatcher_.workers(Stage::kExtract), 0u);
  EXPECT_EQ(dispatcher_.credits(Stage::kExtract), 0u);
}

TEST_F(DispatcherTest, WaitingForAnExtractWorkerIsNotChargedToTheLease) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "s1", 1, true);
  Assignment a = Send(Stage::kSegment);
  clock_.Advance(kLease - 1);
  ASSERT_EQ(dispatcher_.OnSegmented("d1", a.attempt), Verdict::kAccepted);
  clock_.Advance(10 * kLease);  // no extract worker for a long while (one restarting)
  EXPECT_TRUE(dispatcher_.ExpireLeases().empty());
  dispatcher_.OnReady(Stage::kExtract, "e1", 1, true);
  Assignment e = Send(Stage::kExtract);
  EXPECT_EQ(e.attempt, a.attempt);
  clock_.Advance(kLease - 1);
  EXPECT_TRUE(dispatcher_.ExpireLeases().empty()) << "a whole lease from the extract dispatch";
  clock_.Advance(1);
  ASSERT_EQ(dispatcher_.ExpireLeases().size(), 1u);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 1u);
}

TEST_F(DispatcherTest, AFailureWhileWaitingForExtractRequeuesForSegment) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "s1", 1, true);
  Assignment a = Send(Stage::kSegment);
  ASSERT_EQ(dispatcher_.OnSegmented("d1", a.attempt), Verdict::kAccepted);
  Retry r;
  ASSERT_EQ(dispatcher_.OnFailure("d1", a.attempt, false, &r), Verdict::kAccepted);
  EXPECT_EQ(dispatcher_.queued(Stage::kExtract), 0u);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 1u);
  dispatcher_.OnReady(Stage::kExtract, "e1", 1, true);
  std::vector<Retry> exhausted;
  EXPECT_FALSE(dispatcher_.Next(Stage::kExtract, &exhausted).has_value()) << "its old extract entry is stale";
}


// A worker that crashes on one document loses every document it holds, and
// each is charged an attempt. From then on they go alone (suspects): the
// document that crashes its worker again is charged alone and quarantined;
// the ones that were only beside it complete.
TEST_F(DispatcherTest, ADocumentThatCrashesItsWorkerIsQuarantinedAloneNotWithItsNeighbours) {
  dispatcher_.OnReady(Stage::kSegment, "s1", 4, true);
  dispatcher_.OnReady(Stage::kExtract, "e1", 4, true);
  for (const char* id : {"poison", "n1", "n2"}) dispatcher_.Submit(id, 0);
  for (int i = 0; i < 3; ++i) Send(Stage::kSegment);
  std::set<std::string> quarantined, complete;
  auto crash = [&] {  // s1 dies with what it holds; restarted, it announces its capacity
    clock_.Advance(kLease);
    for (const Retry& r : dispatcher_.ExpireLeases()) {
      if (r.quarantine) quarantined.insert(r.doc_id);
    }
    dispatcher_.OnReady(Stage::kSegment, "s1", 4, true);
  };
  crash();
  EXPECT_TRUE(quarantined.empty()) << "one attempt lost of three";
  for (int round = 0; round < 20 && dispatcher_.outstanding() > 0; ++round) {
    std::vector<Retry> exhausted;
    auto a = dispatcher_.Next(Stage::kSegment, &exhausted);
    for (const Retry& r : exhausted) quarantined.insert(r.doc_id);
    ASSERT_TRUE(a.has_value());
    dispatcher_.Dispatched(*a);
    EXPECT_FALSE(dispatcher_.Next(Stage::kSegment, &exhausted).has_value())
        << "nothing else goes to the worker holding a suspect";
    if (a->doc_id == "poison") {
      crash();
      continue;
    }
    ASSERT_EQ(dispatcher_.OnSegmented(a->doc_id, a->attempt), Verdict::kAccepted);
    dispatcher_.ReturnCredit(Stage::kSegment, "s1");
    Assignment e = Send(Stage::kExtract);
    EXPECT_EQ(e.doc_id, a->doc_id);
    EXPECT_FALSE(dispatcher_.Next(Stage::kExtract, &exhausted).has_value()) << "alone at extract too";
    ASSERT_EQ(dispatcher_.OnAck(e.doc_id), Verdict::kAccepted);
    complete.insert(e.doc_id);
  }
  EXPECT_EQ(quarantined, std::set<std::string>({"poison"}));
  EXPECT_EQ(complete, std::set<std::string>({"n1", "n2"}));
  EXPECT_EQ(dispatcher_.outstanding(), 0u);
}

// A suspect waits for a worker that holds nothing: the only worker gets no
// new document until it is empty, then the suspect alone; a second worker
// takes the others meanwhile.
TEST_F(DispatcherTest, ASuspectWaitsForAnEmptyWorkerWhichGetsNothingNewMeanwhile) {
  dispatcher_.OnReady(Stage::kSegment, "s1", 8, true);
  dispatcher_.Submit("d1", 0);
  dispatcher_.Submit("d2", 0);
  Assignment a1 = Send(Stage::kSegment);
  Assignment a2 = Send(Stage::kSegment);
  dispatcher_.Submit("suspect", 1);  // the ledger says an attempt was used
  dispatcher_.Submit("d3", 0);
  std::vector<Retry> exhausted;
  EXPECT_FALSE(dispatcher_.Next(Stage::kSegment, &exhausted).has_value()) << "s1 is kept for the suspect";
  ASSERT_EQ(dispatcher_.OnSegmented(a1.doc_id, a1.attempt), Verdict::kAccepted);
  EXPECT_FALSE(dispatcher_.Next(Stage::kSegment, &exhausted).has_value()) << "s1 still holds d2";
  ASSERT_EQ(dispatcher_.OnSegmented(a2.doc_id, a2.attempt), Verdict::kAccepted);
  Assignment s = Send(Stage::kSegment);
  EXPECT_EQ(s.doc_id, "suspect");
  EXPECT_EQ(s.attempt, 2u);
  EXPECT_FALSE(dispatcher_.Next(Stage::kSegment, &exhausted).has_value()) << "s1 holds the suspect";
  dispatcher_.OnReady(Stage::kSegment, "s2", 8, true);
  Assignment d3 = Send(Stage::kSegment);
  EXPECT_EQ(d3.doc_id, "d3");
  EXPECT_EQ(d3.worker, "s2");
  ASSERT_EQ(dispatcher_.OnSegmented("suspect", s.attempt), Verdict::kAccepted);
  dispatcher_.Submit("d4", 0);
  EXPECT_EQ(Send(Stage::kSegment).doc_id, "d4") << "s1 takes documents again";
}


// An extract worker passes its results on to aggregate: a suspect keeps the
// worker to itself until the worker says it sent the suspect's result on
// (WorkerReady.forwarded), not until aggregate acknowledges it, which may be
// a group commit later. The document stays in flight, under its lease.
TEST_F(DispatcherTest, AnExtractSuspectFreesItsWorkerOnceItsResultIsForwarded) {
  dispatcher_.OnReady(Stage::kSegment, "s1", 8, true);
  dispatcher_.OnReady(Stage::kExtract, "e1", 8, true, "extract-0", 5);
  dispatcher_.Submit("suspect", 1);
  dispatcher_.Submit("d1", 0);
  Assignment seg = Send(Stage::kSegment);
  ASSERT_EQ(seg.doc_id, "suspect");
  ASSERT_EQ(dispatcher_.OnSegmented("suspect", seg.attempt), Verdict::kAccepted);
  Assignment ext = Send(Stage::kExtract);
  ASSERT_EQ(ext.doc_id, "suspect");
  Assignment d1 = Send(Stage::kSegment);
  ASSERT_EQ(dispatcher_.OnSegmented("d1", d1.attempt), Verdict::kAccepted);
  std::vector<Retry> exhausted;
  EXPECT_FALSE(dispatcher_.Next(Stage::kExtract, &exhausted).has_value()) << "e1 holds the suspect";
  dispatcher_.OnForwarded(Stage::kExtract, "other-route", "suspect");  // not e1's word: nothing changes
  EXPECT_FALSE(dispatcher_.Next(Stage::kExtract, &exhausted).has_value());
  dispatcher_.OnForwarded(Stage::kExtract, "e1", "suspect");
  Assignment next = Send(Stage::kExtract);
  EXPECT_EQ(next.doc_id, "d1");
  EXPECT_EQ(next.worker, "e1");
  // The forwarded document is no longer e1's: a restart of e1 does not
  // bring it back (its result is with aggregate); its lease still runs.
  const ReadyOutcome restart = dispatcher_.OnReady(Stage::kExtract, "e1-new", 8, true, "extract-0", 6);
  ASSERT_EQ(restart.lost.size(), 1u);
  EXPECT_EQ(restart.lost[0].doc_id, "d1");
  EXPECT_EQ(dispatcher_.OnAck("suspect"), Verdict::kAccepted);
  clock_.Advance(kLease + 1);
  EXPECT_TRUE(dispatcher_.ExpireLeases().empty()) << "d1 went back to segment and is queued, without a lease";
}

// A worker process that ends (SIGKILL) loses what it held; the launcher or
// the orchestrator starts another under the same worker id, whose first
// WorkerReady carries a new incarnation. The documents held by the previous
// process come back then, not when their lease runs out.
TEST_F(DispatcherTest, ARestartedWorkersDocumentsComeBackWithoutWaitingForTheirLease) {
  for (const char* d : {"d1", "d2", "d3"}) dispatcher_.Submit(d, 0);
  dispatcher_.OnReady(Stage::kSegment, "route-a", 2, true, "segment-0", 111);
  dispatcher_.OnReady(Stage::kSegment, "route-b", 1, true, "segment-1", 222);
  std::set<std::string> at_a;
  for (int i = 0; i < 3; ++i) {
    Assignment a = Send(Stage::kSegment);
    if (a.worker == "route-a") at_a.insert(a.doc_id);
  }
  ASSERT_EQ(at_a.size(), 2u);
  // The same process announcing more credit, or reconnecting (a new routing
  // identity, the same incarnation), loses nothing.
  EXPECT_FALSE(dispatcher_.OnReady(Stage::kSegment, "route-a", 0, false, "segment-0", 111).restarted);
  // The other stage's worker of the same id is another process.
  EXPECT_FALSE(dispatcher_.OnReady(Stage::kExtract, "route-x", 4, true, "segment-0", 999).restarted);

  const ReadyOutcome restart = dispatcher_.OnReady(Stage::kSegment, "route-c", 2, true, "segment-0", 333);
  EXPECT_TRUE(restart.restarted);
  EXPECT_FALSE(restart.shared_id);
  std::set<std::string> lost;
  for (const Retry& r : restart.lost) {
    lost.insert(r.doc_id);
    EXPECT_EQ(r.attempts, 1u);
    EXPECT_FALSE(r.quarantine);
  }
  EXPECT_EQ(lost, at_a);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 2u);
  // No time has passed: each goes again at once, alone (a suspect) to the new
  // process, with the next attempt; the lost route gets nothing.
  Assignment again = Send(Stage::kSegment);
  EXPECT_TRUE(at_a.contains(again.doc_id));
  EXPECT_EQ(again.worker, "route-c");
  EXPECT_EQ(again.attempt, 2u);
  EXPECT_TRUE(dispatcher_.ExpireLeases().empty());
  // A result of the ended process that was still on its way is late.
  EXPECT_EQ(dispatcher_.OnSegmented(again.doc_id, 1), Verdict::kLate);
  EXPECT_EQ(dispatcher_.OnSegmented(again.doc_id, 2), Verdict::kAccepted);
}

TEST_F(DispatcherTest, ADocumentLostWithItsLastAttemptIsQuarantined) {
  dispatcher_.Submit("d1", 2);  // two attempts used before
  dispatcher_.OnReady(Stage::kSegment, "route-a", 1, true, "segment-0", 111);
  Send(Stage::kSegment);
  const ReadyOutcome restart = dispatcher_.OnReady(Stage::kSegment, "route-b", 1, true, "segment-0", 222);
  ASSERT_EQ(restart.lost.size(), 1u);
  EXPECT_TRUE(restart.lost[0].quarantine);
  EXPECT_TRUE(dispatcher_.IsQuarantined("d1"));
}

// A document at an extract worker whose process ended goes back to segment,
// as after an expired lease; one whose segment result waits in ingest for an
// extract worker is not lost.
TEST_F(DispatcherTest, AnExtractWorkersRestartReturnsOnlyWhatItHeld) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.Submit("d2", 0);
  dispatcher_.OnReady(Stage::kSegment, "s", 4, true, "segment-0", 1);
  dispatcher_.OnReady(Stage::kExtract, "e-old", 1, true, "extract-0", 7);
  for (int i = 0; i < 2; ++i) {
    Assignment a = Send(Stage::kSegment);
    EXPECT_EQ(dispatcher_.OnSegmented(a.doc_id, a.attempt), Verdict::kAccepted);
  }
  Assignment at_extract = Send(Stage::kExtract);
  ASSERT_EQ(dispatcher_.queued(Stage::kExtract), 1u);
  const ReadyOutcome restart = dispatcher_.OnReady(Stage::kExtract, "e-new", 1, true, "extract-0", 8);
  ASSERT_EQ(restart.lost.size(), 1u);
  EXPECT_EQ(restart.lost[0].doc_id, at_extract.doc_id);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 1u);
  EXPECT_EQ(dispatcher_.queued(Stage::kExtract), 1u) << "the other still waits for extract";
  // An acknowledgement of the lost document (its result had reached
  // aggregate) still completes it.
  EXPECT_EQ(dispatcher_.OnAck(at_extract.doc_id), Verdict::kAccepted);
  EXPECT_EQ(dispatcher_.queued(Stage::kSegment), 0u);
}

// Two live processes under one worker id (a deployment that gave both the
// same name) look like restarts of each other once; when the "ended" one
// speaks again the dispatcher says so, and stops taking either for a restart.
TEST_F(DispatcherTest, TwoLiveWorkersSharingAnIdAreNamedAndNotTakenForRestartsAgain) {
  dispatcher_.Submit("d1", 0);
  dispatcher_.OnReady(Stage::kSegment, "route-a", 1, true, "segment-0", 111);
  Send(Stage::kSegment);
  EXPECT_TRUE(dispatcher_.OnReady(Stage::kSegment, "route-b", 1, true, "segment-0", 222).restarted);
  const ReadyOutcome again = dispatcher_.OnReady(Stage::kSegment, "route-a", 1, false, "segment-0", 111);
  EXPECT_TRUE(again.shared_id);
  EXPECT_FALSE(again.restarted);
  Assignment a = Send(Stage::kSegment);
  EXPECT_EQ(a.attempt, 2u);
  const ReadyOutcome later = dispatcher_.OnReady(Stage::kSegment, "route-b", 1, true, "segment-0", 222);
  EXPECT_FALSE(later.restarted);
  EXPECT_FALSE(later.shared_id) << "named once";
  EXPECT_FALSE(dispatcher_.OnReady(Stage::kSegment, "route-c", 1, true, "segment-0", 333).restarted);
  // A worker that does not say its incarnation is never taken for a restart.
  EXPECT_FALSE(dispatcher_.OnReady(Stage::kSegment, "route-d", 1, true, "segment-9", 0).restarted);
  EXPECT_FALSE(dispatcher_.OnReady(Stage::kSegment, "route-e", 1, true, "segment-9", 0).restarted);
}

}  // namespace
}  // namespace reportflow::ingest
