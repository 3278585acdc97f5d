#include "services/aggregate/aggregate_service.h"

#include <google/protobuf/util/time_util.h>

#include <zmq.hpp>

#include "common/base/clock.h"
#include "common/base/macros.h"
#include "common/logging/logging.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
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
    if (!s.ok()) log->warn("doc={} ack not sent ({}); ingest will re-dispatch after its lease", in.doc_id(), s.ToString());
    return Status::OK();
  }

  Status OnInput(Frames& frames) {
    ppb::Envelope env;
    Status s = messaging::ParseEnvelope(frames, 0, &env);
    if (!s.ok() || env.payload_case() != ppb::Envelope::kExtraction) {
      ++malformed;
      log->warn("dropped malformed input: {}", s.ok() ? "not an extraction" : s.ToString());
      return Status::OK();
    }
    auto change = aggregator->Apply(env.doc_id(), env.extraction());
    if (!change.ok()) {
      // Not acknowledged: ingest re-dispatches after its lease.
      log->error("doc={} trace={} cannot apply: {}", env.doc_id(), env.trace_id(), change.status().ToString());
      return Status::OK();
    }
    ++applied;
    log->debug("doc={} trace={} applied: {} rollups changed", env.doc_id(), env.trace_id(), change->rollups.size());
    return SendAck(env);
  }

  Status Loop() {
    while (!stopping) {
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
  impl_->stopping = true;
  impl_->waker->Wake();
}

}  // namespace reportflow::aggregate
