#include "services/ingest/ingest_service.h"

#include <google/protobuf/util/time_util.h>

#include <cctype>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <zmq.hpp>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/logging/logging.h"
#include "common/messaging/codec.h"
#include "common/messaging/poll.h"
#include "common/messaging/socket_factory.h"
#include "common/metrics/service_endpoint.h"
#include "common/service/end_of_work.h"
#include "common/service/service_shell.h"
#include "common/storage/store.h"
#include "common/text/doc_id.h"
#include "reportflow/pipeline/v1/control.pb.h"
#include "services/ingest/batch_tracker.h"
#include "services/ingest/control_handler.h"
#include "services/ingest/decode_sandbox.h"
#include "services/ingest/dispatcher.h"
#include "services/ingest/document_decoder.h"
#include "services/ingest/input_scanner.h"
#include "services/ingest/ingest_store.h"
#include "services/ingest/ledger.h"
#include "services/ingest/store_check.h"

namespace reportflow::ingest {
namespace {

namespace pb = ::reportflow::ingest::v1;
namespace ppb = ::reportflow::pipeline::v1;
using messaging::Frames;
using google::protobuf::util::TimeUtil;

constexpr int64_t kLeaseCheckMillis = 100;
constexpr int kMaxMessagesPerPass = 256;
constexpr int kScanStepItems = 64;
// Serialized documents kept between admission and first dispatch (Impl::handoff).
constexpr size_t kHandoffBytes = 8u << 20;
constexpr int64_t kWorkerSilenceMillis = 5000;
// A withdrawal not confirmed within this long is sent again (it, or its
// confirmation, may have been lost with a restarting aggregate).
constexpr int64_t kWithdrawResendMillis = 1000;
constexpr int64_t kEndOfWorkWaitMillis = 100;  // for aggregate's connection, when stopping

// A worker's routing identity (binary: ZeroMQ's ROUTER makes it up) as a log
// shows it: in hex.
std::string PrintableIdentity(const std::string& identity) {
  std::string out;
  text::AppendHex(identity, &out);
  return out;
}

}  // namespace

struct IngestService::Impl {
  config::v1::PipelineConfig config;
  const Clock& clock = Clock::Real();
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<IngestStore> store;
  // The shell first: it outlives the sockets (see ServiceShell).
  std::unique_ptr<service::ServiceShell> shell;
  zmq::socket_t control, segment_work, extract_work, acks;
  // PUSH to aggregate's input: withdrawals of quarantined documents.
  zmq::socket_t withdrawals;
  // That connection made again after a refused handshake (declared after the
  // sockets: destroyed before them).
  std::unique_ptr<messaging::HandshakeRetries> retries;

  // The pure pieces (unit-tested with a manual clock and the in-memory store).
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<BatchTracker> batches;
  std::unique_ptr<ControlHandler> control_handler;
  std::unique_ptr<Ledger> ledger;
  // The stage stores the ledger's results are in (StoreCheck), and the
  // complete documents found without results, processed again.
  std::unique_ptr<StoreCheck> stores;
  DocSet reprocessed;
  // Quarantined documents whose withdrawal aggregate has not confirmed yet:
  // when it was last sent (monotonic ms; 0: not sent, retried at once).
  std::unordered_map<std::string, int64_t> withdrawing;
  // Segmented envelopes (their frames, as they came) waiting for an extract worker.
  std::unordered_map<std::string, Frames> segmented;
  // New documents of the scan pass, stored together at its end (one write
  // for the pass), then attached and queued; and for each, its serialized
  // RawDocument kept until its first dispatch to segment, which then sends
  // those bytes instead of reading the store and serializing it again
  // (bounded: kHandoffBytes; past it the dispatch reads the store).
  BatchTracker::Batch* admitting_batch = nullptr;
  std::vector<IngestStore::NewDocument> admitting;
  std::unordered_set<std::string> admitting_ids;
  std::unordered_map<std::string, std::string> handoff;
  size_t handoff_bytes = 0;
  // PDF/.docx/HTML decoded in child processes under a budget (declared last:
  // destroyed first, killing running decodes).
  std::unique_ptr<DecodeSandbox> sandbox;

  // ---- operator metrics (the shell's endpoint; names in docs/operators.md) ----

  struct Metrics {
    metrics::Counter *batches, *files, *stored, *completed, *quarantined, *malformed, *store_errors;
    metrics::Counter *dispatch_segment, *dispatch_extract, *retry_lease, *retry_failure, *retry_restart;
    metrics::Gauge *in_flight, *queued_segment, *queued_extract, *workers_segment, *workers_extract, *active_batches;
    metrics::Histogram* document_seconds;
  } m{};

  void RegisterMetrics() {
    auto& r = shell->registry();
    m.batches = &r.GetCounter("reportflow_ingest_batches_submitted_total", "Batches submitted through the control API.");
    m.files = &r.GetCounter("reportflow_ingest_files_scanned_total", "Input files (and archive entries) scanned.");
    m.stored = &r.GetCounter("reportflow_ingest_documents_stored_total", "New documents decoded and stored.");
    m.completed = &r.GetCounter("reportflow_ingest_documents_completed_total",
                                "Documents acknowledged by aggregate (every stage done).");
    m.quarantined = &r.GetCounter("reportflow_ingest_documents_quarantined_total",
                                  "Documents quarantined (permanent failure or attempts exhausted).");
    m.malformed = &r.GetCounter("reportflow_ingest_malformed_messages_total",
                                "Messages dropped because they did not parse or were unexpected.");
    m.store_errors = &r.GetCounter("reportflow_ingest_store_errors_total",
                                   "Failed writes or reads of ingest's store (ledger, batches, rejections).");
    const char* kDispatch = "Documents dispatched to a worker of the stage.";
    m.dispatch_segment = &r.GetCounter("reportflow_ingest_dispatches_total", kDispatch, {{"stage", "segment"}});
    m.dispatch_extract = &r.GetCounter("reportflow_ingest_dispatches_total", kDispatch, {{"stage", "extract"}});
    const char* kRetry = "Documents queued again for another attempt, by reason.";
    m.retry_lease = &r.GetCounter("reportflow_ingest_redispatches_total", kRetry, {{"reason", "lease_expired"}});
    m.retry_failure = &r.GetCounter("reportflow_ingest_redispatches_total", kRetry, {{"reason", "stage_failure"}});
    m.retry_restart = &r.GetCounter("reportflow_ingest_redispatches_total", kRetry, {{"reason", "worker_restarted"}});
    m.in_flight = &r.GetGauge("reportflow_ingest_in_flight_documents", "Documents dispatched and not yet acknowledged.");
    const char* kQueued = "Documents waiting for a worker of the stage.";
    m.queued_segment = &r.GetGauge("reportflow_ingest_queued_documents", kQueued, {{"stage", "segment"}});
    m.queued_extract = &r.GetGauge("reportflow_ingest_queued_documents", kQueued, {{"stage", "extract"}});
    const char* kWorkers = "Workers of the stage that announced capacity recently.";
    m.workers_segment = &r.GetGauge("reportflow_ingest_workers", kWorkers, {{"stage", "segment"}});
    m.workers_extract = &r.GetGauge("reportflow_ingest_workers", kWorkers, {{"stage", "extract"}});
    m.active_batches = &r.GetGauge("reportflow_ingest_active_batches", "Batches not yet done.");
    m.document_seconds = &r.GetHistogram("reportflow_ingest_document_seconds",
                                         "Time from the last dispatch of a document to its acknowledgement, in seconds.",
                                         metrics::LatencyBuckets());
  }

  PipelineLoad Load() const {
    PipelineLoad load;
    load.segment_queued = static_cast<uint32_t>(dispatcher->queued(Stage::kSegment));
    load.extract_queued = static_cast<uint32_t>(dispatcher->queued(Stage::kExtract));
    load.segment_workers = static_cast<uint32_t>(dispatcher->workers(Stage::kSegment));
    load.extract_workers = static_cast<uint32_t>(dispatcher->workers(Stage::kExtract));
    return load;
  }

  void UpdateGauges() {
    m.in_flight->Set(static_cast<double>(dispatcher->in_flight()));
    m.queued_segment->Set(static_cast<double>(dispatcher->queued(Stage::kSegment)));
    m.queued_extract->Set(static_cast<double>(dispatcher->queued(Stage::kExtract)));
    m.workers_segment->Set(static_cast<double>(dispatcher->workers(Stage::kSegment)));
    m.workers_extract->Set(static_cast<double>(dispatcher->workers(Stage::kExtract)));
    m.active_batches->Set(static_cast<double>(batches->active()));
  }

  google::protobuf::Timestamp Now() const { return TimeUtil::MillisecondsToTimestamp(clock.NowMillis()); }

  // The trace id of a document's attempt ("-" before its first dispatch), for log lines.
  static std::string TraceFor(const std::string& doc_id, uint32_t attempt) {
    return attempt > 0 ? text::TraceIdFor(doc_id + "/" + std::to_string(attempt)) : "-";
  }

  // Errors of the store are counted and logged, never taken for "not there".
  void StoreError(const std::string& what, const Status& s) {
    if (s.ok()) return;
    m.store_errors->Inc();
    log->error("{}: {}", what, s.ToString());
    if (storage::IsNoSpace(s)) shell->Fail(s);  // a full disk stops ingest (exit kExitNoSpace), see common/service
  }

  void LogDone(const std::vector<const BatchTracker::Batch*>& done) {
    for (const auto* b : done) {
      log->info("batch {} done: {} documents, {} rejected, {} quarantined", b->record.batch_id(), b->docs.size(),
                b->record.rejected(), b->quarantined);
    }
  }

  void Quarantine(const std::string& doc_id, std::string stage, const std::string& error, uint32_t attempt) {
    if (stage.empty()) stage = "pipeline";
    TakeHandoff(doc_id);  // not dispatched again
    pb::LedgerEntry entry;
    Status rs = ledger->Read(doc_id, &entry);
    if (!rs.ok()) {
      StoreError("doc=" + doc_id + " ledger read before quarantine", rs);
      entry.set_doc_id(doc_id);
    }
    const std::string trace = TraceFor(doc_id, attempt);
    // Recorded with the quarantine: a crash before aggregate confirms the
    // withdrawal sends it again at the next start.
    entry.set_withdrawal(pb::WITHDRAWAL_STATE_PENDING);
    StoreError("doc=" + doc_id + " trace=" + trace + " cannot quarantine", ledger->Quarantine(entry, stage, error));
    log->warn("doc={} trace={} quarantined after {} attempts at stage {}: {}", doc_id, trace, entry.attempts(), stage,
              error);
    m.quarantined->Inc();
    segmented.erase(doc_id);
    SendWithdraw(entry, "quarantined");
    LogDone(batches->Finished(doc_id, /*quarantined=*/true, 0));
  }

  // ---- withdrawals ----------------------------------------------------------
  // A quarantined document never contributes: aggregate is told to drop its
  // contribution (committed before the quarantine, or by a late result) and
  // to refuse later results of its attempts; the ledger records when aggregate
  // confirms (services/ingest/README.md, "Withdrawals").

  void SendWithdraw(const pb::LedgerEntry& entry, const std::string& why) {
    ppb::Envelope env;
    env.set_doc_id(entry.doc_id());
    env.set_batch_id(entry.batch_id());
    env.set_producer("ingest");
    *env.mutable_produced_at() = Now();
    env.mutable_withdraw()->set_through_attempt(entry.attempt_base() + entry.attempts());
    env.mutable_withdraw()->set_reason(why);
    Frames frames;
    messaging::AppendEnvelope(env, &frames);
    const bool sent = messaging::SendFrames(withdrawals, frames, /*dont_wait=*/true).ok();
    withdrawing[entry.doc_id()] = sent ? clock.MonotonicMillis() : 0;  // unsent (aggregate away): next tick
    log->debug("doc={} withdrawal {} ({})", entry.doc_id(), sent ? "sent" : "waits for aggregate", why);
  }

  // A late ack of a quarantined document: its contribution came back; withdraw it again.
  void Rewithdraw(pb::LedgerEntry entry) {
    if (entry.withdrawal() != pb::WITHDRAWAL_STATE_PENDING) {
      entry.set_withdrawal(pb::WITHDRAWAL_STATE_PENDING);
      StoreError("doc=" + entry.doc_id() + " withdrawal record",
                 ledger->Quarantine(entry, entry.last_error_stage(), entry.last_error()));
    }
    SendWithdraw(entry, "late result of a quarantined document");
  }

  // Aggregate confirmed: the document contributes nothing (committed there).
  void OnWithdrawn(const ppb::Envelope& env) {
    pb::LedgerEntry entry;
    Status s = ledger->Read(env.doc_id(), &entry);
    if (!s.ok()) {
      if (s.code() != StatusCode::kNotFound) StoreError("doc=" + env.doc_id() + " ledger read", s);
      return;
    }
    if (entry.state() != pb::DOC_STATE_QUARANTINED) {
      log->debug("doc={} withdrawal confirmed for a document no longer quarantined; ignored", env.doc_id());
      return;
    }
    withdrawing.erase(env.doc_id());
    if (entry.withdrawal() == pb::WITHDRAWAL_STATE_CONFIRMED) return;
    entry.set_withdrawal(pb::WITHDRAWAL_STATE_CONFIRMED);
    StoreError("doc=" + env.doc_id() + " withdrawal record",
               ledger->Quarantine(entry, entry.last_error_stage(), entry.last_error()));
    log->info("doc={} withdrawn from aggregate store {}{}", env.doc_id(), env.withdrawn().store_id(),
              env.withdrawn().removed() ? " (its contribution removed)" : "");
  }

  // Sends again the withdrawals not confirmed in time (or not sent at all).
  void ResendWithdrawals() {
    const int64_t now = clock.MonotonicMillis();
    std::vector<std::string> due;
    for (const auto& [doc_id, sent] : withdrawing) {
      if (sent == 0 || now - sent >= kWithdrawResendMillis) due.push_back(doc_id);
    }
    for (const auto& doc_id : due) {
      pb::LedgerEntry entry;
      if (!ledger->Read(doc_id, &entry).ok() || entry.state() != pb::DOC_STATE_QUARANTINED ||
          entry.withdrawal() == pb::WITHDRAWAL_STATE_CONFIRMED) {
        withdrawing.erase(doc_id);
        continue;
      }
      SendWithdraw(entry, "not confirmed yet");
    }
  }

  // A retry decided by the dispatcher: count it, or quarantine the document.
  // A quarantine without an error of its own gives the ledger's last error,
  // else `unacknowledged` (why it did not come back).
  void Apply(const Retry& r, const std::string& stage, const std::string& error, metrics::Counter* reason,
             const char* unacknowledged = "not acknowledged within the lease, attempts exhausted") {
    segmented.erase(r.doc_id);
    if (r.quarantine) {
      std::string why = error, where = stage;
      if (why.empty()) {
        pb::LedgerEntry entry;
        if (ledger->Read(r.doc_id, &entry).ok() && !entry.last_error().empty()) {
          why = entry.last_error();
          where = entry.last_error_stage();
        } else {
          why = unacknowledged;
        }
      }
      Quarantine(r.doc_id, where, why, r.attempts);
      return;
    }
    reason->Inc();
    batches->Retried(r.doc_id);
  }

  // ---- intake ---------------------------------------------------------------

  void Reject(BatchTracker::Batch& b, const pb::Rejection& rejection) {
    log->warn("rejected {}: {}", rejection.source(), rejection.reason());
    std::string code = pb::RejectionCode_Name(rejection.code());
    if (code.rfind("REJECTION_CODE_", 0) == 0) code.erase(0, sizeof("REJECTION_CODE_") - 1);
    for (char& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    shell->registry().GetCounter("reportflow_ingest_files_rejected_total", "Input files rejected, by rejection code.",
                                 {{"code", code}}).Inc();
    StoreError("cannot record rejection of " + rejection.source(), batches->Reject(b, rejection));
  }

  void Admit(BatchTracker::Batch& b, const std::string& source, std::string_view bytes,
             std::optional<DecodeOutcome>& decoded) {
    DecodeOutcome out = decoded ? std::move(*decoded) : DecodeDocument(source, bytes);
    if (!out.ok) return Reject(b, out.rejection);
    const std::string& doc_id = out.doc_id;
    if (batches->Contains(b, doc_id) || admitting_ids.contains(doc_id)) {
      pb::Rejection dup;
      dup.set_source(source);
      dup.set_code(pb::REJECTION_CODE_DUPLICATE);
      dup.set_duplicate_of(doc_id);
      dup.set_reason("same text as another file of this batch (doc " + doc_id + ")");
      return Reject(b, dup);
    }
    pb::LedgerEntry entry;
    Status s = ledger->Read(doc_id, &entry);
    if (s.ok()) {
      if (entry.state() == pb::DOC_STATE_COMPLETE || entry.state() == pb::DOC_STATE_QUARANTINED) {
        batches->AttachFinished(b, doc_id, entry.state() == pb::DOC_STATE_QUARANTINED);
        return;
      }
      // Known but unfinished (e.g. before a crash, or complete without its results): make sure it is queued.
      if (!batches->Contains(b, doc_id) && reprocessed.contains(doc_id)) batches->Reprocessing(b);
      batches->Attach(b, doc_id);
      dispatcher->Submit(doc_id, entry.attempts(), entry.attempt_base());
      return;
    }
    if (s.code() != StatusCode::kNotFound) StoreError("ledger read of " + source, s);
    entry.Clear();
    entry.set_doc_id(doc_id);
    entry.set_source(source);
    entry.set_state(pb::DOC_STATE_INGESTED);
    entry.set_batch_id(b.record.batch_id());
    *entry.mutable_ingested_at() = Now();
    // Stored with the pass's other new documents (StoreAdmitted).
    if (admitting_batch != &b) StoreAdmitted();
    admitting_batch = &b;
    admitting_ids.insert(doc_id);
    admitting.push_back({doc_id, out.document.SerializeAsString(), std::move(entry)});
  }

  // Stores the documents admitted since the last call in one write, then
  // attaches them to their batch and queues them for segment. A full disk
  // stops ingest (no rejection: not the files' fault); another store error
  // rejects them, naming it.
  void StoreAdmitted() {
    if (admitting.empty()) return;
    BatchTracker::Batch& b = *admitting_batch;
    const Status s = store->PutNewDocuments(admitting);
    if (storage::IsNoSpace(s)) {
      StoreError("cannot store " + std::to_string(admitting.size()) + " documents (the first: " +
                     admitting.front().entry.source() + ")",
                 s);
    }
    for (IngestStore::NewDocument& d : admitting) {
      if (storage::IsNoSpace(s)) {
        continue;
      } else if (!s.ok()) {
        m.store_errors->Inc();
        pb::Rejection r;
        r.set_source(d.entry.source());
        r.set_code(pb::REJECTION_CODE_UNREADABLE);
        r.set_reason("cannot store document: " + s.ToString());
        Reject(b, r);
      } else {
        batches->Attach(b, d.doc_id);
        ledger->Remember(d.entry);
        m.stored->Inc();
        dispatcher->Submit(d.doc_id, 0);
        if (handoff_bytes + d.document.size() <= kHandoffBytes) {
          handoff_bytes += d.document.size();
          handoff[d.doc_id] = std::move(d.document);
        }
      }
    }
    admitting.clear();
    admitting_ids.clear();
    admitting_batch = nullptr;
  }

  // The serialized document kept for its first dispatch (empty: none kept).
  std::string TakeHandoff(const std::string& doc_id) {
    auto it = handoff.find(doc_id);
    if (it == handoff.end()) return {};
    std::string bytes = std::move(it->second);
    handoff_bytes -= bytes.size();
    handoff.erase(it);
    return bytes;
  }

  // ---- stores -------------------------------------------------------------

  // A stage announced its store (every WorkerReady, every ack).
  void NoteStore(const char* stage, const std::string& worker, const std::string& id, const std::string& note,
                 std::optional<uint64_t> documents) {
    if (documents) stores->ReportCount(stage, id, *documents);
    bool fresh = false;
    StoreError(std::string("record of the ") + stage + " store", stores->Report(stage, worker, id, note, &fresh));
    if (!fresh) return;
    if (note.find("damaged") != std::string::npos) {
      log->warn("a {} stage has store {}: {}", stage, id, note);
    } else {
      log->info("a {} stage has store {}{}{}", stage, id, note.empty() ? "" : ": ", note);
    }
  }

  // Whether the ledger's completions may be trusted: every stage announced
  // its store and, when one the ledger refers to is gone, the complete
  // documents whose results it held are set to be processed again. Until
  // then no batch is scanned (so nothing is taken for "already complete").
  bool StoresJudged() {
    if (!stores->Due()) return true;
    if (!stores->Settled()) return false;
    auto outcome = stores->Judge();
    if (!outcome.ok()) {
      StoreError("judging the stores", outcome.status());
      return false;
    }
    if (outcome->reprocess.empty()) {
      StoreError("forgetting stale stores", stores->Forget(*outcome));
      return true;
    }
    for (auto& e : outcome->reprocess) {
      e.set_state(pb::DOC_STATE_INGESTED);
      e.set_attempts(0);
      e.set_metrics(0);
      e.clear_segment_store();
      e.clear_extract_store();
      e.clear_aggregate_store();
      e.clear_dispatched_at();
      e.clear_segmented_at();
      e.clear_completed_at();
      reprocessed.insert(e.doc_id());
      ledger->Write(e);
    }
    Status s = ledger->Commit();
    if (s.ok()) s = stores->Forget(*outcome);  // only once the entries are reset
    StoreError("resetting documents whose results are missing", s);
    for (const auto& note : outcome->notes) log->warn("{}", note);
    batches->AddStoreNotes(outcome->notes);
    return s.ok();
  }

  void ScanSome() {
    if (!StoresJudged()) return;
    int steps = 0;
    while (steps < kScanStepItems && dispatcher->outstanding() + admitting.size() < config.limits().max_in_flight()) {
      BatchTracker::Batch* b = batches->Scanning();
      if (!b) break;
      ScanItem item;
      if (!b->scanner->Next(&item)) {
        StoreAdmitted();  // the batch's last documents, before it is marked scanned
        auto done = batches->ScanDone(*b);
        log->info("batch {} scanned: {} files, {} documents, {} rejected", b->record.batch_id(),
                  b->record.files_found(), b->docs.size(), b->record.rejected());
        LogDone(done);
        continue;
      }
      if (item.waiting) break;  // a decode runs in the sandbox; it wakes the loop when done
      ++steps;
      m.files->Inc();
      b->record.set_files_found(static_cast<uint32_t>(b->scanner->items_seen()));
      if (item.rejected) {
        Reject(*b, item.rejection);
      } else {
        Admit(*b, item.source, item.bytes, item.decoded);
      }
    }
    StoreAdmitted();
  }

  // ---- dispatch -----------------------------------------------------------

  // What one dispatch pass sends one worker: all its documents in one
  // message, [identity] ([header][body])+.
  struct Outgoing {
    Frames frames;
    std::vector<Assignment> assignments;
    // Segment: each document's attempts and dispatch time, recorded in its ledger entry once sent.
    std::vector<std::pair<uint32_t, google::protobuf::Timestamp>> dispatched;
  };
  using OutgoingByWorker = std::map<std::string, Outgoing>;

  Outgoing& OutgoingFor(OutgoingByWorker& out, const std::string& worker) {
    Outgoing& o = out[worker];
    if (o.frames.empty()) o.frames.emplace_back(worker.data(), worker.size());
    return o;
  }

  // Sends each worker its message; a worker that cannot be reached loses
  // its credits and its documents go back to the front of their queue.
  // Returns false if some message was not sent.
  bool SendAll(zmq::socket_t& socket, OutgoingByWorker& out, const std::function<void(Outgoing&)>& on_sent,
               const std::function<void(Outgoing&)>& on_unsent) {
    bool all = true;
    for (auto& [worker, o] : out) {
      // Packed into one frame when it fits (messaging::PackEnvelopes); the
      // frames themselves stay, for on_unsent.
      Frames packed;
      Frames& wire = messaging::PackedOrAsIs(o.frames, 1, config.limits().max_message_bytes(), &packed);
      Status s = messaging::SendFrames(socket, wire);
      if (s.ok()) {
        on_sent(o);
        continue;
      }
      all = false;
      log->warn("{} worker {} unreachable: {}", StageName(o.assignments.front().stage), PrintableIdentity(worker),
                s.ToString());
      for (const auto& a : o.assignments) dispatcher->Unsent(a);
      on_unsent(o);
    }
    return all;
  }

  void DispatchSegments() {
    std::vector<Retry> exhausted;
    bool sent_all = false;
    while (!sent_all) {
      OutgoingByWorker out;
      while (auto a = dispatcher->Next(Stage::kSegment, &exhausted)) {
        std::string batch_id;
        uint32_t attempt_base = 0;
        pb::RawDocument doc;
        std::string kept = TakeHandoff(a->doc_id);
        Status s = ledger->Update(a->doc_id, [&](const pb::LedgerEntry& entry) {
          batch_id = entry.batch_id();
          attempt_base = entry.attempt_base();
          return false;
        });
        if (s.ok() && kept.empty()) s = store->GetDocument(a->doc_id, &doc);
        if (!s.ok()) {
          m.store_errors->Inc();
          log->error("doc={} trace=- cannot load for dispatch: {}", a->doc_id, s.ToString());
          dispatcher->Dispatched(*a);
          Retry r;
          dispatcher->OnFailure(a->doc_id, a->attempt, /*permanent=*/true, &r);
          dispatcher->ReturnCredit(Stage::kSegment, a->worker);
          Quarantine(a->doc_id, "ingest", "cannot load stored document: " + s.ToString(), a->attempt);
          continue;
        }
        ppb::Envelope env;
        env.set_doc_id(a->doc_id);
        env.set_batch_id(batch_id);
        env.set_attempt(a->attempt);
        env.set_trace_id(TraceFor(a->doc_id, a->attempt));
        *env.mutable_produced_at() = Now();
        env.set_producer("ingest");
        Outgoing& o = OutgoingFor(out, a->worker);
        if (kept.empty()) {
          *env.mutable_raw_document() = std::move(doc);
          messaging::AppendEnvelope(env, &o.frames);
        } else {
          messaging::AppendEnvelopeWithPayload(env, ppb::Envelope::kRawDocumentFieldNumber, kept, &o.frames);
        }
        o.dispatched.emplace_back(a->attempt - attempt_base, env.produced_at());
        o.assignments.push_back(std::move(*a));
      }
      sent_all = SendAll(
          segment_work, out,
          [this](Outgoing& o) {
            for (size_t i = 0; i < o.assignments.size(); ++i) {
              const Assignment& a = o.assignments[i];
              dispatcher->Dispatched(a);
              (void)ledger->Update(a.doc_id, [&](pb::LedgerEntry& entry) {
                entry.set_attempts(o.dispatched[i].first);
                *entry.mutable_dispatched_at() = o.dispatched[i].second;
                return true;
              });
              m.dispatch_segment->Inc();
              if (log->should_log(spdlog::level::debug)) {  // a trace id is a hash: not built for nothing
                log->debug("doc={} trace={} dispatched to segment worker {} (attempt {})", a.doc_id,
                           TraceFor(a.doc_id, a.attempt), PrintableIdentity(a.worker), a.attempt);
              }
            }
          },
          [](Outgoing&) {});
    }
    for (const auto& r : exhausted) Apply(r, "", "", m.retry_lease);
  }

  void DispatchExtracts() {
    std::vector<Retry> unused;
    bool sent_all = false;
    while (!sent_all) {
      OutgoingByWorker out;
      while (auto a = dispatcher->Next(Stage::kExtract, &unused)) {
        auto it = segmented.find(a->doc_id);
        if (it == segmented.end()) {
          // Cannot happen: every queued extract has its frames. Were it to,
          // skipping it would keep the credit taken and leave the document
          // in flight with no lease, and the batch would never end: the
          // credit goes back and the document is segmented again.
          log->error("doc={} queued for extract without its segmented form; segmenting it again", a->doc_id);
          dispatcher->ReturnCredit(Stage::kExtract, a->worker);
          Retry r;
          if (dispatcher->OnFailure(a->doc_id, a->attempt, /*permanent=*/false, &r) == Verdict::kAccepted) {
            Apply(r, "extract", "its segmented form was lost in ingest", m.retry_failure);
          }
          continue;
        }
        // The frames move (no copy of the document); if the send fails they move back.
        Outgoing& o = OutgoingFor(out, a->worker);
        for (auto& f : it->second) o.frames.push_back(std::move(f));
        segmented.erase(it);
        o.assignments.push_back(std::move(*a));
      }
      sent_all = SendAll(
          extract_work, out,
          [this](Outgoing& o) {
            for (const auto& a : o.assignments) {
              dispatcher->Dispatched(a);
              // The store that will hold its extraction, in the ledger (the
              // pass's batch): an ack that reaches a restarted ingest finds it there.
              (void)ledger->Update(a.doc_id, [&](pb::LedgerEntry& entry) {
                entry.set_extract_store(stores->StoreOf("extract", a.worker));
                return true;
              });
              if (log->should_log(spdlog::level::debug)) {  // a trace id is a hash: not built for nothing
                log->debug("doc={} trace={} dispatched to extract worker {} (attempt {})", a.doc_id,
                           TraceFor(a.doc_id, a.attempt), PrintableIdentity(a.worker), a.attempt);
              }
            }
            m.dispatch_extract->Inc(o.assignments.size());
          },
          [this](Outgoing& o) {
            for (size_t i = 0; i < o.assignments.size(); ++i) {
              Frames back;
              back.push_back(std::move(o.frames[1 + 2 * i]));
              back.push_back(std::move(o.frames[2 + 2 * i]));
              segmented[o.assignments[i].doc_id] = std::move(back);
            }
          });
    }
  }

  void CheckLeases() {
    for (const Retry& r : dispatcher->ExpireLeases()) {
      log->warn("doc={} trace={} not acknowledged within {} ms; {}", r.doc_id, TraceFor(r.doc_id, r.attempts),
                config.limits().lease_ms(), r.quarantine ? "attempts exhausted" : "re-dispatching");
      Apply(r, "", "", m.retry_lease);
    }
    dispatcher->ExpireSilentWorkers();
  }

  // ---- handlers -------------------------------------------------------------

  void CountBad(const std::string& where, const Status& s) {
    m.malformed->Inc();
    log->warn("dropped malformed message on {}: {}", where, s.ToString());
  }

  void HandleFailure(const ppb::Envelope& env) {
    const auto& f = env.failure();
    Retry r;
    const Verdict v = dispatcher->OnFailure(env.doc_id(), env.attempt(), f.permanent(), &r);
    if (v != Verdict::kAccepted) {
      log->debug("doc={} trace={} failure of attempt {} ignored (no longer in flight)", env.doc_id(), env.trace_id(),
                 env.attempt());
      return;
    }
    log->warn("doc={} trace={} failed at {} (attempt {}): {}", env.doc_id(), env.trace_id(), f.stage(), env.attempt(),
              f.error());
    if (!r.quarantine) {
      pb::LedgerEntry entry;
      if (ledger->Read(env.doc_id(), &entry).ok()) {
        entry.set_last_error(f.error());
        entry.set_last_error_stage(f.stage());
        ledger->Write(entry);
      }
    }
    Apply(r, f.stage(), f.error(), m.retry_failure);
  }

  void OnReady(Stage stage, const std::string& worker, const ppb::WorkerReady& ready) {
    NoteStore(StageName(stage), worker, ready.store_id(), ready.store_note(),
              ready.has_store_documents() ? std::optional<uint64_t>(ready.store_documents()) : std::nullopt);
    for (const std::string& doc_id : ready.forwarded()) dispatcher->OnForwarded(stage, worker, doc_id);
    const ReadyOutcome outcome = dispatcher->OnReady(stage, worker, std::min<uint32_t>(ready.credits(), 4096),
                                                     ready.replace(), ready.worker_id(), ready.incarnation());
    if (outcome.restarted) {
      log->warn("{} worker {} restarted: the {} documents its previous process held are dispatched again",
                StageName(stage), ready.worker_id(), outcome.lost.size());
    }
    for (const Retry& r : outcome.lost) {
      log->warn("doc={} trace={} lost with {} worker {} (its process ended); {}", r.doc_id,
                TraceFor(r.doc_id, r.attempts), StageName(stage), ready.worker_id(),
                r.quarantine ? "attempts exhausted" : "re-dispatching");
      Apply(r, "", "", m.retry_restart, "lost with its worker (the process ended), attempts exhausted");
    }
    if (outcome.shared_id) {
      log->error("two {} workers announce the worker id {}: give each its own worker_id (a restart of either is "
                 "now noticed only when its documents' lease runs out)",
                 StageName(stage), ready.worker_id());
    }
    // A worker that withdrew all its credit is stopping: tell it that nothing
    // more is on its way, so its drain ends now rather than after a quiet time.
    if (ready.replace() && ready.credits() == 0) SendNoMoreWork(stage, worker);
  }

  // Tells `worker` that ingest sends it nothing more (until it announces
  // credit again): a WorkerReady of 0 credits from ingest (`worker` is the
  // routing identity, not the worker id, so it is not named). It follows every
  // document sent to the worker on the same connection, so a worker that reads
  // it holds all of them (common/service/worker_runner.h, "Stopping").
  // Best effort: a worker that is gone needs no answer.
  void SendNoMoreWork(Stage stage, const std::string& worker) {
    Frames frames;
    frames.emplace_back(worker.data(), worker.size());
    messaging::AppendEnvelope(service::EndOfWork(StageName(stage)), &frames);
    Status s = messaging::SendFrames(stage == Stage::kSegment ? segment_work : extract_work, frames, /*dont_wait=*/true);
    if (!s.ok()) log->debug("{} worker: end of work not sent: {}", StageName(stage), s.ToString());
  }

  // Tells aggregate, on its input after any withdrawal, that ingest stops
  // with no document in flight: the end of work, as to a worker.
  // Best effort, waiting at most kEndOfWorkWaitMillis for the connection
  // (one just made may still be in its handshake): without it aggregate
  // drains until its input is quiet.
  void SendNoMoreWorkToAggregate() {
    messaging::Poll writable;
    writable.Add(withdrawals, messaging::Poll::kOut);
    if (!writable.Wait(kEndOfWorkWaitMillis).ok() || !writable.Ready(0, messaging::Poll::kOut)) {
      log->debug("aggregate: end of work not sent: no connection");
      return;
    }
    Frames frames;
    messaging::AppendEnvelope(service::EndOfWork("aggregate"), &frames);
    Status s = messaging::SendFrames(withdrawals, frames, /*dont_wait=*/true);
    if (!s.ok()) log->debug("aggregate: end of work not sent: {}", s.ToString());
  }

  // A segmented document passes through to extract unread: only its routing
  // fields are parsed (EnvelopeHead), its two frames are forwarded as they came.
  void OnSegmentedDocument(const std::string& worker, Frames& frames, size_t index) {
    ppb::EnvelopeHead head;
    Status s = messaging::ParseEnvelopeHeadAt(frames, 1, index, &head);
    if (!s.ok()) return CountBad("segment_work", s);
    dispatcher->ReturnCredit(Stage::kSegment, worker);  // a result returns its credit
    if (dispatcher->OnSegmented(head.doc_id(), head.attempt()) != Verdict::kAccepted) {
      log->debug("doc={} trace={} late segment result ignored", head.doc_id(), head.trace_id());
      return;
    }
    (void)ledger->Update(head.doc_id(), [&](pb::LedgerEntry& entry) {
      entry.set_state(pb::DOC_STATE_SEGMENTED);
      *entry.mutable_segmented_at() = Now();
      entry.set_segment_store(stores->StoreOf("segment", worker));
      return true;
    });
    batches->Segmented(head.doc_id());
    Frames forward;
    forward.push_back(std::move(frames[1 + 2 * index]));
    forward.push_back(std::move(frames[2 + 2 * index]));
    segmented[head.doc_id()] = std::move(forward);
  }

  void OnSegmentWork(Frames& frames) { OnWorkerMessage(Stage::kSegment, "segment_work", frames); }
  void OnExtractWork(Frames& frames) { OnWorkerMessage(Stage::kExtract, "extract_work", frames); }

  // A worker's message: [identity] then one or more envelopes (results,
  // failures, readiness).
  void OnWorkerMessage(Stage stage, const char* where, Frames& frames) {
    if (frames.size() < 3) return CountBad(where, Status::Corruption("too few frames"));
    const std::string worker = frames[0].to_string();
    auto count = messaging::CountEnvelopes(frames, 1);
    if (!count.ok()) return CountBad(where, count.status());
    for (size_t i = 0; i < *count; ++i) {
      if (stage == Stage::kSegment && messaging::EnvelopeHeaderAt(frames, 1, i) == "rf1.segmented_document") {
        OnSegmentedDocument(worker, frames, i);
        continue;
      }
      ppb::Envelope env;
      Status s = messaging::ParseEnvelopeAt(frames, 1, i, &env);
      if (!s.ok()) {
        CountBad(where, s);
        continue;
      }
      switch (env.payload_case()) {
        case ppb::Envelope::kReady:
          OnReady(stage, worker, env.ready());
          break;
        case ppb::Envelope::kFailure:
          dispatcher->ReturnCredit(stage, worker);
          HandleFailure(env);
          break;
        default:
          CountBad(where, Status::Corruption("unexpected payload " + messaging::EnvelopeHeader(env)));
      }
    }
  }

  // Aggregate's acknowledgements of a group: one or more envelopes.
  void OnAcks(Frames& frames) {
    auto count = messaging::CountEnvelopes(frames, 0);
    if (!count.ok()) return CountBad("ingest_acks", count.status());
    for (size_t i = 0; i < *count; ++i) {
      ppb::Envelope env;
      Status s = messaging::ParseEnvelopeAt(frames, 0, i, &env);
      if (s.ok() && env.payload_case() == ppb::Envelope::kWithdrawn) {
        OnWithdrawn(env);
        continue;
      }
      if (!s.ok() || env.payload_case() != ppb::Envelope::kAck) {
        CountBad("ingest_acks", s.ok() ? Status::Corruption("not an ack") : s);
        continue;
      }
      NoteStore("aggregate", "", env.ack().store_id(), env.ack().store_note(),
                env.ack().has_store_documents() ? std::optional<uint64_t>(env.ack().store_documents()) : std::nullopt);
      if (env.doc_id().empty()) continue;  // an announcement of aggregate's store
      OnAck(env);
    }
  }

  void OnAck(const ppb::Envelope& env) {
    int64_t dispatched = 0;
    const Verdict v = dispatcher->OnAck(env.doc_id(), &dispatched);
    bool completed = false;
    std::optional<pb::LedgerEntry> withdraw_again;
    Status s = ledger->Update(env.doc_id(), [&](pb::LedgerEntry& entry) {
      // A quarantined document (now, or by an earlier run) never counts: its
      // late result reached aggregate's rollups, so it is withdrawn again.
      if (v == Verdict::kQuarantined || entry.state() == pb::DOC_STATE_QUARANTINED) {
        log->info("doc={} trace={} late ack of a quarantined document: not counted, withdrawn again", env.doc_id(),
                  env.trace_id());
        if (entry.state() == pb::DOC_STATE_QUARANTINED) withdraw_again = entry;
        return false;
      }
      // Finished before (a duplicate ack): counts no more.
      if (entry.state() == pb::DOC_STATE_COMPLETE) return false;
      entry.set_state(pb::DOC_STATE_COMPLETE);
      entry.set_metrics(env.ack().metrics());
      entry.set_aggregate_store(env.ack().store_id());
      *entry.mutable_completed_at() = Now();
      completed = true;
      return true;
    });
    if (!s.ok()) {
      log->warn("doc={} trace={} ack for an unknown document", env.doc_id(), env.trace_id());
      return;
    }
    if (withdraw_again) Rewithdraw(std::move(*withdraw_again));
    if (!completed) return;
    if (v == Verdict::kAccepted && dispatched > 0) {
      m.document_seconds->Observe(static_cast<double>(clock.MonotonicMillis() - dispatched) / 1000.0);
    }
    segmented.erase(env.doc_id());
    m.completed->Inc();
    log->debug("doc={} trace={} complete: {} metrics", env.doc_id(), env.trace_id(), env.ack().metrics());
    LogDone(batches->Finished(env.doc_id(), false, env.ack().metrics()));
  }

  void OnControl(Frames& frames) {
    // REQ clients: [identity][empty][header][body]
    if (frames.size() != 4 || frames[1].size() != 0) return CountBad("ingest_control", Status::Corruption("bad frames"));
    ppb::ControlRequest req;
    ppb::ControlResponse resp;
    Status s = messaging::ParseMessage(frames, 2, messaging::kControlHeader, &req);
    if (!s.ok()) {
      CountBad("ingest_control", s);
      resp.set_error("malformed request: " + s.message());
    } else {
      ControlOutcome outcome;
      resp = control_handler->Handle(req, &outcome);
      if (outcome.submitted) {
        m.batches->Inc();
        log->info("batch {} submitted: {} paths", req.submit().batch_id(), req.submit().paths_size());
      }
      if (outcome.shutdown) shell->loop().Stop();
    }
    Frames reply;
    reply.push_back(std::move(frames[0]));
    reply.emplace_back();
    messaging::AppendMessage(messaging::kControlHeader, resp, &reply);
    Status ss = messaging::SendFrames(control, reply);
    if (!ss.ok()) log->warn("cannot reply to control client: {}", ss.ToString());
  }

  // The end of a poll pass: one ledger batch, and what the trackers could not write.
  void EndPass() {
    StoreError("ledger write", ledger->Commit());
    StoreError("batch record", batches->TakeError());
  }

  // ---- loop -------------------------------------------------------------------

  Status Recover() {
    size_t resumed = 0;
    std::vector<pb::LedgerEntry> forgiven;
    Status s = store->ForEachUnfinished([&](const pb::LedgerEntry& e) {
      // A document that was in flight when ingest stopped lost that attempt to
      // ingest's own stop, not to its content: it is not charged for it.
      const bool charged = e.attempts() > 0 && e.dispatched_at().seconds() > 0;
      dispatcher->Submit(e.doc_id(), charged ? e.attempts() - 1 : e.attempts(), e.attempt_base());
      if (charged) forgiven.push_back(e);
      ++resumed;
    });
    // Quarantined documents whose withdrawal aggregate never confirmed (the
    // crash came first, or they were quarantined before withdrawals existed).
    size_t unconfirmed = 0;
    if (s.ok()) {
      std::vector<pb::LedgerEntry> pending;
      s = store->ForEachQuarantined([&](const pb::LedgerEntry& e) {
        if (e.withdrawal() != pb::WITHDRAWAL_STATE_CONFIRMED) pending.push_back(e);
      });
      for (const auto& e : pending) SendWithdraw(e, "not confirmed before ingest stopped");
      unconfirmed = pending.size();
    }
    for (auto& e : forgiven) {
      e.set_attempts(e.attempts() - 1);
      ledger->Write(e);
    }
    EndPass();
    if (resumed) log->info("resuming {} unfinished documents from the ledger", resumed);
    if (unconfirmed) log->info("withdrawing {} quarantined documents from aggregate (not confirmed yet)", unconfirmed);
    return s;
  }

  // Takes what is ready on `socket` (bounded, so no socket starves the others).
  Status Take(zmq::socket_t& socket, void (Impl::*handler)(Frames&)) {
    for (int i = 0; i < kMaxMessagesPerPass; ++i) {
      ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(socket));
      if (frames.empty()) break;
      (this->*handler)(frames);
    }
    return Status::OK();
  }

  Status Loop() {
    RETURN_IF_ERROR(Recover());
    service::EventLoop& loop = shell->loop();
    // Stopping, the workers' results and aggregate's acks are still recorded; control is not served.
    loop.OnReadable(control, [this] { return Take(control, &Impl::OnControl); }, /*drain=*/false);
    loop.OnReadable(segment_work, [this] { return Take(segment_work, &Impl::OnSegmentWork); });
    loop.OnReadable(extract_work, [this] { return Take(extract_work, &Impl::OnExtractWork); });
    loop.OnReadable(acks, [this] { return Take(acks, &Impl::OnAcks); });
    loop.SetBusy([this] {
      if (stores->Due()) return false;  // no scanning before the stores are judged (StoresJudged)
      const BatchTracker::Batch* b = batches->Scanning();
      return b && !(b->scanner && b->scanner->waiting()) &&
             dispatcher->outstanding() < config.limits().max_in_flight();
    });
    loop.OnPassEnd([this] {
      if (!shell->loop().stopping()) {
        ScanSome();
        DispatchSegments();
        DispatchExtracts();
      }
      EndPass();
      UpdateGauges();
      return Status::OK();
    });
    loop.Every(kLeaseCheckMillis, [this] {
      RETURN_IF_ERROR(retries->Service(clock.MonotonicMillis()));
      CheckLeases();
      ResendWithdrawals();
      return Status::OK();
    });
    shell->endpoint().SetReady(true);
    RETURN_IF_ERROR(loop.Run());
    // Nothing more is dispatched from here on: every worker learns it at once
    // and ends its own drain when it has processed what it holds.
    for (Stage stage : {Stage::kSegment, Stage::kExtract}) {
      for (const std::string& worker : dispatcher->WorkerIds(stage)) SendNoMoreWork(stage, worker);
    }
    // Stopping: dispatch nothing new, but record the results and
    // acknowledgements of documents in flight (workers and aggregate drain
    // too) until none is left, nothing arrives for a moment, or
    // limits.drain_timeout_ms passes. What is still in flight then is
    // resumed on restart without being charged an attempt.
    const int64_t start = clock.MonotonicMillis();
    const size_t before = dispatcher->in_flight();
    if (before > 0 || !withdrawing.empty()) {
      RETURN_IF_ERROR(loop.Drain(start + config.limits().drain_timeout_ms(),
                                 [this] { return dispatcher->in_flight() == 0 && withdrawing.empty(); }));
      const size_t after = dispatcher->in_flight();
      log->info("drained for {} ms: {} of {} documents in flight settled", clock.MonotonicMillis() - start,
                before - std::min(before, after), before);
    }
    EndPass();
    // Nothing in flight and nothing to withdraw: aggregate will get no more
    // work from this run, so its drain may end now rather than after a quiet time.
    if (dispatcher->in_flight() == 0 && withdrawing.empty()) SendNoMoreWorkToAggregate();
    log->info("stopping: {} documents in flight will be resumed on restart", dispatcher->in_flight());
    return store->Flush();
  }
};

Result<std::unique_ptr<IngestService>> IngestService::Create(const config::v1::PipelineConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->log = logging::GetLogger("ingest");
  ASSIGN_OR_RETURN(impl->store, IngestStore::Open(config.ingest().store_path()));
  ASSIGN_OR_RETURN(impl->shell, service::ServiceShell::Create(config, {"ingest", "ingest", config.ingest().http_listen()}));
  impl->RegisterMetrics();
  DispatchLimits limits;
  limits.max_attempts = config.limits().max_attempts();
  limits.lease_ms = config.limits().lease_ms();
  limits.worker_silence_ms = kWorkerSilenceMillis;
  impl->dispatcher = std::make_unique<Dispatcher>(impl->clock, limits);
  impl->batches = std::make_unique<BatchTracker>(impl->clock, impl->store.get());
  impl->ledger = std::make_unique<Ledger>(impl->store.get());
  impl->stores = std::make_unique<StoreCheck>(impl->clock, impl->store.get());
  RETURN_IF_ERROR(impl->stores->Load());
  DecodeSandbox::Options decode;
  decode.budget.timeout_ms = config.limits().decode_timeout_ms();
  decode.budget.memory_bytes = uint64_t{config.limits().decode_memory_mb()} << 20;
  decode.wake = [raw = impl.get()] { raw->shell->loop().waker().Wake(); };
  ASSIGN_OR_RETURN(impl->sandbox, DecodeSandbox::Create(std::move(decode)));
  ScanLimits scan_limits;
  scan_limits.decode_sandbox = impl->sandbox.get();
  scan_limits.max_file_bytes = config.limits().max_file_bytes();
  scan_limits.follow_external_symlinks = config.ingest().follow_external_symlinks();
  Impl* raw = impl.get();
  impl->control_handler = std::make_unique<ControlHandler>(impl->batches.get(), scan_limits, [raw] { return raw->Load(); });
  const messaging::SocketFactory& sockets = impl->shell->sockets();
  const auto& e = config.endpoints();
  ASSIGN_OR_RETURN(impl->control, sockets.Bind(zmq::socket_type::router, e.ingest_control()));
  ASSIGN_OR_RETURN(impl->segment_work, sockets.Bind(zmq::socket_type::router, e.segment_work()));
  ASSIGN_OR_RETURN(impl->extract_work, sockets.Bind(zmq::socket_type::router, e.extract_work()));
  ASSIGN_OR_RETURN(impl->acks, sockets.Bind(zmq::socket_type::pull, e.ingest_acks()));
  ASSIGN_OR_RETURN(impl->withdrawals, sockets.Connect(zmq::socket_type::push, e.aggregate_input()));
  impl->retries = std::make_unique<messaging::HandshakeRetries>(sockets.context(),
                                                                service::LogRefusedHandshakes(impl->log));
  RETURN_IF_ERROR(impl->retries->Watch(&impl->withdrawals, e.aggregate_input()));
  return std::unique_ptr<IngestService>(new IngestService(std::move(impl)));
}

IngestService::IngestService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IngestService::~IngestService() = default;

Status IngestService::Run() { return impl_->Loop(); }

void IngestService::Shutdown() { impl_->shell->Shutdown(); }

}  // namespace reportflow::ingest
