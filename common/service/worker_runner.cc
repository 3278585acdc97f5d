#include "common/service/worker_runner.h"

#include <google/protobuf/util/time_util.h>

#include <zmq.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <thread>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/logging/logging.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "common/metrics/service_endpoint.h"

namespace reportflow::service {
namespace {
namespace ppb = ::reportflow::pipeline::v1;
using messaging::Frames;
constexpr int kHeartbeatMillis = 1000;
constexpr int64_t kDrainQuietMillis = 100;  // stopping: no new document for this long = nothing more is coming
}  // namespace

struct WorkerRunner::Impl {
  config::v1::PipelineConfig config;
  WorkerOptions options;
  WorkHandler handler;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<Waker> waker;
  zmq::context_t context;
  zmq::socket_t work, output;
  std::atomic<bool> stopping{false};
  // Sends may wait for backpressure until this moment: no limit while
  // running, the drain deadline once stopping.
  int64_t send_deadline_ms = std::numeric_limits<int64_t>::max();
  uint64_t processed = 0, failed = 0, malformed = 0;
  // Operator endpoint (/metrics, /healthz, /readyz) and its metrics; names in docs/operators.md.
  std::unique_ptr<metrics::ServiceEndpoint> endpoint;
  metrics::Counter* processed_total = nullptr;
  metrics::Counter* failed_total = nullptr;
  metrics::Counter* malformed_total = nullptr;
  metrics::Gauge* in_progress = nullptr;
  metrics::Histogram* processing_seconds = nullptr;

  void RegisterMetrics() {
    auto& r = endpoint->registry();
    const std::string p = "reportflow_" + options.stage + "_";
    processed_total = &r.GetCounter(p + "documents_processed_total", "Documents this worker processed successfully.");
    failed_total = &r.GetCounter(p + "documents_failed_total",
                                 "Documents this worker could not process (reported to ingest as a stage failure).");
    malformed_total = &r.GetCounter(p + "malformed_messages_total", "Work messages dropped because they did not parse.");
    in_progress = &r.GetGauge(p + "in_progress_documents", "Documents being processed right now.");
    processing_seconds = &r.GetHistogram(p + "processing_seconds", "Time to process one document, in seconds.",
                                         metrics::LatencyBuckets());
  }

  Status SendReady(uint32_t credits, bool replace) {
    ppb::Envelope env;
    env.set_producer(options.worker_id);
    auto* ready = env.mutable_ready();
    ready->set_stage(options.stage);
    ready->set_worker_id(options.worker_id);
    ready->set_credits(credits);
    ready->set_replace(replace);
    Frames frames;
    messaging::AppendEnvelope(env, &frames);
    return SendWhenWritable(work, frames);
  }

  // Sends, waiting (bounded by shutdown) while the peer applies backpressure.
  Status SendWhenWritable(zmq::socket_t& socket, Frames& frames) {
    while (Clock::Real().MonotonicMillis() < send_deadline_ms) {
      Status s = messaging::SendFrames(socket, frames, /*dont_wait=*/true);
      if (s.ok() || s.code() != StatusCode::kUnavailable) return s;
      endpoint->Beat();  // waiting on backpressure is progress, not a stall
      zmq::pollitem_t items[] = {{nullptr, waker->fd(), ZMQ_POLLIN, 0}, {socket.handle(), 0, ZMQ_POLLOUT, 0}};
      try {
        zmq::poll(items, 2, std::chrono::milliseconds(kHeartbeatMillis));
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return Status::Cancelled("context terminated");
      }
      // Asked to stop while waiting: keep trying until the drain deadline, so
      // the result of a finished document is not thrown away.
      if (items[0].revents & ZMQ_POLLIN) StartDraining();
    }
    return Status::Cancelled("shutting down");
  }

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

  // One document of a group: its result (or failure) waits for the group's commit.
  struct Pending {
    ppb::Envelope out;
    bool failed = false;
  };

  // Processes one work message into `group` (nothing sent yet).
  void Process(Frames& frames, std::vector<Pending>* group, storage::WriteBatch* writes, size_t* malformed_now) {
    ppb::Envelope in;
    Status s = messaging::ParseEnvelope(frames, 0, &in);
    if (!s.ok()) {
      ++malformed;
      ++*malformed_now;
      malformed_total->Inc();
      log->warn("dropped malformed work message: {}", s.ToString());
      return;
    }
    if (in.payload_case() == ppb::Envelope::kReady || in.payload_case() == ppb::Envelope::kAck) return;
    Pending p;
    ppb::Envelope& out = p.out;
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

  void MarkFailed(Pending* p, const Status& hs) {
    ++failed;
    failed_total->Inc();
    log->warn("doc={} trace={} failed: {}", p->out.doc_id(), p->out.trace_id(), hs.ToString());
    p->failed = true;
    p->out.clear_payload();
    auto* f = p->out.mutable_failure();
    f->set_stage(options.stage);
    f->set_error(hs.ToString());
    f->set_permanent(hs.code() == StatusCode::kInvalidArgument || hs.code() == StatusCode::kCorruption);
  }

  // Commits the group's writes, then sends every result (or failure).
  Status Finish(std::vector<Pending>& group, storage::WriteBatch& writes, size_t malformed_now) {
    if (!writes.empty() && options.store) {
      Status ws = options.store->Write(writes);
      if (!ws.ok()) {
        // Nothing of the group is persisted: none of its results may leave.
        for (auto& p : group) {
          if (!p.failed) MarkFailed(&p, ws);
        }
      }
    }
    uint32_t credits_back = static_cast<uint32_t>(malformed_now);
    for (auto& p : group) {
      Frames frames;
      messaging::AppendEnvelope(p.out, &frames);
      if (p.failed || options.output_endpoint.empty()) {
        RETURN_IF_ERROR(SendWhenWritable(work, frames));  // returns the credit
        continue;
      }
      ++processed;
      processed_total->Inc();
      RETURN_IF_ERROR(SendWhenWritable(output, frames));
      ++credits_back;
    }
    for (auto& p : group) {
      if (!p.failed && options.output_endpoint.empty()) {
        ++processed;
        processed_total->Inc();
      }
    }
    if (credits_back == 0 || stopping) return Status::OK();  // draining: no new credit
    return SendReady(credits_back, false);
  }

  // Takes every work message that is ready (at most `max`), processes the
  // group and commits it. Returns how many messages were taken.
  Result<size_t> HandleReady(size_t max) {
    std::vector<Pending> group;
    storage::WriteBatch writes;
    size_t taken = 0, malformed_now = 0;
    while (taken < max) {
      ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(work));
      if (frames.empty()) break;
      ++taken;
      Process(frames, &group, &writes, &malformed_now);
    }
    if (taken == 0) return taken;
    Status s = Finish(group, writes, malformed_now);
    if (!s.ok()) return s;
    return taken;
  }

  Status Loop() {
    RETURN_IF_ERROR(SendReady(config.limits().worker_credits(), true));
    endpoint->SetReady(true);
    int64_t last_activity = Clock::Real().MonotonicMillis();
    while (!stopping) {
      endpoint->Beat();
      zmq::pollitem_t items[] = {{nullptr, waker->fd(), ZMQ_POLLIN, 0}, {work.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 2, std::chrono::milliseconds(kHeartbeatMillis));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        if (e.num() == ETERM) break;
        return Status::Internal(std::string("poll: ") + e.what());
      }
      if (items[0].revents & ZMQ_POLLIN) break;
      if (items[1].revents & ZMQ_POLLIN) {
        auto taken = HandleReady(std::max<uint32_t>(1, config.limits().worker_credits()));
        if (!taken.ok() && taken.status().code() == StatusCode::kCancelled) break;
        RETURN_IF_ERROR(taken.status());
        last_activity = Clock::Real().MonotonicMillis();
      } else if (Clock::Real().MonotonicMillis() - last_activity >= kHeartbeatMillis) {
        // Idle: announce the whole free capacity again (a restarted ingest learns of us).
        Status s = SendReady(config.limits().worker_credits(), true);
        if (s.code() == StatusCode::kCancelled) break;
        last_activity = Clock::Real().MonotonicMillis();
      }
    }
    RETURN_IF_ERROR(Drain());
    log->info("worker {} stopping: {} processed, {} failed, {} malformed", options.worker_id, processed, failed, malformed);
    return Status::OK();
  }

  // Stopping: withdraw our credit, then finish the documents already sent to
  // us (until none arrives for a moment, or limits.drain_timeout_ms), so they
  // need not wait for a lease to be processed again.
  void StartDraining() {
    stopping = true;
    waker->Drain();
    if (send_deadline_ms == std::numeric_limits<int64_t>::max()) {
      send_deadline_ms = Clock::Real().MonotonicMillis() + config.limits().drain_timeout_ms();
    }
  }

  Status Drain() {
    StartDraining();
    const int64_t start = Clock::Real().MonotonicMillis();
    (void)SendReady(0, true);
    int64_t last = start;
    size_t drained = 0;
    while (true) {
      const int64_t now = Clock::Real().MonotonicMillis();
      if (now >= send_deadline_ms || now - last >= kDrainQuietMillis) break;
      zmq::pollitem_t items[] = {{work.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 1, std::chrono::milliseconds(std::min<int64_t>(kDrainQuietMillis, send_deadline_ms - now)));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        break;
      }
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      auto taken = HandleReady(std::max<uint32_t>(1, config.limits().worker_credits()));
      if (!taken.ok() && taken.status().code() == StatusCode::kCancelled) break;
      RETURN_IF_ERROR(taken.status());
      drained += *taken;
      last = Clock::Real().MonotonicMillis();
    }
    if (drained) log->info("worker {} finished {} documents while stopping", options.worker_id, drained);
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
  ASSIGN_OR_RETURN(impl->waker, Waker::Create());
  metrics::EndpointOptions http;
  http.service = impl->options.stage;
  http.instance = impl->options.worker_id;
  http.listen = impl->options.stage == "segment" ? config.segment().http_listen() : config.extract().http_listen();
  http.run_dir = (std::filesystem::path(config.data_dir()) / "run").string();
  ASSIGN_OR_RETURN(impl->endpoint, metrics::ServiceEndpoint::Start(http));
  impl->RegisterMetrics();
  messaging::SocketFactory factory(&impl->context, config.limits(), config.security());
  ASSIGN_OR_RETURN(impl->work, factory.Connect(zmq::socket_type::dealer, impl->options.work_endpoint));
  if (!impl->options.output_endpoint.empty()) {
    ASSIGN_OR_RETURN(impl->output, factory.Connect(zmq::socket_type::push, impl->options.output_endpoint));
  }
  return std::unique_ptr<WorkerRunner>(new WorkerRunner(std::move(impl)));
}

WorkerRunner::WorkerRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WorkerRunner::~WorkerRunner() = default;
Status WorkerRunner::Run() { return impl_->Loop(); }
void WorkerRunner::Stop() {
  impl_->endpoint->SetStopping();
  impl_->stopping = true;
  impl_->waker->Wake();
}

}  // namespace reportflow::service
