#include "common/service/worker_runner.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/util/time_util.h>

#include <zmq.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>
#include <set>
#include <thread>

#include "common/base/clock.h"
#include "common/service/end_of_work.h"
#include "common/base/macros.h"
#include "common/logging/logging.h"
#include "common/messaging/codec.h"
#include "common/messaging/curve_keys.h"
#include "common/messaging/handshake_retry.h"
#include "common/messaging/poll.h"
#include "common/messaging/socket_factory.h"
#include "common/metrics/service_endpoint.h"
#include "common/service/service_shell.h"

namespace reportflow::service {
namespace {
namespace ppb = ::reportflow::pipeline::v1;
using messaging::Frames;
constexpr int kHeartbeatMillis = 1000;

// Random and never 0 (0: a worker that does not say).
uint64_t DrawIncarnation() {
  std::random_device device;
  for (;;) {
    const uint64_t n = (static_cast<uint64_t>(device()) << 32) | device();
    if (n != 0) return n;
  }
}
}  // namespace

struct WorkerRunner::Impl {
  config::v1::PipelineConfig config;
  WorkerOptions options;
  WorkHandler handler;
  std::shared_ptr<spdlog::logger> log;
  // The shell first: it outlives the sockets (see ServiceShell).
  std::unique_ptr<ServiceShell> shell;
  zmq::socket_t work, output;
  // Declared after the sockets: destroyed before them.
  std::unique_ptr<messaging::HandshakeRetries> retries;
  bool stopping = false;
  // Ingest said it sends nothing more (a WorkerReady of 0 credits from it)
  // since this worker last announced credit: every document it sent is here.
  bool no_more_work = false;
  int64_t last_activity = 0;
  // Sends may wait for backpressure until this moment: no limit while
  // running, the drain deadline once stopping.
  int64_t send_deadline_ms = std::numeric_limits<int64_t>::max();
  uint64_t processed = 0, failed = 0, malformed = 0;
  // This process among the restarts of its worker id (WorkerReady.incarnation):
  // another one tells ingest that the documents it held are lost.
  const uint64_t incarnation = DrawIncarnation();
  // Documents the store holds (WorkerOptions::counted_cf), when counted.
  bool counted = false;
  uint64_t store_documents = 0;
  // Operator metrics (the shell's endpoint); names in docs/operators.md.
  metrics::Counter* processed_total = nullptr;
  metrics::Counter* failed_total = nullptr;
  metrics::Counter* malformed_total = nullptr;
  metrics::Gauge* in_progress = nullptr;
  metrics::Histogram* processing_seconds = nullptr;

  void RegisterMetrics() {
    auto& r = shell->registry();
    const std::string p = "reportflow_" + options.stage + "_";
    processed_total = &r.GetCounter(p + "documents_processed_total", "Documents this worker processed successfully.");
    failed_total = &r.GetCounter(p + "documents_failed_total",
                                 "Documents this worker could not process (reported to ingest as a stage failure).");
    malformed_total = &r.GetCounter(p + "malformed_messages_total", "Work messages dropped because they did not parse.");
    in_progress = &r.GetGauge(p + "in_progress_documents", "Documents being processed right now.");
    processing_seconds = &r.GetHistogram(p + "processing_seconds", "Time to process one document, in seconds.",
                                         metrics::LatencyBuckets());
  }

  void AppendReady(uint32_t credits, bool replace, Frames* frames,
                   const std::vector<const std::string*>& forwarded = {}) {
    ppb::Envelope env;
    env.set_producer(options.worker_id);
    auto* ready = env.mutable_ready();
    ready->set_stage(options.stage);
    ready->set_worker_id(options.worker_id);
    ready->set_credits(credits);
    ready->set_replace(replace);
    ready->set_store_id(options.store_id);
    ready->set_store_note(options.store_note);
    ready->set_incarnation(incarnation);
    for (const std::string* id : forwarded) ready->add_forwarded(*id);
    if (counted) ready->set_store_documents(store_documents);
    messaging::AppendEnvelope(env, frames);
    if (credits > 0) no_more_work = false;  // ingest may send work again
  }

  // Documents of the counted family the store holds: its keys at start.
  Status CountStoredDocuments() {
    if (options.counted_cf.empty() || !options.store) return Status::OK();
    uint64_t n = 0;
    RETURN_IF_ERROR(options.store->Scan(options.counted_cf, "", [&](std::string_view, std::string_view) {
      ++n;
      return true;
    }));
    store_documents = n;
    counted = true;
    return Status::OK();
  }

  // Puts of `writes` into the counted family whose keys the store does not
  // hold yet (a re-delivered document replaces its record: not counted twice).
  // A put the handler marked absent_before (it had just looked the key up) is
  // not looked up again.
  uint64_t NewCountedRecords(const storage::WriteBatch& writes) const {
    if (!counted) return 0;
    std::set<std::string_view> seen;
    uint64_t added = 0;
    std::string ignored;
    for (const auto& op : writes.ops()) {
      if (!op.value || op.cf != options.counted_cf || !seen.insert(op.key).second) continue;
      if (op.absent_before || options.store->Get(op.cf, op.key, &ignored).code() == StatusCode::kNotFound) ++added;
    }
    return added;
  }

  // An announcement of credit alone (at start, or the idle heartbeat): it
  // waits for ingest to connect, but not past a stop (it carries no result).
  Status SendReady(uint32_t credits, bool replace) {
    Frames frames;
    AppendReady(credits, replace, &frames);
    return SendWhenWritable(work, frames, /*results=*/false);
  }

  // Sends, waiting while the peer applies backpressure (or is not connected
  // yet). Asked to stop while waiting: a message with `results` keeps trying
  // until the drain deadline, so the result of a finished document is not
  // thrown away; any other gives up at once.
  Status SendWhenWritable(zmq::socket_t& socket, Frames& frames, bool results = true) {
    messaging::Poll poll;
    const size_t wake = poll.AddFd(shell->loop().waker().fd(), messaging::Poll::kIn);
    poll.Add(socket, messaging::Poll::kOut);
    while (Clock::Real().MonotonicMillis() < send_deadline_ms) {
      Status s = messaging::SendFrames(socket, frames, /*dont_wait=*/true);
      if (s.ok() || s.code() != StatusCode::kUnavailable) return s;
      if (!results && shell->loop().stopping()) break;
      shell->endpoint().Beat();  // waiting on backpressure is progress, not a stall
      RETURN_IF_ERROR(ServiceRetries());  // not connected because a handshake failed?
      RETURN_IF_ERROR(poll.Wait(kHeartbeatMillis));
      if (poll.Ready(wake, messaging::Poll::kIn)) shell->loop().waker().Drain();
      if (shell->loop().stopping()) StartDraining();
    }
    return Status::Cancelled("shutting down");
  }

  // A group of envelopes, packed into one frame when it fits (messaging::PackEnvelopes).
  Status SendGroup(zmq::socket_t& socket, Frames& frames) {
    Frames packed;
    return SendWhenWritable(socket, messaging::PackedOrAsIs(frames, 0, config.limits().max_message_bytes(), &packed));
  }

  // A TCP connection whose handshake failed (a key not yet allowed) is made
  // again after a backoff (messaging/handshake_retry.h): libzmq would not.
  Status ServiceRetries() { return retries->Service(Clock::Real().MonotonicMillis()); }

  // Honours config.fault_injection (testing aid): an error for matching
  // documents, or an abrupt process exit in "crash" mode.
  Status InjectedFault(const ppb::Envelope& in) {
    const auto& fi = config.fault_injection();
    if (fi.stage() != options.stage) return Status::OK();
    if (fi.doc_id_prefix().empty() && fi.source_substring().empty()) return Status::OK();
    if (!fi.doc_id_prefix().empty() && in.doc_id().rfind(fi.doc_id_prefix(), 0) != 0) return Status::OK();
    if (!fi.source_substring().empty()) {
      std::string source;
      if (in.has_raw_document()) source = in.raw_document().source();
      else if (in.has_segmented_document()) source = in.segmented_document().source();
      if (source.find(fi.source_substring()) == std::string::npos) return Status::OK();
    }
    if (fi.mode() == "delay") {
      // A slow stage (benchmarks of scaling out): the wait is not CPU, so
      // throughput shows how dispatch spreads work over workers.
      std::this_thread::sleep_for(std::chrono::milliseconds(fi.delay_ms()));
      return Status::OK();
    }
    if (fi.mode() == "crash") {
      log->error("doc={} fault injection: crashing {} on purpose", in.doc_id(), options.stage);
      log->flush();
      std::_Exit(86);
    }
    return Status::Internal("fault injected by configuration (fault_injection) in stage " + options.stage);
  }

  // Arena blocks for a group: a document read and its result take tens of
  // kilobytes, so blocks start at 64 KB rather than growing from 256 bytes.
  static google::protobuf::ArenaOptions ArenaOptions() {
    google::protobuf::ArenaOptions o;
    o.start_block_size = 64 << 10;
    o.max_block_size = 1 << 20;
    return o;
  }

  // One document of a group: its result (or failure) waits for the group's commit.
  struct Pending {
    ppb::Envelope* out = nullptr;  // on the group's arena
    bool failed = false;
  };

  // Processes one work message (one or more documents) into `group`
  // (nothing sent yet). The documents as read and their results live on
  // `arena`, the group's. Returns how many documents (credits) it held.
  size_t Process(Frames& frames, google::protobuf::Arena* arena, std::vector<Pending>* group,
                 storage::WriteBatch* writes, size_t* malformed_now) {
    auto count = messaging::CountEnvelopes(frames, 0);
    if (!count.ok()) {
      CountMalformed(count.status(), malformed_now);
      return 1;
    }
    size_t held = 0;
    for (size_t i = 0; i < *count; ++i) {
      ppb::Envelope& in = *google::protobuf::Arena::CreateMessage<ppb::Envelope>(arena);
      Status s = messaging::ParseEnvelopeAt(frames, 0, i, &in);
      if (!s.ok()) {
        CountMalformed(s, malformed_now);
        ++held;
        continue;
      }
      // Ingest's view of our credit: 0 means nothing more follows (it stops,
      // or answers our withdrawal); not a document, so it holds no credit.
      if (in.payload_case() == ppb::Envelope::kReady) {
        if (IsEndOfWork(in)) no_more_work = true;
        continue;
      }
      if (in.payload_case() == ppb::Envelope::kAck) continue;
      ++held;
      no_more_work = false;
      Pending p;
      p.out = google::protobuf::Arena::CreateMessage<ppb::Envelope>(arena);
      ppb::Envelope& out = *p.out;
      out.set_doc_id(in.doc_id());
      out.set_batch_id(in.batch_id());
      out.set_attempt(in.attempt());
      out.set_trace_id(in.trace_id());
      out.set_producer(options.worker_id);
      const int64_t start = Clock::Real().MonotonicMillis();
      in_progress->Set(1);
      Status hs = InjectedFault(in);
      if (hs.ok()) hs = handler(in, &out, writes);
      in_progress->Set(0);
      processing_seconds->Observe(static_cast<double>(Clock::Real().MonotonicMillis() - start) / 1000.0);
      *out.mutable_produced_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(Clock::Real().NowMillis());
      if (!hs.ok()) MarkFailed(&p, hs);
      group->push_back(std::move(p));
    }
    return held;
  }

  void CountMalformed(const Status& s, size_t* malformed_now) {
    ++malformed;
    ++*malformed_now;
    malformed_total->Inc();
    log->warn("dropped malformed work message: {}", s.ToString());
  }

  void MarkFailed(Pending* p, const Status& hs) {
    ++failed;
    failed_total->Inc();
    log->warn("doc={} trace={} failed: {}", p->out->doc_id(), p->out->trace_id(), hs.ToString());
    p->failed = true;
    p->out->clear_payload();
    auto* f = p->out->mutable_failure();
    f->set_stage(options.stage);
    f->set_error(hs.ToString());
    f->set_permanent(hs.code() == StatusCode::kInvalidArgument || hs.code() == StatusCode::kCorruption);
  }

  // Commits the group's writes, then sends every result (or failure).
  Status Finish(std::vector<Pending>& group, storage::WriteBatch& writes, size_t malformed_now) {
    if (!writes.empty() && options.store) {
      const uint64_t added = NewCountedRecords(writes);
      Status ws = options.store->Write(writes);
      if (ws.ok()) store_documents += added;
      if (storage::IsNoSpace(ws)) {
        // A full disk is not the documents' fault: send nothing, stop (ingest
        // re-dispatches them once this worker is gone or its leases expire).
        shell->endpoint().SetReady(false, ws.message());
        return ws;
      }
      if (!ws.ok()) {
        // Nothing of the group is persisted: none of its results may leave.
        for (auto& p : group) {
          if (!p.failed) MarkFailed(&p, ws);
        }
      }
    }
    // One message of results to the output (extract -> aggregate), then one
    // message back to ingest: results without an output (segment) and
    // failures, each returning its credit, and the other returned credits
    // piggybacked as one WorkerReady.
    uint32_t credits_back = static_cast<uint32_t>(malformed_now);
    Frames replies, results;
    std::vector<const std::string*> forwarded;  // named in the WorkerReady (see WorkerReady.forwarded)
    for (auto& p : group) {
      if (p.failed || options.output_endpoint.empty()) {
        messaging::AppendEnvelope(*p.out, &replies);
        continue;
      }
      messaging::AppendEnvelope(*p.out, &results);
      forwarded.push_back(&p.out->doc_id());
      ++credits_back;
    }
    if (!results.empty()) RETURN_IF_ERROR(SendGroup(output, results));
    if (credits_back > 0 && !stopping) AppendReady(credits_back, false, &replies, forwarded);  // draining: no new credit
    if (!replies.empty()) RETURN_IF_ERROR(SendGroup(work, replies));
    for (auto& p : group) {
      if (!p.failed) {
        ++processed;
        processed_total->Inc();
      }
    }
    return Status::OK();
  }

  // Takes every work message that is ready (until `max` documents), processes
  // the group and commits it. Returns how many documents were taken.
  Result<size_t> HandleReady(size_t max) {
    // The group's documents and results live on one arena: parsing and
    // building allocate from it, and the whole group is freed at once instead
    // of one allocation and one destructor per span, metric and string (as
    // aggregate does with its groups).
    google::protobuf::Arena arena(ArenaOptions());
    std::vector<Pending> group;
    storage::WriteBatch writes;
    size_t taken = 0, malformed_now = 0;
    // A message that held no document (ingest's end of work) does not count,
    // but is bounded too: at most `max` messages per pass.
    for (size_t messages = 0; taken < max && messages < max; ++messages) {
      ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(work));
      if (frames.empty()) break;
      taken += Process(frames, &arena, &group, &writes, &malformed_now);
    }
    if (taken == 0) return taken;
    Status s = Finish(group, writes, malformed_now);
    if (!s.ok()) return s;
    return taken;
  }

  Status Loop() {
    RETURN_IF_ERROR(SendReady(config.limits().worker_credits(), true));
    const uint32_t group_max = std::max<uint32_t>(1, config.limits().worker_credits());
    EventLoop& loop = shell->loop();
    loop.OnReadable(work, [this, group_max]() -> Status {
      auto taken = HandleReady(group_max);
      if (!taken.ok()) return taken.status();
      if (*taken > 0) last_activity = Clock::Real().MonotonicMillis();
      return Status::OK();
    });
    loop.Every(kHeartbeatMillis, [this]() -> Status {
      RETURN_IF_ERROR(ServiceRetries());
      // Idle: announce the whole free capacity again (a restarted ingest learns of us).
      if (Clock::Real().MonotonicMillis() - last_activity < kHeartbeatMillis) return Status::OK();
      last_activity = Clock::Real().MonotonicMillis();
      return SendReady(config.limits().worker_credits(), true);
    });
    shell->endpoint().SetReady(true);
    last_activity = Clock::Real().MonotonicMillis();
    Status s = loop.Run();
    if (!s.ok() && s.code() != StatusCode::kCancelled) return s;
    RETURN_IF_ERROR(Drain());
    log->info("worker {} stopping: {} processed, {} failed, {} malformed", options.worker_id, processed, failed, malformed);
    return Status::OK();
  }

  // Stopping: withdraw our credit, then finish the documents already sent to
  // us, so they need not wait for a lease to be processed again. The drain
  // ends when ingest said that nothing more follows (its answer to the
  // withdrawal, or its own stop: after every document it sent us), else when
  // none arrives for a moment (EventLoop::kQuietMillis: ingest is gone or from
  // before this protocol), or at limits.drain_timeout_ms.
  void StartDraining() {
    stopping = true;
    if (send_deadline_ms == std::numeric_limits<int64_t>::max()) {
      send_deadline_ms = Clock::Real().MonotonicMillis() + config.limits().drain_timeout_ms();
    }
  }

  Status Drain() {
    StartDraining();
    // Without waiting: if ingest cannot take it now, it is not connected and
    // sends us nothing either (waiting here held a worker whose ingest had
    // already stopped for the whole drain timeout).
    Frames withdraw;
    AppendReady(0, true, &withdraw);
    (void)messaging::SendFrames(work, withdraw, /*dont_wait=*/true);
    const uint64_t before = processed + failed;
    Status s = shell->loop().Drain(send_deadline_ms, [this] { return no_more_work; });
    if (!s.ok() && s.code() != StatusCode::kCancelled) return s;
    if (processed + failed > before) {
      log->info("worker {} finished {} documents while stopping", options.worker_id, processed + failed - before);
    }
    return Status::OK();
  }
};

Result<std::unique_ptr<WorkerRunner>> WorkerRunner::Create(const config::v1::PipelineConfig& config,
                                                           WorkerOptions options, WorkHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  impl->log = logging::GetLogger(impl->options.stage);
  ShellOptions shell;
  shell.binds = false;
  shell.service = impl->options.stage;
  shell.instance = impl->options.worker_id;
  shell.http_listen = impl->options.stage == "segment" ? config.segment().http_listen() : config.extract().http_listen();
  ASSIGN_OR_RETURN(impl->shell, ServiceShell::Create(config, shell));
  impl->RegisterMetrics();
  RETURN_IF_ERROR(impl->CountStoredDocuments());
  const messaging::SocketFactory& factory = impl->shell->sockets();
  impl->retries = std::make_unique<messaging::HandshakeRetries>(
      factory.context(), service::LogRefusedHandshakes(impl->log));
  ASSIGN_OR_RETURN(impl->work, factory.Connect(zmq::socket_type::dealer, impl->options.work_endpoint));
  RETURN_IF_ERROR(impl->retries->Watch(&impl->work, impl->options.work_endpoint));
  if (!impl->options.output_endpoint.empty()) {
    ASSIGN_OR_RETURN(impl->output, factory.Connect(zmq::socket_type::push, impl->options.output_endpoint));
    RETURN_IF_ERROR(impl->retries->Watch(&impl->output, impl->options.output_endpoint));
  }
  return std::unique_ptr<WorkerRunner>(new WorkerRunner(std::move(impl)));
}

WorkerRunner::WorkerRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WorkerRunner::~WorkerRunner() = default;
Status WorkerRunner::Run() { return impl_->Loop(); }
void WorkerRunner::Stop() { impl_->shell->Shutdown(); }

}  // namespace reportflow::service
