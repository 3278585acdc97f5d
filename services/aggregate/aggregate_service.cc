#include "services/aggregate/aggregate_service.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/util/time_util.h>

#include <zmq.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <thread>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/base/memory.h"
#include "common/logging/logging.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "common/metrics/service_endpoint.h"
#include "common/service/end_of_work.h"
#include "common/service/service.h"
#include "common/service/service_shell.h"
#include "common/storage/store.h"
#include "common/stream/encoded_event.h"
#include "common/stream/topics.h"
#include "services/aggregate/aggregator.h"
#include "services/aggregate/audit_stage.h"
#include "services/aggregate/store_check.h"

namespace reportflow::aggregate {
namespace {
namespace ppb = ::reportflow::pipeline::v1;
using messaging::Frames;
// A group's envelopes, parsed onto one arena (ApplyReadyGroup).
using Envelopes = std::vector<const ppb::Envelope*>;
namespace apb = ::reportflow::aggregate::v1;
namespace epb = ::reportflow::extract::v1;
constexpr int64_t kHeartbeatMillis = 1000;  // stream heartbeat period
constexpr int kSnapshotChunkRollups = 256;   // rollups per snapshot chunk
constexpr uint32_t kStreamLingerMillis = 5000;  // at shutdown, for subscribers to drain the stream
constexpr size_t kMaxAcksPerMessage = 512;     // acknowledgements sent in one message at most
// Work left unfinished this many times in a row (no group finished between)
// stops the service (Unfinished). One failure may be passing (a store busy
// for a moment); three in a row with nothing finishing between is a store or
// disk that fails whatever comes. Never more than limits.max_attempts: each
// lease that ends unacknowledged costs the documents an attempt, and the
// service must stop before ingest quarantines them for its failure.
constexpr uint32_t kUnfinishedInARowToStop = 3;
}  // namespace

struct AggregateService::Impl {
  config::v1::PipelineConfig config;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<storage::Store> store;
  std::string store_id, store_note;  // its identity, on every ack (services/aggregate/store_check.h)
  std::unique_ptr<Aggregator> aggregator;
  // The shell first: it outlives the sockets and the audit's metrics (see ServiceShell).
  std::unique_ptr<service::ServiceShell> shell;
  std::unique_ptr<AuditStage> audit;  // near-duplicates, findings on the stream, units missing
  zmq::socket_t input, acks;
  zmq::socket_t publish;   // XPUB: [topic][StreamEvent]; its input tells whether anyone subscribes
  // Live subscriptions (XPUB passes each topic's first subscription and
  // last unsubscription up): while 0, stream events are not built at all.
  int64_t subscriptions = 0;
  zmq::socket_t snapshot;  // ROUTER: snapshot requests (Clone pattern)
  // The acks connection made again after a refused handshake (declared after
  // the sockets: destroyed before them).
  std::unique_ptr<messaging::HandshakeRetries> retries;
  uint64_t applied = 0, malformed = 0;
  // Ingest said it stopped with nothing in flight, and no extraction came since.
  bool ingest_idle = false;
  uint64_t groups_this_tick = 0;  // groups applied since the last heartbeat tick (idle detection)
  uint32_t unfinished_in_a_row = 0;  // Unfinished() calls since a group last finished
  std::deque<ppb::Envelope> pending_acks;  // acks not yet accepted by the acks socket (ingest away)
  // Operator metrics (the shell's endpoint); metric names in docs/operators.md.
  metrics::Counter* applied_total = nullptr;
  metrics::Counter* apply_failures_total = nullptr;
  metrics::Counter* malformed_total = nullptr;
  metrics::Counter* acks_unsent_total = nullptr;
  metrics::Counter* stream_events_total = nullptr;
  metrics::Counter* snapshots_total = nullptr;
  metrics::Counter* snapshot_failures_total = nullptr;
  metrics::Histogram* apply_seconds = nullptr;

  void RegisterMetrics() {
    auto& r = shell->registry();
    applied_total = &r.GetCounter("reportflow_aggregate_documents_applied_total",
                                  "Document extractions applied to the rollups (and acknowledged to ingest).");
    apply_failures_total = &r.GetCounter("reportflow_aggregate_apply_failures_total",
                                         "Extractions that could not be applied (not acknowledged; ingest re-dispatches).");
    malformed_total = &r.GetCounter("reportflow_aggregate_malformed_messages_total",
                                    "Input messages dropped because they did not parse or were not extractions.");
    acks_unsent_total = &r.GetCounter("reportflow_aggregate_acks_unsent_total",
                                      "Acknowledgements dropped because too many waited for ingest (it re-dispatches those documents).");
    stream_events_total = &r.GetCounter("reportflow_aggregate_stream_events_total",
                                        "Metric, rollup and region events published on the aggregate stream.");
    snapshots_total = &r.GetCounter("reportflow_aggregate_snapshots_total", "Stream snapshots sent to subscribers.");
    snapshot_failures_total = &r.GetCounter("reportflow_aggregate_snapshot_failures_total",
                                            "Snapshot requests that were malformed or could not be answered in full.");
    apply_seconds = &r.GetHistogram("reportflow_aggregate_apply_seconds",
                                    "Time to apply one document's extraction to the rollups, in seconds.",
                                    metrics::LatencyBuckets());
  }

  void QueueAck(const ppb::Envelope& in) {
    const std::optional<uint64_t> documents = StoreDocuments();
    QueueReply(in, [&](ppb::Envelope* ack) {
      ack->mutable_ack()->set_metrics(static_cast<uint32_t>(in.extraction().metrics_size()));
      ack->mutable_ack()->set_processing_version(in.extraction().processing_version());
      ack->mutable_ack()->set_store_id(store_id);
      if (documents) ack->mutable_ack()->set_store_documents(*documents);
    });
  }

  // The documents the store holds a contribution for (announced with every
  // ack), or nothing when it cannot be counted (logged; ingest then checks
  // no count).
  std::optional<uint64_t> StoreDocuments() {
    auto n = aggregator->DocumentCount();
    if (n.ok()) return *n;
    log->error("cannot count the store's documents: {}", n.status().ToString());
    return std::nullopt;
  }

  // Queues a reply to `in` for ingest (an ack, or a Withdrawn), its payload set by `fill`.
  void QueueReply(const ppb::Envelope& in, const std::function<void(ppb::Envelope*)>& fill) {
    ppb::Envelope ack;
    ack.set_doc_id(in.doc_id());
    ack.set_batch_id(in.batch_id());
    ack.set_attempt(in.attempt());
    ack.set_trace_id(in.trace_id());
    ack.set_producer("aggregate");
    *ack.mutable_produced_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(Clock::Real().NowMillis());
    fill(&ack);
    // Acks are small and wait here while ingest is not connected (it starts
    // after us, or restarts): dropping one would stall its document for a
    // whole lease. Beyond the bound the oldest is dropped; ingest then
    // re-dispatches it after its lease, which is idempotent here.
    if (pending_acks.size() >= MaxPendingAcks()) {
      acks_unsent_total->Inc();
      log->warn("doc={} ack dropped: {} acks wait for ingest; it will re-dispatch after its lease",
                pending_acks.front().doc_id(), pending_acks.size());
      pending_acks.pop_front();
    }
    pending_acks.push_back(std::move(ack));
  }

  size_t MaxPendingAcks() const { return std::max<size_t>(1024, 4u * config.limits().max_in_flight()); }

  // Documents applied and committed as one group at most, from 16 to 512.
  // Until a group is committed its documents hold their places in ingest's
  // window (limits.max_in_flight); a group as large as the window left ingest
  // nothing to send, and segment and extract idle, while aggregate applied it.
  // So a quarter of the window (at 20k reports, 512 -> 128: wall x0.98,
  // bench/README.md). While someone subscribes, the whole window: a group
  // publishes each rollup it touched once, in its last state, so a smaller
  // group publishes more events per document (a county's or a city's rollups
  // once per group) and a subscriber fell behind more often.
  size_t MaxGroup() const {
    const size_t window = config.limits().max_in_flight();
    return std::clamp<size_t>(subscriptions > 0 ? window : window / 4, 16, 512);
  }

  // Sends waiting acks, up to kMaxAcksPerMessage per message, until the socket would block.
  void FlushAcks() {
    while (!pending_acks.empty()) {
      Frames frames;
      const size_t n = std::min(pending_acks.size(), kMaxAcksPerMessage);
      for (size_t i = 0; i < n; ++i) messaging::AppendEnvelope(pending_acks[i], &frames);
      Frames packed;  // one frame (messaging::PackEnvelopes)
      Frames& wire = messaging::PackedOrAsIs(frames, 0, config.limits().max_message_bytes(), &packed);
      if (!messaging::SendFrames(acks, wire, /*dont_wait=*/true).ok()) return;
      pending_acks.erase(pending_acks.begin(), pending_acks.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }

  // Reads (un)subscriptions from the XPUB socket: [\x01topic] / [\x00topic].
  void ReadSubscriptions() {
    while (true) {
      auto frames = messaging::RecvFrames(publish);
      if (!frames.ok() || frames->empty()) return;
      const auto& f = (*frames)[0];
      if (f.size() == 0) continue;
      const uint8_t kind = static_cast<const uint8_t*>(f.data())[0];
      if (kind == 1) ++subscriptions;
      if (kind == 0 && subscriptions > 0) --subscriptions;
    }
  }

  // Honours config.fault_injection for stage "aggregate" (testing aid): mode
  // "crash" ends the process abruptly inside the group commit of a group
  // holding a matching document, after its batch is committed and before any
  // of its acknowledgements is sent; once per data dir (a marker file in
  // <data>/run), so the restarted service completes the batch.
  std::function<void()> CrashHook(const Envelopes& group) {
    const auto& fi = config.fault_injection();
    if (fi.stage() != "aggregate" || fi.mode() != "crash" || !FaultMatches(group)) return nullptr;
    const std::filesystem::path marker = std::filesystem::path(config.data_dir()) / "run" / "fault-aggregate.fired";
    if (std::filesystem::exists(marker)) return nullptr;
    return [this, marker, n = group.size()] {
      std::error_code ec;
      std::filesystem::create_directories(marker.parent_path(), ec);
      std::FILE* f = std::fopen(marker.c_str(), "w");
      if (f) std::fclose(f);
      log->error("fault injection: crashing aggregate inside the group commit of {} documents (committed, not acked)", n);
      log->flush();
      std::_Exit(86);
    };
  }

  // Whether `group` holds a document config.fault_injection names.
  bool FaultMatches(const Envelopes& group) const {
    const auto& fi = config.fault_injection();
    for (const ppb::Envelope* env : group) {
      const bool id_ok = fi.doc_id_prefix().empty() || env->doc_id().rfind(fi.doc_id_prefix(), 0) == 0;
      const bool src_ok = fi.source_substring().empty() ||
                          env->extraction().source().find(fi.source_substring()) != std::string::npos;
      if (id_ok && src_ok) return true;
    }
    return false;
  }

  // Mode "delay" (testing aid): the acknowledgements of a group holding a
  // matching document wait delay_ms after its commit and audit, so ingest's
  // leases can run out on documents aggregate has counted and indexed.
  void InjectedAckDelay(const Envelopes& group) const {
    const auto& fi = config.fault_injection();
    if (fi.stage() != "aggregate" || fi.mode() != "delay" || !FaultMatches(group)) return;
    log->warn("fault injection: acknowledgements of {} committed documents wait {} ms", group.size(), fi.delay_ms());
    std::this_thread::sleep_for(std::chrono::milliseconds(fi.delay_ms()));
  }

  void CountMalformed(const Status& s) {
    ++malformed;
    malformed_total->Inc();
    log->warn("dropped malformed input: {}", s.ToString());
  }

  // Drains what is ready on the input (about MaxGroup() documents at most):
  // extractions from extract workers and withdrawals from ingest, handled in
  // the order they came (a run of extractions is one group, see ApplyGroup).
  // Returns the number of messages read.
  Result<size_t> ApplyReadyGroup() {
    // The group's envelopes live on one arena: parsing allocates from it and
    // the whole group is freed at once, instead of one allocation and one
    // destructor per metric, span and string (a tenth of aggregate's CPU).
    google::protobuf::Arena arena;
    Envelopes input_envs;
    size_t read = 0;
    const size_t max_group = MaxGroup();
    while (input_envs.size() < max_group) {
      ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(input));
      if (frames.empty()) break;
      ++read;
      // A worker's group: one or more extractions in one message.
      auto count = messaging::CountEnvelopes(frames, 0);
      if (!count.ok()) {
        CountMalformed(count.status());
        continue;
      }
      for (size_t i = 0; i < *count; ++i) {
        auto* env = google::protobuf::Arena::CreateMessage<ppb::Envelope>(&arena);
        Status s = messaging::ParseEnvelopeAt(frames, 0, i, env);
        if (s.ok() && service::IsEndOfWork(*env)) {
          ingest_idle = true;  // ingest stopped with nothing in flight (see Loop: the drain)
          continue;
        }
        if (s.ok() && env->payload_case() == ppb::Envelope::kExtraction) ingest_idle = false;
        if (!s.ok() || (env->payload_case() != ppb::Envelope::kExtraction &&
                        env->payload_case() != ppb::Envelope::kWithdraw)) {
          CountMalformed(s.ok() ? Status::Corruption("not an extraction or withdrawal") : s);
          continue;
        }
        input_envs.push_back(env);
      }
    }
    if (input_envs.empty()) return read;
    ReadSubscriptions();
    size_t i = 0;
    while (i < input_envs.size()) {
      const bool withdraw = input_envs[i]->payload_case() == ppb::Envelope::kWithdraw;
      size_t j = i;
      while (j < input_envs.size() && (input_envs[j]->payload_case() == ppb::Envelope::kWithdraw) == withdraw) ++j;
      const Envelopes run(input_envs.begin() + static_cast<std::ptrdiff_t>(i),
                          input_envs.begin() + static_cast<std::ptrdiff_t>(j));
      if (!(withdraw ? ApplyWithdrawals(run) : ApplyExtractions(run))) break;  // the rest waits for re-delivery
      unfinished_in_a_row = 0;  // the store takes work: earlier failures were passing
      i = j;
    }
    FlushAcks();
    BoundRollupMemory();
    return read;
  }

  // What the parts that grow with the batch hold, once at the end of a run:
  // an operator sizing a host (bench/README.md, "10^6 reports on 4 hosts")
  // reads the cost per document here.
  void LogMemory() const {
    const auto mb = [](size_t bytes) { return static_cast<double>(bytes) / (1 << 20); };
    const AuditKeeper::IndexMemory m = audit->IndexMemory();
    log->info("memory: {} rollups, about {:.1f} MB; near-duplicate index of {} documents {:.1f} MB (shingles {:.1f}, "
              "gram filters {:.1f}, frequencies {:.1f}, slots {:.1f}, known ids {:.1f}, scratch buffer {:.1f})",
              aggregator->RollupCount(), mb(aggregator->MemoryBytes()), audit->indexed(), mb(m.total()),
              mb(m.shingles), mb(m.gram_filters), mb(m.frequencies), mb(m.slots), mb(m.known_ids), mb(m.scratch));
  }

  // The rollups in memory passed their budget: the least recently touched
  // are written (if changed) and evicted (Aggregator::BoundMemory). A failure
  // changes nothing committed: they stay in memory and the next group tries
  // again (a full disk stops the service).
  void BoundRollupMemory() {
    if (!aggregator->OverMemoryBudget()) return;
    const int64_t start = Clock::Real().MonotonicMillis();
    auto evicted = aggregator->BoundMemory();
    if (!evicted.ok()) {
      Unfinished("rollups not evicted", evicted.status());
      return;
    }
    log->info("{} rollups evicted (memory budget): {} left in memory, about {} MB, {} ms", *evicted,
              aggregator->RollupCount(), aggregator->MemoryBytes() >> 20, Clock::Real().MonotonicMillis() - start);
  }

  // Work that could not be finished: a group neither acknowledged nor
  // confirmed (ingest sends it again, after its lease or with the next
  // withdrawals), or rollups not evicted (tried again after the next group).
  // A full disk stops the service instead, wherever it is met (the store, or
  // the audit's scratch file): trying again cannot help, and `reportflow run`
  // tells the operator (common/service, kExitNoSpace). So does any other
  // failure met MaxUnfinishedInARow() times with no group finished between
  // (an I/O error, a store gone read-only, corruption): left unacknowledged,
  // the documents would be quarantined after their last lease for the
  // service's fault; stopped, they stay in flight and the next run resumes
  // them (kExitPersistentFailure, not restarted). None of these failures is a
  // document's: they come from the store or the scratch file; what a document
  // itself decides (a late result of a withdrawn one) is answered and
  // finishes its group, and malformed input never forms one (CountMalformed).
  // Returns false, for the caller to return.
  bool Unfinished(const std::string& what, const Status& s) {
    log->error("{}: {}", what, s.ToString());
    if (storage::IsNoSpace(s)) {
      shell->Fail(s);
    } else if (++unfinished_in_a_row >= MaxUnfinishedInARow()) {
      shell->Fail(service::PersistentFailure(Status(
          s.code(), what + ": " + s.message() + " (failure " + std::to_string(unfinished_in_a_row) +
                        " in a row, nothing finished between)")));
    }
    return false;
  }

  uint32_t MaxUnfinishedInARow() const {
    return std::clamp<uint32_t>(config.limits().max_attempts(), 1, kUnfinishedInARowToStop);
  }

  // Applies a group of extractions (one store batch), publishes its coalesced
  // events if anyone subscribes, then acknowledges every document of the
  // group; a late result of a withdrawn document is refused and answered
  // Withdrawn. False when the group could not be applied (not acknowledged:
  // ingest re-dispatches after its lease).
  bool ApplyExtractions(const Envelopes& group) {
    std::vector<GroupDocument> docs;
    docs.reserve(group.size());
    for (const ppb::Envelope* env : group) docs.push_back({env->doc_id(), &env->extraction(), env->attempt()});
    GroupOptions options;
    options.build_events = subscriptions > 0;
    options.after_commit = CrashHook(group);
    std::vector<std::string> ids;
    for (const auto& d : docs) ids.push_back(d.doc_id);
    if (Status before = audit->BeforeGroup(ids); !before.ok()) {  // not acknowledged: re-dispatched
      apply_failures_total->Inc(group.size());
      return Unfinished("audit places of a group of " + std::to_string(group.size()) + " documents (first doc=" +
                            group[0]->doc_id() + ") not read",
                        before);
    }
    const int64_t start = Clock::Real().MonotonicMillis();
    auto change = aggregator->ApplyGroup(docs, options);
    const double per_doc = static_cast<double>(Clock::Real().MonotonicMillis() - start) / 1000.0 / group.size();
    for (size_t i = 0; i < group.size(); ++i) apply_seconds->Observe(per_doc);
    if (!change.ok()) {
      apply_failures_total->Inc(group.size());
      return Unfinished("group of " + std::to_string(group.size()) + " documents (first doc=" + group[0]->doc_id() +
                            ") cannot be applied",
                        change.status());
    }
    applied += group.size();
    ++groups_this_tick;
    applied_total->Inc(group.size());
    log->debug("group of {} documents applied: {} rollups changed", group.size(), change->rollups_changed);
    // Published after the change is committed: a snapshot never lags the stream.
    Publish(change->events);
    // Refused documents were not applied: the audit does not index them.
    std::vector<GroupDocument> audited;
    for (const auto& d : docs) {
      if (!change->refused.count(d.doc_id)) audited.push_back(d);
    }
    auto seq = aggregator->LastSequence();
    auto findings = audit->AfterGroup(audited, seq.ok() ? *seq : 0, options.build_events);
    if (!findings.ok()) {  // re-dispatched, and indexed then
      apply_failures_total->Inc(group.size());
      return Unfinished("audit of a group of " + std::to_string(group.size()) + " documents failed",
                        findings.status());
    }
    for (const auto& event : *findings) Publish(event);
    InjectedAckDelay(group);
    for (const ppb::Envelope* env : group) {
      if (change->refused.count(env->doc_id())) {
        log->info("doc={} trace={} late result of a withdrawn (quarantined) document refused", env->doc_id(),
                  env->trace_id());
        QueueReply(*env, [&](ppb::Envelope* out) { out->mutable_withdrawn()->set_store_id(store_id); });
      } else {
        QueueAck(*env);
      }
    }
    return true;
  }

  // Withdraws quarantined documents (ingest's Withdraw): their contributions
  // leave the rollups in one batch, the stream carries the touched rollups'
  // new state, and each is confirmed to ingest (Withdrawn) once committed.
  bool ApplyWithdrawals(const Envelopes& group) {
    std::vector<WithdrawDocument> docs;
    for (const ppb::Envelope* env : group) docs.push_back({env->doc_id(), env->withdraw().through_attempt()});
    GroupOptions options;
    options.build_events = subscriptions > 0;
    std::vector<std::string> ids;
    for (const auto& d : docs) ids.push_back(d.doc_id);
    if (Status before = audit->BeforeGroup(ids); !before.ok()) {  // not confirmed: ingest sends them again
      return Unfinished("audit places of " + std::to_string(group.size()) + " withdrawals (first doc=" +
                            group[0]->doc_id() + ") not read",
                        before);
    }
    auto change = aggregator->Withdraw(docs, options);
    if (!change.ok()) {
      // Not confirmed: ingest sends the withdrawals again.
      return Unfinished(std::to_string(group.size()) + " withdrawals (first doc=" + group[0]->doc_id() +
                            ") cannot be applied",
                        change.status());
    }
    ++groups_this_tick;
    Publish(change->events);
    // The audit forgets the documents: their fingerprints and near-duplicate
    // pairs, and (an empty result carries no place) the coverage tally.
    std::vector<std::string> withdrawn_ids;
    for (const auto& d : docs) withdrawn_ids.push_back(d.doc_id);
    if (Status ws = audit->Withdraw(withdrawn_ids); !ws.ok()) {  // not confirmed: ingest sends them again
      return Unfinished("audit records of " + std::to_string(withdrawn_ids.size()) +
                            " withdrawn documents (first doc=" + withdrawn_ids[0] + ") not dropped",
                        ws);
    }
    const epb::ExtractionResult nothing;
    std::vector<GroupDocument> forgotten;
    for (const auto& d : docs) forgotten.push_back({d.doc_id, &nothing, 0});
    auto seq = aggregator->LastSequence();
    auto findings = audit->AfterGroup(forgotten, seq.ok() ? *seq : 0, /*build_events=*/false);
    if (!findings.ok()) log->warn("audit tally after withdrawals: {}", findings.status().ToString());
    for (const ppb::Envelope* env : group) {
      const bool removed = change->removed.count(env->doc_id()) > 0;
      log->info("doc={} withdrawn ({}): {}", env->doc_id(), env->withdraw().reason(),
                removed ? "its contribution removed" : "it had no contribution");
      QueueReply(*env, [&](ppb::Envelope* out) {
        out->mutable_withdrawn()->set_removed(removed);
        out->mutable_withdrawn()->set_store_id(store_id);
      });
    }
    return true;
  }

  // A finding or a heartbeat, built on its own.
  void Publish(const apb::StreamEvent& event) {
    if (Send(stream::EncodeEvent(event)) && event.event_case() != apb::StreamEvent::kHeartbeat) {
      stream_events_total->Inc();
    }
  }

  // A group's metric, rollup and region events, encoded as they were built.
  void Publish(const std::vector<stream::EncodedEvent>& events) {
    for (const auto& event : events) {
      if (Send(event)) stream_events_total->Inc();
    }
  }

  bool Send(const stream::EncodedEvent& event) {
    Frames frames;
    frames.emplace_back(event.topic.data(), event.topic.size());
    frames.emplace_back(event.bytes.data(), event.bytes.size());
    // PUB never blocks: a subscriber whose queue is full loses the message and
    // detects the gap from the sequence numbers.
    Status s = messaging::SendFrames(publish, frames, /*dont_wait=*/true);
    if (!s.ok()) {
      log->warn("stream event {} not published: {}", event.sequence, s.ToString());
      return false;
    }
    return true;
  }

  Status CheckpointRollups(const char* why) {
    if (!aggregator->NeedsCheckpoint()) return Status::OK();
    const int64_t start = Clock::Real().MonotonicMillis();
    RETURN_IF_ERROR(aggregator->Checkpoint());
    log->info("rollups checkpointed ({}): {} rollups, about {} MB in memory, {} ms", why, aggregator->RollupCount(),
              aggregator->MemoryBytes() >> 20, Clock::Real().MonotonicMillis() - start);
    return Status::OK();
  }

  void Heartbeat(bool closing = false) {
    auto seq = aggregator->LastSequence();
    if (!seq.ok()) {
      log->error("cannot read the stream sequence: {}", seq.status().ToString());
      return;
    }
    apb::StreamEvent hb;
    hb.set_sequence(*seq);
    hb.mutable_heartbeat()->set_closing(closing);
    Publish(hb);
    if (pending_acks.empty()) {
      ppb::Envelope announcement = StoreAnnouncement(store_id, store_note);
      if (auto documents = StoreDocuments()) announcement.mutable_ack()->set_store_documents(*documents);
      pending_acks.push_back(std::move(announcement));
    }
  }

  // [identity][rf1.snapshot_request][SnapshotRequest] -> chunks of the full
  // state as of the current sequence (the loop is single-threaded, so no
  // change can interleave), the last one marked.
  Status OnSnapshotRequest(Frames& frames) {
    if (frames.size() == 3 && messaging::FrameString(frames[1]) == stream::kPlacesRequestHeader) {
      return OnPlacesRequest(frames);
    }
    apb::SnapshotRequest request;
    Status s = frames.size() == 3 ? messaging::ParseMessage(frames, 1, stream::kSnapshotRequestHeader, &request)
                                  : Status::Corruption("snapshot request with " + std::to_string(frames.size()) + " frames");
    if (!s.ok()) {
      snapshot_failures_total->Inc();
      log->warn("dropped malformed snapshot request: {}", s.ToString());
      return Status::OK();
    }
    const std::string identity = messaging::FrameString(frames[0]);
    ASSIGN_OR_RETURN(uint64_t seq, aggregator->LastSequence());
    apb::SnapshotChunk chunk;
    Status send = Status::OK();
    auto flush = [&](bool last) {
      if (!send.ok()) return;
      chunk.set_sequence(seq);
      chunk.set_request_id(request.request_id());
      chunk.set_last(last);
      Frames out;
      out.emplace_back(identity.data(), identity.size());
      messaging::AppendMessage(stream::kSnapshotHeader, chunk, &out);
      send = messaging::SendFrames(snapshot, out, /*dont_wait=*/true);
      chunk.Clear();
    };
    RETURN_IF_ERROR(aggregator->ForEachRegion([&](const apb::RegionCount& rc) { *chunk.add_regions() = rc; }));
    RETURN_IF_ERROR(aggregator->ForEachRollup([&](const apb::Rollup& r) {
      *chunk.add_rollups() = WithoutHistogram(r);  // as on the stream
      if (chunk.rollups_size() >= kSnapshotChunkRollups) flush(false);
    }));
    flush(true);
    if (!send.ok()) {
      // The subscriber is gone or too slow; it times out and asks again.
      snapshot_failures_total->Inc();
      log->warn("snapshot at sequence {} not sent in full: {}", seq, send.ToString());
      return Status::OK();
    }
    snapshots_total->Inc();
    log->debug("snapshot at sequence {} sent", seq);
    return Status::OK();
  }

  // [identity][rf1.places_request][PlacesRequest] -> one PlacesSummary of
  // every document in the store (place_tally.h), for `reportflow run`.
  Status OnPlacesRequest(Frames& frames) {
    apb::PlacesRequest request;
    if (Status s = messaging::ParseMessage(frames, 1, stream::kPlacesRequestHeader, &request); !s.ok()) {
      snapshot_failures_total->Inc();
      log->warn("dropped malformed places request: {}", s.ToString());
      return Status::OK();
    }
    ASSIGN_OR_RETURN(apb::PlacesSummary reply, aggregator->PlacesSummary(request.max_listed()));
    reply.set_request_id(request.request_id());
    Frames out;
    out.emplace_back(frames[0].data(), frames[0].size());
    messaging::AppendMessage(stream::kPlacesHeader, reply, &out);
    if (Status send = messaging::SendFrames(snapshot, out, /*dont_wait=*/true); !send.ok()) {
      log->warn("places summary not sent: {}", send.ToString());  // the caller reads the store instead
    }
    return Status::OK();
  }

  Status OnSnapshotRequests() {
    ReadSubscriptions();
    for (int i = 0; i < 16; ++i) {
      ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(snapshot));
      if (frames.empty()) break;
      RETURN_IF_ERROR(OnSnapshotRequest(frames));
    }
    return Status::OK();
  }

  Status Loop() {
    service::EventLoop& loop = shell->loop();
    loop.OnReadable(input, [this] { return ApplyReadyGroup().status(); });
    loop.OnReadable(publish, [this] { ReadSubscriptions(); return Status::OK(); }, /*drain=*/false);
    loop.OnReadable(snapshot, [this] { return OnSnapshotRequests(); }, /*drain=*/false);
    loop.OnWritable(acks, [this] { return !pending_acks.empty(); }, [this] { FlushAcks(); return Status::OK(); });
    loop.Every(kHeartbeatMillis, [this] {
      RETURN_IF_ERROR(retries->Service(Clock::Real().MonotonicMillis()));
      Heartbeat();
      // Idle for a whole period: write the rollups' checkpoint, so readers
      // and the next start see them as they are (see Aggregator::Checkpoint).
      const bool idle = groups_this_tick == 0;
      groups_this_tick = 0;
      return idle ? CheckpointRollups("idle") : Status::OK();
    });
    shell->endpoint().SetReady(true);
    Heartbeat();
    RETURN_IF_ERROR(loop.Run());
    // Stopping: apply (and acknowledge) the extractions that are still
    // arriving from draining workers, until none comes for a moment or
    // limits.drain_timeout_ms passes.
    const uint64_t before = applied;
    // Ingest's end of work (common/service/end_of_work.h, sent when it stops
    // with nothing in flight) ends the drain at once.
    RETURN_IF_ERROR(loop.Drain(Clock::Real().MonotonicMillis() + config.limits().drain_timeout_ms(),
                               [this] { return ingest_idle; }));
    if (applied > before) log->info("applied {} documents while stopping", applied - before);
    FlushAcks();
    if (!pending_acks.empty()) {
      log->warn("{} acks could not be delivered to ingest; it re-dispatches those documents (idempotent here)",
                pending_acks.size());
    }
    Heartbeat(/*closing=*/true);  // the final sequence, so subscribers can tell whether they saw everything
    log->info("stopping: {} documents applied, {} malformed messages dropped", applied, malformed);
    LogMemory();
    // No group is left: the index's memory goes back to the system before the
    // checkpoint below builds its batches (on two threads, whose allocator
    // arenas would not reuse it).
    audit->ReleaseMemory();
    ReleaseFreedMemory();
    RETURN_IF_ERROR(CheckpointRollups("shutdown"));
    return store->Flush();
  }
};

Result<std::unique_ptr<AggregateService>> AggregateService::Create(const config::v1::PipelineConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->log = logging::GetLogger("aggregate");
  ASSIGN_OR_RETURN(impl->shell,
                   service::ServiceShell::Create(config, {"aggregate", "aggregate", config.aggregate().http_listen()}));
  impl->RegisterMetrics();
  ASSIGN_OR_RETURN(auto opened, OpenAggregateStore(config, Aggregator::ColumnFamilies()));
  impl->store = std::move(opened.store);
  impl->store_id = opened.id;
  impl->store_note = opened.note;
  impl->aggregator = std::make_unique<Aggregator>(impl->store.get());
  impl->aggregator->set_rollup_memory_budget(size_t{config.aggregate().rollup_memory_mb()} << 20);
  ASSIGN_OR_RETURN(impl->audit, AuditStage::Create(config, impl->store.get(), impl->aggregator.get(),
                                                   &impl->shell->registry()));
  // Rollups live in memory: from the stored checkpoint when it is current,
  // else derived from the contributions (after a crash, or a store of earlier rules).
  const int64_t load_start = Clock::Real().MonotonicMillis();
  ASSIGN_OR_RETURN(size_t derived, impl->aggregator->RebuildRollupsIfStale());
  impl->log->info("{} rollups in memory (about {} MB; derived from {} contributions, 0: from the checkpoint) in {} ms",
                  impl->aggregator->RollupCount(), impl->aggregator->MemoryBytes() >> 20, derived,
                  Clock::Real().MonotonicMillis() - load_start);
  const messaging::SocketFactory& factory = impl->shell->sockets();
  ASSIGN_OR_RETURN(impl->input, factory.Bind(zmq::socket_type::pull, config.endpoints().aggregate_input()));
  ASSIGN_OR_RETURN(impl->acks, factory.Connect(zmq::socket_type::push, config.endpoints().ingest_acks()));
  impl->retries = std::make_unique<messaging::HandshakeRetries>(factory.context(),
                                                                service::LogRefusedHandshakes(impl->log));
  RETURN_IF_ERROR(impl->retries->Watch(&impl->acks, config.endpoints().ingest_acks()));
  // The stream has its own queue bound: bursts of events (hundreds per document) must not
  // cost a subscriber that keeps up on average a snapshot.
  config::v1::Limits stream_limits = config.limits();
  stream_limits.set_send_hwm(config.limits().stream_hwm());
  // A stopping service gives subscribers time to receive what it published
  // (the last burst and the closing heartbeat) before the socket is dropped.
  stream_limits.set_linger_ms(std::max<uint32_t>(config.limits().linger_ms(), kStreamLingerMillis));
  messaging::SocketFactory stream_factory = impl->shell->SocketsWith(stream_limits);
  ASSIGN_OR_RETURN(impl->publish, stream_factory.Bind(zmq::socket_type::xpub, config.endpoints().aggregate_publish()));
  ASSIGN_OR_RETURN(impl->snapshot, factory.Bind(zmq::socket_type::router, config.endpoints().aggregate_snapshot()));
  return std::unique_ptr<AggregateService>(new AggregateService(std::move(impl)));
}

AggregateService::AggregateService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AggregateService::~AggregateService() = default;
Status AggregateService::Run() { return impl_->Loop(); }
void AggregateService::Shutdown() { impl_->shell->Shutdown(); }

}  // namespace reportflow::aggregate
