// Dispatcher: where each unfinished document is, which worker gets it next,
// and what happens when it does not come back. No sockets, no store: ingest's
// service wiring sends what it is told to send and persists what it is told
// happened (ledger, quarantine).
//
// A document waits in its stage's queue (segment first; a segmented result
// that passes through ingest waits in the extract queue); workers announce
// credits (readiness) and each dispatch takes one credit from the worker with
// the most free (CreditPool). From its dispatch to segment until its
// acknowledgement a document is in flight for its attempt, under a lease
// while a worker holds it: from each dispatch (to segment, then to extract)
// until the next step. Time spent waiting in ingest's extract queue (no
// extract worker free, or one restarting) is not charged to the lease.
//
// What comes back is judged against the current attempt:
//  - a segment result or a failure of another attempt, or of a document no
//    longer in flight, is late and ignored;
//  - an acknowledgement completes the document whatever its attempt (aggregate
//    committed it, and re-delivery is idempotent there), except for a
//    quarantined document: a late result for one never counts;
//  - a failure queues the document for another attempt, or quarantines it
//    (permanent failure, or attempts used up);
//  - an expired lease does the same, with "attempts used up" as the only
//    reason to quarantine.
//
// A document that comes back by its lease, or with a failure, is a suspect
// (so is one the ledger says used attempts before): a worker that crashed
// on it lost every document it held, and charged each an attempt. A
// suspect's next dispatches, to segment and then to extract, go to a worker
// that holds nothing else, and that worker gets nothing else until the
// suspect is back (its result, a failure, or its lease; at extract, its
// result sent on to aggregate, OnForwarded): a document that
// crashes its worker again is charged alone, and the documents that were
// only beside it lose one attempt, not all of them. Suspects go first; when
// no worker is empty, one is kept for them (no new document) until it is.
//
// Leases start when a document is dispatched (Dispatched with
// start_lease=true), which counts the time it waits in the worker's socket
// queue. A caller that learns when the worker actually receives the document
// passes start_lease=false and calls StartLease then; until that, the document
// is in flight without a deadline.
//
// Thread-safety: none (one ingest loop owns it). Time comes from the Clock.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/base/clock.h"
#include "services/ingest/credit_pool.h"
#include "services/ingest/doc_set.h"

namespace reportflow::ingest {

enum class Stage : uint8_t { kSegment = 0, kExtract = 1 };
const char* StageName(Stage stage);

struct DispatchLimits {
  uint32_t max_attempts = 3;
  int64_t lease_ms = 30000;
  int64_t worker_silence_ms = 5000;  // a worker not heard from for this long loses its credits
};

// One dispatch decision: send `doc_id` (attempt `attempt`) to `worker`.
struct Assignment {
  std::string doc_id;
  std::string worker;
  uint32_t attempt = 0;
  Stage stage = Stage::kSegment;
};

// What became of a document that did not come back in time, or failed.
struct Retry {
  std::string doc_id;
  uint32_t attempts = 0;    // attempts used so far
  bool quarantine = false;  // no attempt left (or a permanent failure): quarantine it
};

// What a WorkerReady told the dispatcher beyond credit (Dispatcher::OnReady).
struct ReadyOutcome {
  // The worker id announced another incarnation: its previous process has
  // ended (it was restarted), and every document that process held is in
  // `lost`, queued again or quarantined as by an expired lease.
  bool restarted = false;
  std::vector<Retry> lost;
  // An incarnation already replaced announced itself again: two live
  // processes share the worker id. From now on restarts of that id are not
  // detected (their documents wait for their lease). Set once per id.
  bool shared_id = false;
};

enum class Verdict {
  kAccepted,     // the result counts
  kLate,         // of another attempt, or the document is no longer in flight: ignored
  kQuarantined,  // the document is quarantined: never counts
  kUnknown,      // not a document this dispatcher knows (finished, or never submitted)
};

class Dispatcher {
 public:
  Dispatcher(const Clock& clock, DispatchLimits limits) : clock_(clock), limits_(limits) {}

  // ---- documents -------------------------------------------------------------
  // Queues a document for segment, having used `attempts` already (from its
  // ledger entry). Attempt numbers (Assignment::attempt, and those results
  // are judged by) are `attempt_base` + the attempts of this round, so they
  // keep growing across releases from quarantine (LedgerEntry.attempt_base);
  // limits.max_attempts counts the attempts of this round. False if it is
  // already queued or in flight.
  bool Submit(const std::string& doc_id, uint32_t attempts, uint32_t attempt_base = 0);
  bool Knows(const std::string& doc_id) const { return docs_.count(doc_id) > 0; }
  // The attempt in progress (or last made) for a known document.
  std::optional<uint32_t> AttemptOf(const std::string& doc_id) const;
  bool IsQuarantined(const std::string& doc_id) const { return quarantined_.contains(doc_id); }

  // ---- workers ---------------------------------------------------------------
  // A WorkerReady from `worker` (its routing identity): `credits` more (or,
  // with `replace`, the worker's whole free capacity). `worker_id` and
  // `incarnation` are who it says it is (WorkerReady; an incarnation of 0
  // says nothing): a worker id seen before with another incarnation is a
  // restarted process, and the documents held by the one before come back
  // now, not when their lease runs out. (A reconnection of the same process
  // keeps its incarnation: the documents it holds stay with it.)
  ReadyOutcome OnReady(Stage stage, const std::string& worker, uint32_t credits, bool replace,
                       const std::string& worker_id = {}, uint64_t incarnation = 0);
  // A result or failure returns the credit it used.
  void ReturnCredit(Stage stage, const std::string& worker);
  // `worker` (an extract worker) sent `doc_id`'s result on to aggregate: it
  // no longer holds the document, which stays in flight, under its lease,
  // until aggregate acknowledges it. A suspect no longer keeps the worker to
  // itself from then on (it would otherwise until the acknowledgement, a
  // group commit later, and the suspects lost with a restarted worker would
  // pass one acknowledgement at a time).
  void OnForwarded(Stage stage, const std::string& worker, const std::string& doc_id);
  // Forgets workers not heard from within limits.worker_silence_ms.
  void ExpireSilentWorkers();

  // ---- dispatch --------------------------------------------------------------
  // The next document of `stage` and the worker that gets it (its credit
  // taken), or nullopt when the queue is empty or no worker has credit. A
  // segment document whose attempts are used up is not assigned: it is
  // quarantined and appended to `exhausted`.
  std::optional<Assignment> Next(Stage stage, std::vector<Retry>* exhausted);
  // The assignment was sent: the document is in flight (its lease runs from
  // now unless `start_lease` is false, see StartLease).
  void Dispatched(const Assignment& a, bool start_lease = true);
  // The worker could not be reached: it loses its credits, the document goes
  // back to the front of its queue.
  void Unsent(const Assignment& a);
  // Starts the lease of an in-flight document's attempt (the worker received it).
  void StartLease(const std::string& doc_id, uint32_t attempt);

  // ---- results ---------------------------------------------------------------
  // Segment finished `attempt`: the document waits for an extract worker.
  Verdict OnSegmented(const std::string& doc_id, uint32_t attempt);
  // Aggregate committed the document. `dispatched_ms` (monotonic) is when
  // its last attempt was dispatched, for latency metrics.
  Verdict OnAck(const std::string& doc_id, int64_t* dispatched_ms = nullptr);
  // A stage failed `attempt`. kAccepted fills `retry` (requeued or quarantined).
  Verdict OnFailure(const std::string& doc_id, uint32_t attempt, bool permanent, Retry* retry);
  // Documents whose lease ran out: each is queued again or quarantined.
  std::vector<Retry> ExpireLeases();

  // ---- load ------------------------------------------------------------------
  size_t queued(Stage stage) const { return queued_[Index(stage)]; }
  // Dispatched and not yet acknowledged (queued for extract included).
  size_t in_flight() const { return docs_.size() - queued_[0]; }
  // Documents this dispatcher is responsible for (queued or in flight).
  size_t outstanding() const { return docs_.size(); }
  size_t workers(Stage stage) const { return pools_[Index(stage)].workers(); }
  std::vector<std::string> WorkerIds(Stage stage) const { return pools_[Index(stage)].WorkerIds(); }
  uint64_t credits(Stage stage) const { return pools_[Index(stage)].total(); }

 private:
  enum class Where : uint8_t { kQueued, kAtWorker };
  struct Doc {
    Stage stage = Stage::kSegment;
    Where where = Where::kQueued;
    uint32_t attempts = 0;        // dispatches to segment so far (this round)
    uint32_t base = 0;            // attempt numbers of earlier rounds (see Submit)
    uint64_t generation = 0;      // bumped on every move; stale queue entries are skipped
    int64_t dispatched_ms = 0;    // monotonic, last dispatch to segment
    int64_t lease_deadline = 0;   // 0: no lease running
    bool in_flight = false;       // dispatched to segment, not yet back in its queue
    bool suspect = false;         // came back by a lease or a failure: dispatched alone
    std::string worker;           // the worker holding it (where == kAtWorker)
  };
  // What a worker of a stage holds: documents dispatched to it and not back.
  struct Held {
    uint32_t docs = 0;
    bool suspect = false;  // one of them is a suspect: it gets nothing else
  };
  // The process last announced under a worker id.
  struct Incarnation {
    uint64_t incarnation = 0;
    std::string worker;            // its routing identity
    std::vector<uint64_t> ended;   // incarnations it replaced (the last few)
    bool shared = false;           // two live processes announce this id
  };
  struct QueueEntry {
    std::string doc_id;
    uint64_t generation;
  };
  static size_t Index(Stage stage) { return static_cast<size_t>(stage); }
  void Enqueue(const std::string& doc_id, Doc& doc, Stage stage, bool front = false);
  Retry Requeue(const std::string& doc_id, Doc& doc, bool quarantine);
  // The document leaves the worker holding it (if any).
  void Release(Doc& doc);
  // `doc` goes to `worker`: the assignment to send.
  Assignment Assign(Stage stage, QueueEntry entry, Doc& doc, std::string worker);
  // A queued document of `stage` whose attempts are used up is quarantined
  // (appended to `exhausted`): true if `entry` was one, or stale.
  bool DropIfDone(Stage stage, const QueueEntry& entry, std::vector<Retry>* exhausted);
  const Held& HeldBy(Stage stage, const std::string& worker) const;
  // Every document `worker` of `stage` holds, queued again or quarantined
  // (its process ended), and the worker forgotten.
  std::vector<Retry> Lost(Stage stage, const std::string& worker);

  const Clock& clock_;
  DispatchLimits limits_;
  std::unordered_map<std::string, Doc> docs_;
  std::deque<QueueEntry> queues_[2];
  std::deque<QueueEntry> suspects_[2];  // suspects waiting for a worker of their own
  std::unordered_map<std::string, Held> held_[2];
  std::unordered_map<std::string, Incarnation> incarnations_[2];  // by announced worker id
  std::string reserved_[2];  // a worker getting no new document until it is empty, for a waiting suspect
  size_t queued_[2] = {0, 0};
  CreditPool pools_[2];
  uint64_t next_generation_ = 0;
  DocSet quarantined_;
};

}  // namespace reportflow::ingest
