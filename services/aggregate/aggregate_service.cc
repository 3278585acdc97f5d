#include "services/aggregate/aggregate_service.h"

#include <google/protobuf/util/time_util.h>

#include <zmq.hpp>

#include <filesystem>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/logging/logging.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "common/metrics/service_endpoint.h"
#include "common/storage/store.h"
#include "services/aggregate/aggregator.h"

namespace reportflow::aggregate {
namespace {
namespace ppb = ::reportflow::pipeline::v1;
using messaging::Frames;
constexpr int kPollMillis = 500;
}  // namespace

struct AggregateService::Impl {
  config::v1::PipelineConfig config;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<service::Waker> waker;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<Aggregator> aggregator;
  zmq::context_t context;
  zmq::socket_t input, acks;
  std::atomic<bool> stopping{false};
  uint64_t applied = 0, malformed = 0;
  // Operator endpoint (/metrics, /healthz, /readyz); metric names in docs/operators.md.
  std::unique_ptr<metrics::ServiceEndpoint> endpoint;
  metrics::Counter* applied_total = nullptr;
  metrics::Counter* apply_failures_total = nullptr;
  metrics::Counter* malformed_total = nullptr;
  metrics::Counter* acks_unsent_total = nullptr;
  metrics::Histogram* apply_seconds = nullptr;

  void RegisterMetrics() {
    auto& r = endpoint->registry();
    applied_total = &r.GetCounter("reportflow_aggregate_documents_applied_total",
                                  "Document extractions applied to the rollups (and acknowledged to ingest).");
    apply_failures_total = &r.GetCounter("reportflow_aggregate_apply_failures_total",
                                         "Extractions that could not be applied (not acknowledged; ingest re-dispatches).");
    malformed_total = &r.GetCounter("reportflow_aggregate_malformed_messages_total",
                                    "Input messages dropped because they did not parse or were not extractions.");
    acks_unsent_total = &r.GetCounter("reportflow_aggregate_acks_unsent_total",
                                      "Acknowledgements that could not be queued for ingest.");
    apply_seconds = &r.GetHistogram("reportflow_aggregate_apply_seconds",
                                    "Time to apply one document's extraction to the rollups, in seconds.",
                                    metrics::LatencyBuckets());
  }

  Status SendAck(const ppb::Envelope& in) {
    ppb::Envelope ack;
    ack.set_doc_id(in.doc_id());
    ack.set_batch_id(in.batch_id());
    ack.set_attempt(in.attempt());
    ack.set_trace_id(in.trace_id());
    ack.set_producer("aggregate");
    *ack.mutable_produced_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(Clock::Real().NowMillis());
    ack.mutable_ack()->set_metrics(static_cast<uint32_t>(in.extraction().metrics_size()));
    ack.mutable_ack()->set_processing_version(in.extraction().processing_version());
    Frames frames;
    messaging::AppendEnvelope(ack, &frames);
    // Acks are small; if ingest is away they wait in the socket (bounded by HWM),
    // and a lost ack only causes a re-dispatch, which is idempotent here.
    Status s = messaging::SendFrames(acks, frames, /*dont_wait=*/true);
    if (!s.ok()) {
      acks_unsent_total->Inc();
      log->warn("doc={} trace={} ack not sent ({}); ingest will re-dispatch after its lease", in.doc_id(), in.trace_id(),
                s.ToString());
    }
    return Status::OK();
  }

  Status OnInput(Frames& frames) {
    ppb::Envelope env;
    Status s = messaging::ParseEnvelope(frames, 0, &env);
    if (!s.ok() || env.payload_case() != ppb::Envelope::kExtraction) {
      ++malformed;
      malformed_total->Inc();
      log->warn("dropped malformed input: {}", s.ok() ? "not an extraction" : s.ToString());
      return Status::OK();
    }
    const int64_t start = Clock::Real().MonotonicMillis();
    auto change = aggregator->Apply(env.doc_id(), env.extraction());
    apply_seconds->Observe(static_cast<double>(Clock::Real().MonotonicMillis() - start) / 1000.0);
    if (!change.ok()) {
      apply_failures_total->Inc();
      // Not acknowledged: ingest re-dispatches after its lease.
      log->error("doc={} trace={} cannot apply: {}", env.doc_id(), env.trace_id(), change.status().ToString());
      return Status::OK();
    }
    ++applied;
    applied_total->Inc();
    log->debug("doc={} trace={} applied: {} rollups changed", env.doc_id(), env.trace_id(), change->rollups.size());
    return SendAck(env);
  }

  Status Loop() {
    endpoint->SetReady(true);
    while (!stopping) {
      endpoint->Beat();
      zmq::pollitem_t items[] = {{nullptr, waker->fd(), ZMQ_POLLIN, 0}, {input.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 2, std::chrono::milliseconds(kPollMillis));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        if (e.num() == ETERM) break;
        return Status::Internal(std::string("poll: ") + e.what());
      }
      if (items[0].revents & ZMQ_POLLIN) break;
      if (items[1].revents & ZMQ_POLLIN) {
        for (int i = 0; i < 256; ++i) {
          ASSIGN_OR_RETURN(Frames frames, messaging::RecvFrames(input));
          if (frames.empty()) break;
          RETURN_IF_ERROR(OnInput(frames));
        }
      }
    }
    log->info("stopping: {} documents applied, {} malformed messages dropped", applied, malformed);
    return store->Flush();
  }
};

Result<std::unique_ptr<AggregateService>> AggregateService::Create(const config::v1::PipelineConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->log = logging::GetLogger("aggregate");
  ASSIGN_OR_RETURN(impl->waker, service::Waker::Create());
  metrics::EndpointOptions http;
  http.service = "aggregate";
  http.instance = "aggregate";
  http.listen = config.aggregate().http_listen();
  http.run_dir = (std::filesystem::path(config.data_dir()) / "run").string();
  ASSIGN_OR_RETURN(impl->endpoint, metrics::ServiceEndpoint::Start(http));
  impl->RegisterMetrics();
  ASSIGN_OR_RETURN(impl->store, storage::OpenRocksDbStore(config.aggregate().store_path(), Aggregator::ColumnFamilies()));
  impl->aggregator = std::make_unique<Aggregator>(impl->store.get());
  messaging::SocketFactory factory(&impl->context, config.limits());
  ASSIGN_OR_RETURN(impl->input, factory.Bind(zmq::socket_type::pull, config.endpoints().aggregate_input()));
  ASSIGN_OR_RETURN(impl->acks, factory.Connect(zmq::socket_type::push, config.endpoints().ingest_acks()));
  return std::unique_ptr<AggregateService>(new AggregateService(std::move(impl)));
}

AggregateService::AggregateService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AggregateService::~AggregateService() = default;
Status AggregateService::Run() { return impl_->Loop(); }
void AggregateService::Shutdown() {
  impl_->endpoint->SetStopping();
  impl_->stopping = true;
  impl_->waker->Wake();
}

}  // namespace reportflow::aggregate
