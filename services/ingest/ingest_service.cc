#include "services/ingest/ingest_service.h"

#include <google/protobuf/util/time_util.h>

#include <cctype>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <zmq.hpp>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/logging/logging.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "common/messaging/zap_handler.h"
#include "common/metrics/service_endpoint.h"
#include "common/storage/store.h"
#include "common/text/doc_id.h"
#include "reportflow/pipeline/v1/control.pb.h"
#include "services/ingest/credit_pool.h"
#include "services/ingest/doc_set.h"
#include "services/ingest/document_decoder.h"
#include "services/ingest/input_scanner.h"
#include "services/ingest/ingest_store.h"

namespace reportflow::ingest {
namespace {

namespace pb = ::reportflow::ingest::v1;
namespace ppb = ::reportflow::pipeline::v1;
using messaging::Frames;
using google::protobuf::util::TimeUtil;

constexpr int kPollMillis = 100;
constexpr int64_t kDrainQuietMillis = 300;  // stopping: nothing arriving for this long = done draining
constexpr int kScanStepItems = 64;
constexpr int64_t kWorkerSilenceMillis = 5000;

google::protobuf::Timestamp Now() { return TimeUtil::MillisecondsToTimestamp(Clock::Real().NowMillis()); }

}  // namespace

struct IngestService::Impl {
  // One operator batch while it runs.
  struct Batch {
    pb::BatchRecord record;
    std::unique_ptr<InputScanner> scanner;
    DocSet docs;       // distinct doc_ids
    DocSet finished;   // complete or quarantined
    DocSet segmented;  // past segment (or complete)
    uint32_t retries = 0;                       // re-dispatches of this batch's documents
    uint32_t quarantined = 0;
    uint64_t metrics = 0;
    uint32_t rejection_seq = 0;
    int64_t started_mono = 0;
    int64_t finished_mono = 0;
    bool done() const { return record.scan_done() && finished.size() == docs.size(); }
  };
  // A document dispatched and not yet acknowledged.
  struct InFlight {
    uint32_t attempt = 0;
    int64_t deadline_mono = 0;
    std::string trace_id;
  };

  config::v1::PipelineConfig config;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<service::Waker> waker;
  std::unique_ptr<IngestStore> store;
  zmq::context_t context;
  std::unique_ptr<messaging::ZapHandler> zap;  // security.mode curve: authenticates the CURVE server sockets
  std::unique_ptr<messaging::SocketFactory> factory;
  zmq::socket_t control, segment_work, extract_work, acks;

  std::map<std::string, Batch> batches;  // by batch_id
  std::deque<std::string> scan_order;    // batches still scanning, FIFO
  std::deque<std::string> segment_queue; // doc_ids awaiting a segment worker
  std::deque<Frames> extract_queue;      // segmented envelopes awaiting an extract worker
  std::unordered_map<std::string, InFlight> in_flight;
  std::unordered_map<std::string, std::vector<std::string>> doc_batches;  // doc_id -> active batches
  CreditPool segment_credits;
  CreditPool extract_credits;
  // Ledger entries of documents not yet finished, as last written (reads of
  // the hot path never go to the store), and the entries changed in this
  // poll pass, committed together in one batch at its end (CommitLedger).
  std::unordered_map<std::string, pb::LedgerEntry> ledger_cache;
  std::unordered_map<std::string, pb::LedgerEntry> ledger_dirty;
  std::atomic<bool> stopping{false};

  uint64_t bad_messages = 0;

  // ---- operator endpoint (/metrics, /healthz, /readyz; names in docs/operators.md) ----

  std::unique_ptr<metrics::ServiceEndpoint> endpoint;
  struct Metrics {
    metrics::Counter *batches, *files, *stored, *completed, *quarantined, *malformed;
    metrics::Counter *dispatch_segment, *dispatch_extract, *retry_lease, *retry_failure;
    metrics::Gauge *in_flight, *queued_segment, *queued_extract, *workers_segment, *workers_extract, *active_batches;
    metrics::Histogram* document_seconds;
  } m{};

  // Teardown: the sockets, then their ZAP handler (it counts denials in the
  // registry `endpoint` owns), then (as members) the endpoint and the context.
  ~Impl() {
    control.close();
    segment_work.close();
    extract_work.close();
    acks.close();
    if (zap) zap->Stop();
  }

  void RegisterMetrics() {
    auto& r = endpoint->registry();
    m.batches = &r.GetCounter("reportflow_ingest_batches_submitted_total", "Batches submitted through the control API.");
    m.files = &r.GetCounter("reportflow_ingest_files_scanned_total", "Input files (and archive entries) scanned.");
    m.stored = &r.GetCounter("reportflow_ingest_documents_stored_total", "New documents decoded and stored.");
    m.completed = &r.GetCounter("reportflow_ingest_documents_completed_total",
                                "Documents acknowledged by aggregate (every stage done).");
    m.quarantined = &r.GetCounter("reportflow_ingest_documents_quarantined_total",
                                  "Documents quarantined (permanent failure or attempts exhausted).");
    m.malformed = &r.GetCounter("reportflow_ingest_malformed_messages_total",
                                "Messages dropped because they did not parse or were unexpected.");
    const char* kDispatch = "Documents dispatched to a worker of the stage.";
    m.dispatch_segment = &r.GetCounter("reportflow_ingest_dispatches_total", kDispatch, {{"stage", "segment"}});
    m.dispatch_extract = &r.GetCounter("reportflow_ingest_dispatches_total", kDispatch, {{"stage", "extract"}});
    const char* kRetry = "Documents queued again for another attempt, by reason.";
    m.retry_lease = &r.GetCounter("reportflow_ingest_redispatches_total", kRetry, {{"reason", "lease_expired"}});
    m.retry_failure = &r.GetCounter("reportflow_ingest_redispatches_total", kRetry, {{"reason", "stage_failure"}});
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

  void UpdateGauges() {
    m.in_flight->Set(static_cast<double>(in_flight.size()));
    m.queued_segment->Set(static_cast<double>(segment_queue.size()));
    m.queued_extract->Set(static_cast<double>(extract_queue.size()));
    m.workers_segment->Set(static_cast<double>(segment_credits.workers()));
    m.workers_extract->Set(static_cast<double>(extract_credits.workers()));
    size_t active = 0;
    for (const auto& [id, b] : batches) active += b.done() ? 0 : 1;
    m.active_batches->Set(static_cast<double>(active));
  }

  // The trace id of a document's current attempt ("-" when not dispatched), for log lines.
  std::string TraceOf(const std::string& doc_id) const {
    auto it = in_flight.find(doc_id);
    return it == in_flight.end() || it->second.trace_id.empty() ? "-" : it->second.trace_id;
  }

  // Progress of the batches `doc_id` belongs to: it passed segment / it is re-dispatched.
  void MarkSegmented(const std::string& doc_id) {
    auto it = doc_batches.find(doc_id);
    if (it == doc_batches.end()) return;
    for (const auto& batch_id : it->second) {
      auto bit = batches.find(batch_id);
      if (bit != batches.end()) bit->second.segmented.insert(doc_id);
    }
  }
  void CountRetry(const std::string& doc_id) {
    auto it = doc_batches.find(doc_id);
    if (it == doc_batches.end()) return;
    for (const auto& batch_id : it->second) {
      auto bit = batches.find(batch_id);
      if (bit != batches.end()) ++bit->second.retries;
    }
  }

  // ---- ledger -------------------------------------------------------------

  Status ReadLedger(const std::string& doc_id, pb::LedgerEntry* entry) {
    if (auto it = ledger_cache.find(doc_id); it != ledger_cache.end()) {
      *entry = it->second;
      return Status::OK();
    }
    Status s = store->GetLedger(doc_id, entry);
    if (s.ok() && entry->state() != pb::DOC_STATE_COMPLETE && entry->state() != pb::DOC_STATE_QUARANTINED) {
      ledger_cache[doc_id] = *entry;
    }
    return s;
  }

  // Records `entry` now (in memory) and in the store with this pass's group commit.
  void WriteLedger(const pb::LedgerEntry& entry) {
    if (entry.state() == pb::DOC_STATE_COMPLETE || entry.state() == pb::DOC_STATE_QUARANTINED) {
      ledger_cache.erase(entry.doc_id());
    } else {
      ledger_cache[entry.doc_id()] = entry;
    }
    ledger_dirty[entry.doc_id()] = entry;
  }

  // Group commit of the ledger changes of one poll pass.
  void CommitLedger() {
    if (ledger_dirty.empty()) return;
    std::vector<const pb::LedgerEntry*> entries;
    entries.reserve(ledger_dirty.size());
    for (const auto& [id, e] : ledger_dirty) entries.push_back(&e);
    Status s = store->PutLedgers(entries);
    if (!s.ok()) log->error("ledger write of {} entries failed: {}", entries.size(), s.ToString());
    ledger_dirty.clear();
  }

  void AttachToBatch(const std::string& doc_id, Batch& batch) {
    if (!batch.docs.insert(doc_id)) return;
    batch.record.set_documents(static_cast<uint32_t>(batch.docs.size()));
    doc_batches[doc_id].push_back(batch.record.batch_id());
  }

  void FinishDoc(const std::string& doc_id, bool quarantined, uint32_t metrics) {
    auto it = doc_batches.find(doc_id);
    if (it == doc_batches.end()) return;
    for (const auto& batch_id : it->second) {
      auto bit = batches.find(batch_id);
      if (bit == batches.end()) continue;
      Batch& b = bit->second;
      if (b.finished.insert(doc_id)) {
        if (quarantined) ++b.quarantined;
        if (!quarantined) b.segmented.insert(doc_id);
        b.metrics += metrics;
        MaybeFinishBatch(b);
      }
    }
    doc_batches.erase(it);
  }

  void MaybeFinishBatch(Batch& b) {
    if (!b.done() || b.finished_mono != 0) return;
    b.finished_mono = Clock::Real().MonotonicMillis();
    *b.record.mutable_finished_at() = Now();
    Status s = store->PutBatch(b.record);
    if (!s.ok()) log->error("cannot record batch {}: {}", b.record.batch_id(), s.ToString());
    log->info("batch {} done: {} documents, {} rejected, {} quarantined", b.record.batch_id(), b.docs.size(),
              b.record.rejected(), b.quarantined);
  }

  void Quarantine(const std::string& doc_id, pb::LedgerEntry entry, const std::string& stage, const std::string& error) {
    entry.set_state(pb::DOC_STATE_QUARANTINED);
    entry.set_last_error(error);
    entry.set_last_error_stage(stage);
    ledger_dirty.erase(doc_id);  // the quarantine record below supersedes it
    ledger_cache.erase(doc_id);
    Status s = store->Quarantine(entry);
    const std::string trace = TraceOf(doc_id);
    if (!s.ok()) log->error("doc={} trace={} cannot quarantine: {}", doc_id, trace, s.ToString());
    log->warn("doc={} trace={} quarantined after {} attempts at stage {}: {}", doc_id, trace, entry.attempts(), stage,
              error);
    m.quarantined->Inc();
    in_flight.erase(doc_id);
    FinishDoc(doc_id, /*quarantined=*/true, 0);
  }

  // ---- intake ---------------------------------------------------------------

  size_t Outstanding() const { return in_flight.size() + segment_queue.size(); }

  void Reject(Batch& b, pb::Rejection rejection) {
    b.record.set_rejected(b.record.rejected() + 1);
    if (rejection.code() == pb::REJECTION_CODE_DUPLICATE) b.record.set_duplicates(b.record.duplicates() + 1);
    log->warn("rejected {}: {}", rejection.source(), rejection.reason());
    std::string code = pb::RejectionCode_Name(rejection.code());
    if (code.rfind("REJECTION_CODE_", 0) == 0) code.erase(0, sizeof("REJECTION_CODE_") - 1);
    for (char& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    endpoint->registry().GetCounter("reportflow_ingest_files_rejected_total", "Input files rejected, by rejection code.",
                                    {{"code", code}}).Inc();
    Status s = store->PutRejection(b.record.batch_id(), b.rejection_seq++, rejection);
    if (!s.ok()) log->error("cannot record rejection of {}: {}", rejection.source(), s.ToString());
  }

  void Admit(Batch& b, const std::string& source, std::string_view bytes) {
    DecodeOutcome out = DecodeDocument(source, bytes);
    if (!out.ok) {
      Reject(b, std::move(out.rejection));
      return;
    }
    const std::string& doc_id = out.doc_id;
    if (b.docs.contains(doc_id)) {
      pb::Rejection dup;
      dup.set_source(source);
      dup.set_code(pb::REJECTION_CODE_DUPLICATE);
      dup.set_duplicate_of(doc_id);
      dup.set_reason("same text as another file of this batch (doc " + doc_id + ")");
      Reject(b, std::move(dup));
      return;
    }
    pb::LedgerEntry entry;
    Status s = ReadLedger(doc_id, &entry);
    if (s.ok()) {
      AttachToBatch(doc_id, b);
      if (entry.state() == pb::DOC_STATE_COMPLETE || entry.state() == pb::DOC_STATE_QUARANTINED) {
        if (entry.state() == pb::DOC_STATE_COMPLETE) {
          b.record.set_already_complete(b.record.already_complete() + 1);
          b.segmented.insert(doc_id);
        }
        if (b.finished.insert(doc_id) && entry.state() == pb::DOC_STATE_QUARANTINED) ++b.quarantined;
        doc_batches[doc_id].pop_back();
        if (doc_batches[doc_id].empty()) doc_batches.erase(doc_id);
        return;
      }
      // Known but unfinished (e.g. before a crash): make sure it is queued.
      if (!in_flight.count(doc_id) &&
          std::find(segment_queue.begin(), segment_queue.end(), doc_id) == segment_queue.end()) {
        segment_queue.push_back(doc_id);
      }
      return;
    }
    if (s.code() != StatusCode::kNotFound) {
      log->error("ledger read failed for {}: {}", source, s.ToString());
    }
    entry.Clear();
    entry.set_doc_id(doc_id);
    entry.set_source(source);
    entry.set_state(pb::DOC_STATE_INGESTED);
    entry.set_batch_id(b.record.batch_id());
    *entry.mutable_ingested_at() = Now();
    s = store->PutNewDocument(doc_id, out.document, entry);
    if (!s.ok()) {
      pb::Rejection r;
      r.set_source(source);
      r.set_code(pb::REJECTION_CODE_UNREADABLE);
      r.set_reason("cannot store document: " + s.ToString());
      Reject(b, std::move(r));
      return;
    }
    AttachToBatch(doc_id, b);
    ledger_cache[doc_id] = entry;
    m.stored->Inc();
    segment_queue.push_back(doc_id);
  }

  void ScanSome() {
    int steps = 0;
    while (!scan_order.empty() && steps < kScanStepItems && Outstanding() < config.limits().max_in_flight()) {
      Batch& b = batches.at(scan_order.front());
      ScanItem item;
      if (!b.scanner->Next(&item)) {
        b.record.set_scan_done(true);
        b.record.set_files_found(static_cast<uint32_t>(b.scanner->items_seen()));
        b.scanner.reset();
        scan_order.pop_front();
        Status s = store->PutBatch(b.record);
        if (!s.ok()) log->error("cannot record batch: {}", s.ToString());
        log->info("batch {} scanned: {} files, {} documents, {} rejected", b.record.batch_id(),
                  b.record.files_found(), b.docs.size(), b.record.rejected());
        MaybeFinishBatch(b);
        continue;
      }
      ++steps;
      m.files->Inc();
      b.record.set_files_found(static_cast<uint32_t>(b.scanner->items_seen()));
      if (item.rejected) {
        Reject(b, std::move(item.rejection));
      } else {
        Admit(b, item.source, item.bytes);
      }
    }
  }

  // ---- dispatch -----------------------------------------------------------

  void DispatchSegments() {
    while (segment_credits.total() > 0 && !segment_queue.empty()) {
      const std::string doc_id = segment_queue.front();
      pb::LedgerEntry entry;
      pb::RawDocument doc;
      Status s = ReadLedger(doc_id, &entry);
      if (s.ok()) s = store->GetDocument(doc_id, &doc);
      if (!s.ok()) {
        log->error("doc={} trace=- cannot load for dispatch: {}", doc_id, s.ToString());
        segment_queue.pop_front();
        entry.set_doc_id(doc_id);
        Quarantine(doc_id, entry, "ingest", "cannot load stored document: " + s.ToString());
        continue;
      }
      if (entry.attempts() >= config.limits().max_attempts()) {
        segment_queue.pop_front();
        Quarantine(doc_id, entry, entry.last_error_stage().empty() ? "pipeline" : entry.last_error_stage(),
                   entry.last_error().empty() ? "not acknowledged within the lease, attempts exhausted" : entry.last_error());
        continue;
      }
      ppb::Envelope env;
      env.set_doc_id(doc_id);
      env.set_batch_id(entry.batch_id());
      env.set_attempt(entry.attempts() + 1);
      env.set_trace_id(text::TraceIdFor(doc_id + "/" + std::to_string(env.attempt())));
      *env.mutable_produced_at() = Now();
      env.set_producer("ingest");
      *env.mutable_raw_document() = std::move(doc);
      const std::string worker = *segment_credits.Take();
      Frames frames;
      frames.emplace_back(worker.data(), worker.size());
      messaging::AppendEnvelope(env, &frames);
      s = messaging::SendFrames(segment_work, frames);
      if (!s.ok()) {
        // The worker is gone: drop all its credits and try another.
        log->warn("segment worker {} unreachable: {}", worker, s.ToString());
        segment_credits.Remove(worker);
        continue;
      }
      segment_queue.pop_front();
      entry.set_attempts(env.attempt());
      *entry.mutable_dispatched_at() = env.produced_at();
      WriteLedger(entry);
      m.dispatch_segment->Inc();
      in_flight[doc_id] = InFlight{env.attempt(), Clock::Real().MonotonicMillis() + config.limits().lease_ms(),
                                   env.trace_id()};
      log->debug("doc={} trace={} dispatched to segment worker {} (attempt {})", doc_id, env.trace_id(), worker,
                 env.attempt());
    }
  }

  void DispatchExtracts() {
    while (extract_credits.total() > 0 && !extract_queue.empty()) {
      const std::string worker = *extract_credits.Take();
      Frames frames;
      frames.emplace_back(worker.data(), worker.size());
      // The frames move (no copy of the document); a failed send consumes
      // nothing, so they move back for the next worker.
      for (auto& f : extract_queue.front()) frames.push_back(std::move(f));
      Status s = messaging::SendFrames(extract_work, frames);
      if (!s.ok()) {
        for (size_t i = 1; i < frames.size(); ++i) extract_queue.front()[i - 1] = std::move(frames[i]);
        log->warn("extract worker {} unreachable: {}", worker, s.ToString());
        extract_credits.Remove(worker);
        continue;
      }
      extract_queue.pop_front();
      m.dispatch_extract->Inc();
    }
  }

  void CheckLeases() {
    const int64_t now = Clock::Real().MonotonicMillis();
    std::vector<std::string> expired;
    for (const auto& [doc_id, f] : in_flight) {
      if (f.deadline_mono <= now) expired.push_back(doc_id);
    }
    for (const auto& doc_id : expired) {
      log->warn("doc={} trace={} not acknowledged within {} ms; re-dispatching", doc_id, TraceOf(doc_id),
                config.limits().lease_ms());
      in_flight.erase(doc_id);
      m.retry_lease->Inc();
      CountRetry(doc_id);
      segment_queue.push_back(doc_id);
    }
  }

  // ---- handlers -------------------------------------------------------------

  void CountBad(const std::string& where, const Status& s) {
    ++bad_messages;
    m.malformed->Inc();
    log->warn("dropped malformed message on {}: {}", where, s.ToString());
  }

  void HandleFailure(const ppb::Envelope& env) {
    pb::LedgerEntry entry;
    if (!ReadLedger(env.doc_id(), &entry).ok()) return;
    if (entry.state() == pb::DOC_STATE_COMPLETE || entry.state() == pb::DOC_STATE_QUARANTINED) return;
    const auto& f = env.failure();
    log->warn("doc={} trace={} failed at {} (attempt {}): {}", env.doc_id(), env.trace_id(), f.stage(), env.attempt(),
              f.error());
    entry.set_last_error(f.error());
    entry.set_last_error_stage(f.stage());
    if (f.permanent() || entry.attempts() >= config.limits().max_attempts()) {
      Quarantine(env.doc_id(), entry, f.stage(), f.error());
      return;
    }
    WriteLedger(entry);
    in_flight.erase(env.doc_id());
    m.retry_failure->Inc();
    CountRetry(env.doc_id());
    segment_queue.push_back(env.doc_id());
  }

  void OnReady(CreditPool& pool, const std::string& worker, const ppb::WorkerReady& ready) {
    const uint32_t credits = std::min<uint32_t>(ready.credits(), 4096);
    const int64_t now = Clock::Real().MonotonicMillis();
    if (ready.replace()) {
      pool.Set(worker, credits, now);
    } else {
      pool.Add(worker, credits, now);
    }
  }

  // A segmented document passes through to extract unread: only its routing
  // fields are parsed (EnvelopeHead), its frames are forwarded as they came.
  void OnSegmentedDocument(const std::string& worker, Frames& frames) {
    ppb::EnvelopeHead head;
    std::string header;
    Status s = messaging::ParseEnvelopeHead(frames, 1, &head, &header);
    if (!s.ok()) return CountBad("segment_work", s);
    segment_credits.Add(worker, 1, Clock::Real().MonotonicMillis());  // a result returns its credit
    auto it = in_flight.find(head.doc_id());
    if (it == in_flight.end()) {
      log->debug("doc={} trace={} late segment result ignored", head.doc_id(), head.trace_id());
      return;
    }
    pb::LedgerEntry entry;
    if (ReadLedger(head.doc_id(), &entry).ok()) {
      entry.set_state(pb::DOC_STATE_SEGMENTED);
      *entry.mutable_segmented_at() = Now();
      WriteLedger(entry);
    }
    MarkSegmented(head.doc_id());
    Frames forward;
    forward.push_back(std::move(frames[1]));
    forward.push_back(std::move(frames[2]));
    extract_queue.push_back(std::move(forward));
  }

  void OnSegmentWork(Frames& frames) {
    if (frames.size() < 3) return CountBad("segment_work", Status::Corruption("too few frames"));
    const std::string worker = frames[0].to_string();
    if (frames.size() == 3 && frames[1].to_string_view() == "rf1.segmented_document") {
      return OnSegmentedDocument(worker, frames);
    }
    ppb::Envelope env;
    Status s = messaging::ParseEnvelope(frames, 1, &env);
    if (!s.ok()) return CountBad("segment_work", s);
    switch (env.payload_case()) {
      case ppb::Envelope::kReady:
        OnReady(segment_credits, worker, env.ready());
        return;
      case ppb::Envelope::kSegmentedDocument: {
        segment_credits.Add(worker, 1, Clock::Real().MonotonicMillis());  // a result returns its credit
        auto it = in_flight.find(env.doc_id());
        if (it == in_flight.end()) {
          log->debug("doc={} trace={} late segment result ignored", env.doc_id(), env.trace_id());
          return;
        }
        pb::LedgerEntry entry;
        if (store->GetLedger(env.doc_id(), &entry).ok()) {
          entry.set_state(pb::DOC_STATE_SEGMENTED);
          *entry.mutable_segmented_at() = Now();
          Status ws = store->PutLedger(entry);
          if (!ws.ok()) log->error("doc={} trace={} ledger write failed: {}", env.doc_id(), env.trace_id(), ws.ToString());
        }
        MarkSegmented(env.doc_id());
        Frames forward;
        forward.push_back(std::move(frames[1]));
        forward.push_back(std::move(frames[2]));
        extract_queue.push_back(std::move(forward));
        return;
      }
      case ppb::Envelope::kFailure:
        segment_credits.Add(worker, 1, Clock::Real().MonotonicMillis());
        HandleFailure(env);
        return;
      default:
        return CountBad("segment_work", Status::Corruption("unexpected payload " + messaging::EnvelopeHeader(env)));
    }
  }

  void OnExtractWork(Frames& frames) {
    if (frames.size() < 3) return CountBad("extract_work", Status::Corruption("too few frames"));
    const std::string worker = frames[0].to_string();
    ppb::Envelope env;
    Status s = messaging::ParseEnvelope(frames, 1, &env);
    if (!s.ok()) return CountBad("extract_work", s);
    switch (env.payload_case()) {
      case ppb::Envelope::kReady:
        OnReady(extract_credits, worker, env.ready());
        return;
      case ppb::Envelope::kFailure:
        extract_credits.Add(worker, 1, Clock::Real().MonotonicMillis());
        HandleFailure(env);
        return;
      default:
        return CountBad("extract_work", Status::Corruption("unexpected payload " + messaging::EnvelopeHeader(env)));
    }
  }

  void OnAck(Frames& frames) {
    ppb::Envelope env;
    Status s = messaging::ParseEnvelope(frames, 0, &env);
    if (!s.ok() || env.payload_case() != ppb::Envelope::kAck) {
      return CountBad("ingest_acks", s.ok() ? Status::Corruption("not an ack") : s);
    }
    pb::LedgerEntry entry;
    if (!ReadLedger(env.doc_id(), &entry).ok()) {
      log->warn("doc={} trace={} ack for an unknown document", env.doc_id(), env.trace_id());
      return;
    }
    if (auto it = in_flight.find(env.doc_id()); it != in_flight.end()) {
      const int64_t dispatched = it->second.deadline_mono - config.limits().lease_ms();
      m.document_seconds->Observe(static_cast<double>(Clock::Real().MonotonicMillis() - dispatched) / 1000.0);
    }
    in_flight.erase(env.doc_id());
    if (entry.state() != pb::DOC_STATE_COMPLETE) {
      m.completed->Inc();
      entry.set_state(pb::DOC_STATE_COMPLETE);
      entry.set_metrics(env.ack().metrics());
      *entry.mutable_completed_at() = Now();
      WriteLedger(entry);
      log->debug("doc={} trace={} complete: {} metrics", env.doc_id(), env.trace_id(), env.ack().metrics());
    }
    FinishDoc(env.doc_id(), false, env.ack().metrics());
  }

  ppb::BatchStatus StatusOf(const Batch& b, bool include_rejections) {
    ppb::BatchStatus st;
    st.set_batch_id(b.record.batch_id());
    st.set_scan_done(b.record.scan_done());
    st.set_files_found(b.record.files_found());
    st.set_documents(static_cast<uint32_t>(b.docs.size()));
    st.set_already_complete(b.record.already_complete());
    st.set_completed(static_cast<uint32_t>(b.finished.size()) - b.quarantined);
    st.set_quarantined(b.quarantined);
    st.set_in_flight(static_cast<uint32_t>(b.docs.size() - b.finished.size()));
    st.set_rejected(b.record.rejected());
    st.set_duplicates(b.record.duplicates());
    st.set_done(b.done());
    st.set_metrics(b.metrics);
    st.set_segmented(static_cast<uint32_t>(b.segmented.size()));
    st.set_retries(b.retries);
    st.set_segment_queued(static_cast<uint32_t>(segment_queue.size()));
    st.set_extract_queued(static_cast<uint32_t>(extract_queue.size()));
    st.set_segment_workers(static_cast<uint32_t>(segment_credits.workers()));
    st.set_extract_workers(static_cast<uint32_t>(extract_credits.workers()));
    const int64_t end = b.finished_mono ? b.finished_mono : Clock::Real().MonotonicMillis();
    st.set_elapsed_seconds(static_cast<double>(end - b.started_mono) / 1000.0);
    if (include_rejections) {
      Status s = store->ListRejections(b.record.batch_id(), st.mutable_rejections());
      if (!s.ok()) log->error("cannot list rejections: {}", s.ToString());
      if (b.quarantined > 0) {
        b.finished.ForEach([&](const std::string& doc_id) {
          pb::LedgerEntry e;
          if (store->GetLedger(doc_id, &e).ok() && e.state() == pb::DOC_STATE_QUARANTINED) {
            *st.add_quarantined_documents() = e;
          }
        });
      }
    }
    return st;
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
    } else if (req.has_submit()) {
      const auto& sub = req.submit();
      auto it = batches.find(sub.batch_id());
      if (sub.batch_id().empty() || sub.batch_id().size() > 128) {
        resp.set_error("batch_id must be 1..128 bytes");
      } else if (it == batches.end()) {
        Batch b;
        b.record.set_batch_id(sub.batch_id());
        for (const auto& p : sub.paths()) b.record.add_paths(p);
        *b.record.mutable_started_at() = Now();
        b.started_mono = Clock::Real().MonotonicMillis();
        ScanLimits limits;
        limits.max_file_bytes = config.limits().max_file_bytes();
        limits.follow_external_symlinks = config.ingest().follow_external_symlinks();
        b.scanner = std::make_unique<InputScanner>(std::vector<std::string>(sub.paths().begin(), sub.paths().end()), limits);
        log->info("batch {} submitted: {} paths", sub.batch_id(), sub.paths_size());
        auto [ins, _] = batches.emplace(sub.batch_id(), std::move(b));
        m.batches->Inc();
        scan_order.push_back(sub.batch_id());
        *resp.mutable_status() = StatusOf(ins->second, false);
      } else {
        *resp.mutable_status() = StatusOf(it->second, false);
      }
    } else if (req.has_status()) {
      auto it = batches.find(req.status().batch_id());
      if (it == batches.end()) {
        resp.set_error("unknown batch " + req.status().batch_id());
      } else {
        *resp.mutable_status() = StatusOf(it->second, req.status().include_rejections());
      }
    } else if (req.has_shutdown()) {
      stopping = true;
    } else {
      resp.set_error("empty request");
    }
    Frames reply;
    reply.push_back(std::move(frames[0]));
    reply.emplace_back();
    messaging::AppendMessage(messaging::kControlHeader, resp, &reply);
    Status ss = messaging::SendFrames(control, reply);
    if (!ss.ok()) log->warn("cannot reply to control client: {}", ss.ToString());
  }

  // ---- loop -------------------------------------------------------------------

  Status Recover() {
    size_t resumed = 0;
    std::vector<pb::LedgerEntry> forgiven;
    Status s = store->ForEachUnfinished([&](const pb::LedgerEntry& e) {
      segment_queue.push_back(e.doc_id());
      ++resumed;
      // A document that was in flight when ingest stopped lost that attempt to
      // ingest's own stop, not to its content: it is not charged for it.
      if (e.attempts() > 0 && e.dispatched_at().seconds() > 0) forgiven.push_back(e);
    });
    for (auto& e : forgiven) {
      e.set_attempts(e.attempts() - 1);
      Status ws = store->PutLedger(e);
      if (!ws.ok()) log->error("doc={} ledger write failed: {}", e.doc_id(), ws.ToString());
    }
    if (resumed) log->info("resuming {} unfinished documents from the ledger", resumed);
    return s;
  }

  Status Loop() {
    RETURN_IF_ERROR(Recover());
    endpoint->SetReady(true);
    int64_t next_lease_check = 0;
    while (!stopping) {
      endpoint->Beat();
      const bool busy = !scan_order.empty() && Outstanding() < config.limits().max_in_flight();
      zmq::pollitem_t items[] = {
          {nullptr, waker->fd(), ZMQ_POLLIN, 0},
          {control.handle(), 0, ZMQ_POLLIN, 0},
          {segment_work.handle(), 0, ZMQ_POLLIN, 0},
          {extract_work.handle(), 0, ZMQ_POLLIN, 0},
          {acks.handle(), 0, ZMQ_POLLIN, 0},
      };
      try {
        zmq::poll(items, 5, std::chrono::milliseconds(busy ? 0 : kPollMillis));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        if (e.num() == ETERM) break;
        return Status::Internal(std::string("poll: ") + e.what());
      }
      if (items[0].revents & ZMQ_POLLIN) {
        waker->Drain();
        break;
      }
      auto drain = [&](zmq::socket_t& sock, auto handler) -> Status {
        for (int i = 0; i < 256; ++i) {
          ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(sock));
          if (frames.empty()) break;
          (this->*handler)(frames);
        }
        return Status::OK();
      };
      if (items[1].revents & ZMQ_POLLIN) RETURN_IF_ERROR(drain(control, &Impl::OnControl));
      if (items[2].revents & ZMQ_POLLIN) RETURN_IF_ERROR(drain(segment_work, &Impl::OnSegmentWork));
      if (items[3].revents & ZMQ_POLLIN) RETURN_IF_ERROR(drain(extract_work, &Impl::OnExtractWork));
      if (items[4].revents & ZMQ_POLLIN) RETURN_IF_ERROR(drain(acks, &Impl::OnAck));
      ScanSome();
      DispatchSegments();
      DispatchExtracts();
      CommitLedger();
      UpdateGauges();
      const int64_t now = Clock::Real().MonotonicMillis();
      if (now >= next_lease_check) {
        CheckLeases();
        // Workers heartbeat every second when idle and report after every document.
        segment_credits.ExpireSilent(now - kWorkerSilenceMillis);
        extract_credits.ExpireSilent(now - kWorkerSilenceMillis);
        next_lease_check = now + kPollMillis;
      }
    }
    RETURN_IF_ERROR(Drain());
    CommitLedger();
    log->info("stopping: {} documents in flight will be resumed on restart", in_flight.size());
    return store->Flush();
  }

  // Stopping: dispatch nothing new, but record the results and
  // acknowledgements of documents in flight (workers and aggregate drain
  // too) until none is left, nothing arrives for a moment, or
  // limits.drain_timeout_ms passes. What is still in flight then is resumed
  // on restart without being charged an attempt.
  Status Drain() {
    const int64_t start = Clock::Real().MonotonicMillis();
    const int64_t deadline = start + config.limits().drain_timeout_ms();
    const size_t before = in_flight.size();
    int64_t last = start;
    while (!in_flight.empty()) {
      const int64_t now = Clock::Real().MonotonicMillis();
      if (now >= deadline || now - last >= kDrainQuietMillis) break;
      zmq::pollitem_t items[] = {{segment_work.handle(), 0, ZMQ_POLLIN, 0},
                                 {extract_work.handle(), 0, ZMQ_POLLIN, 0},
                                 {acks.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 3, std::chrono::milliseconds(std::min<int64_t>(kDrainQuietMillis, deadline - now)));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        break;
      }
      bool any = false;
      auto take = [&](zmq::socket_t& sock, void (Impl::*handler)(Frames&)) -> Status {
        for (int i = 0; i < 256; ++i) {
          ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(sock));
          if (frames.empty()) break;
          (this->*handler)(frames);
          any = true;
        }
        return Status::OK();
      };
      if (items[0].revents & ZMQ_POLLIN) RETURN_IF_ERROR(take(segment_work, &Impl::OnSegmentWork));
      if (items[1].revents & ZMQ_POLLIN) RETURN_IF_ERROR(take(extract_work, &Impl::OnExtractWork));
      if (items[2].revents & ZMQ_POLLIN) RETURN_IF_ERROR(take(acks, &Impl::OnAck));
      CommitLedger();
      if (any) last = Clock::Real().MonotonicMillis();
    }
    if (before) log->info("drained for {} ms: {} of {} documents in flight settled", Clock::Real().MonotonicMillis() - start,
                          before - std::min(before, in_flight.size()), before);
    return Status::OK();
  }
};

Result<std::unique_ptr<IngestService>> IngestService::Create(const config::v1::PipelineConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->log = logging::GetLogger("ingest");
  ASSIGN_OR_RETURN(impl->waker, service::Waker::Create());
  ASSIGN_OR_RETURN(impl->store, IngestStore::Open(config.ingest().store_path()));
  metrics::EndpointOptions http;
  http.service = "ingest";
  http.instance = "ingest";
  http.listen = config.ingest().http_listen();
  http.run_dir = (std::filesystem::path(config.data_dir()) / "run").string();
  ASSIGN_OR_RETURN(impl->endpoint, metrics::ServiceEndpoint::Start(http));
  impl->RegisterMetrics();
  metrics::Counter* auth_denied = &impl->endpoint->registry().GetCounter(
      "reportflow_auth_denied_total", "Connections refused by CURVE authentication (key not in the allow-list).");
  if (config.security().mode() == "curve") {
    ASSIGN_OR_RETURN(impl->zap, messaging::ZapHandler::Start(&impl->context, [auth_denied] { auth_denied->Inc(); }));
  }
  impl->factory = std::make_unique<messaging::SocketFactory>(&impl->context, config.limits(), config.security(),
                                                             impl->zap.get());
  const auto& e = config.endpoints();
  ASSIGN_OR_RETURN(impl->control, impl->factory->Bind(zmq::socket_type::router, e.ingest_control()));
  ASSIGN_OR_RETURN(impl->segment_work, impl->factory->Bind(zmq::socket_type::router, e.segment_work()));
  ASSIGN_OR_RETURN(impl->extract_work, impl->factory->Bind(zmq::socket_type::router, e.extract_work()));
  ASSIGN_OR_RETURN(impl->acks, impl->factory->Bind(zmq::socket_type::pull, e.ingest_acks()));
  return std::unique_ptr<IngestService>(new IngestService(std::move(impl)));
}

IngestService::IngestService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IngestService::~IngestService() = default;

Status IngestService::Run() { return impl_->Loop(); }

void IngestService::Shutdown() {
  impl_->endpoint->SetStopping();
  impl_->stopping = true;
  impl_->waker->Wake();
}

}  // namespace reportflow::ingest
