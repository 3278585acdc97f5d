// The end of work between ingest and its workers: ingest tells a worker that
// nothing more follows (a WorkerReady of 0 credits from it) when the worker
// withdraws its credit and when ingest stops, so a stopping worker's drain
// ends on that event instead of a quiet time; and a worker whose ingest is
// gone stops at once instead of waiting out the drain timeout. Ingest stopping
// with nothing in flight tells aggregate the same.
// In-process, over ipc:// in a temp dir; every wait is a poll bounded by a
// generous limit (they end on the event, the limit only catches a hang).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "common/config/config_loader.h"
#include "common/messaging/codec.h"
#include "common/messaging/poll.h"
#include "common/messaging/socket_factory.h"
#include "common/service/worker_runner.h"
#include "services/ingest/ingest_service.h"
#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {

namespace ppb = ::reportflow::pipeline::v1;
using testing::TempDir;

constexpr int64_t kLimitMillis = 20000;  // a hang, not a figure: the events come in milliseconds

config::v1::PipelineConfig ConfigIn(const TempDir& dir, int drain_timeout_ms) {
  config::v1::PipelineConfig cfg;
  EXPECT_TRUE(config::LoadPipelineConfig("", dir.path().string(), {}, &cfg).ok());
  cfg.mutable_limits()->set_drain_timeout_ms(drain_timeout_ms);
  return cfg;
}

ppb::Envelope Ready(uint32_t credits) {
  ppb::Envelope env;
  env.set_producer("segment-test");
  env.mutable_ready()->set_stage("segment");
  env.mutable_ready()->set_worker_id("segment-test");
  env.mutable_ready()->set_credits(credits);
  env.mutable_ready()->set_replace(true);
  return env;
}

// The next envelope on `socket` within the limit (nullopt: none came).
std::optional<ppb::Envelope> Next(zmq::socket_t& socket, size_t first_frame = 0) {
  messaging::Poll poll;
  poll.Add(socket, messaging::Poll::kIn);
  if (!poll.Wait(kLimitMillis).ok() || !poll.Ready(0, messaging::Poll::kIn)) return std::nullopt;
  auto frames = messaging::RecvFrames(socket);
  if (!frames.ok() || frames->empty()) return std::nullopt;
  ppb::Envelope env;
  if (!messaging::ParseEnvelopeAt(*frames, first_frame, 0, &env).ok()) return std::nullopt;
  return env;
}

// The service or worker run by `running` returns OK within the limit.
void ExpectStopsCleanly(std::future<Status>& running) {
  ASSERT_EQ(running.wait_for(std::chrono::milliseconds(kLimitMillis)), std::future_status::ready);
  EXPECT_OK(running.get());
}

bool IsEndOfWork(const std::optional<ppb::Envelope>& env) {
  return env && env->payload_case() == ppb::Envelope::kReady && env->ready().credits() == 0 &&
         env->producer() == "ingest";
}

// A worker's DEALER on ingest's segment work endpoint, as a test's hand.
class FakeWorker {
 public:
  explicit FakeWorker(const config::v1::PipelineConfig& cfg) : factory_(&context_, cfg.limits()) {
    auto s = factory_.Connect(zmq::socket_type::dealer, cfg.endpoints().segment_work());
    EXPECT_TRUE(s.ok());
    if (s.ok()) socket_ = std::move(s).value();
  }
  // Once connected (the socket is writable), within the limit.
  void Send(const ppb::Envelope& env) {
    messaging::Frames frames;
    messaging::AppendEnvelope(env, &frames);
    messaging::Poll poll;
    poll.Add(socket_, messaging::Poll::kOut);
    ASSERT_OK(poll.Wait(kLimitMillis));
    ASSERT_OK(messaging::SendFrames(socket_, frames, /*dont_wait=*/true));
  }
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::context_t context_;
  messaging::SocketFactory factory_;
  zmq::socket_t socket_;
};

// A worker that withdraws all its credit (it is stopping) is answered with
// ingest's end of work; and when ingest stops, every worker it knows hears it.
TEST(EndOfWorkTest, IngestAnswersAWithdrawalAndTellsEveryWorkerWhenItStops) {
  TempDir dir;
  const auto cfg = ConfigIn(dir, 5000);
  ASSERT_OK_AND_ASSIGN(auto ingest, IngestService::Create(cfg));
  auto running = std::async(std::launch::async, [&] { return ingest->Run(); });
  FakeWorker worker(cfg);
  // The answer to the withdrawal also proves ingest knows the worker (same
  // connection, in order) without a sleep.
  worker.Send(Ready(16));
  worker.Send(Ready(0));
  ASSERT_TRUE(IsEndOfWork(Next(worker.socket())));
  ingest->Shutdown();
  EXPECT_TRUE(IsEndOfWork(Next(worker.socket())));
  ExpectStopsCleanly(running);
}

// Ingest stopping with nothing in flight tells aggregate too (on aggregate's
// input, where its withdrawals go), so aggregate's drain ends on that event.
TEST(EndOfWorkTest, IngestTellsAggregateWhenItStopsWithNothingInFlight) {
  TempDir dir;
  const auto cfg = ConfigIn(dir, 5000);
  zmq::context_t context;
  messaging::SocketFactory factory(&context, cfg.limits());
  ASSERT_OK_AND_ASSIGN(zmq::socket_t aggregate_input, factory.Bind(zmq::socket_type::pull, cfg.endpoints().aggregate_input()));
  // Ingest's connection has completed its handshake before it is asked to stop (a PUSH
  // drops what it cannot send at once to no peer): watched, not waited for.
  const std::string monitor_endpoint = "inproc://aggregate-input-monitor";
  ASSERT_EQ(zmq_socket_monitor(aggregate_input.handle(), monitor_endpoint.c_str(), ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);
  zmq::socket_t monitor(context, zmq::socket_type::pair);
  monitor.connect(monitor_endpoint);
  ASSERT_OK_AND_ASSIGN(auto ingest, IngestService::Create(cfg));
  auto running = std::async(std::launch::async, [&] { return ingest->Run(); });
  messaging::Poll poll;
  poll.Add(monitor, messaging::Poll::kIn);
  ASSERT_OK(poll.Wait(kLimitMillis));
  ASSERT_TRUE(poll.Ready(0, messaging::Poll::kIn)) << "ingest never connected to aggregate's input";
  ingest->Shutdown();
  const auto end = Next(aggregate_input);
  EXPECT_TRUE(IsEndOfWork(end)) << (end ? end->ShortDebugString() : std::string("nothing came"));
  if (end) {
    EXPECT_EQ(end->ready().stage(), "aggregate");
  }
  ExpectStopsCleanly(running);
}

// A worker whose ingest never listens (gone, or not started): asked to stop
// while it waits to announce its credit, it stops at once. It used to wait
// out limits.drain_timeout_ms (here a minute) before giving up.
TEST(EndOfWorkTest, WorkerWithoutIngestStopsAtOnce) {
  TempDir dir;
  const auto cfg = ConfigIn(dir, 60000);
  service::WorkerOptions options;
  options.stage = "segment";
  options.worker_id = "segment-test";
  options.work_endpoint = cfg.endpoints().segment_work();  // nothing binds it
  ASSERT_OK_AND_ASSIGN(auto runner, service::WorkerRunner::Create(cfg, options, [](const auto&, auto*, auto*) {
                         return Status::OK();
                       }));
  auto running = std::async(std::launch::async, [&] { return runner->Run(); });
  runner->Stop();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(running.wait_for(std::chrono::milliseconds(kLimitMillis)), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(cfg.limits().drain_timeout_ms()));
  const Status s = running.get();
  EXPECT_TRUE(s.ok() || s.code() == StatusCode::kCancelled) << s.ToString();
}

// The end of work follows the documents sent before it: the worker processes
// them and returns their results (it does not take the end of work for
// "drop what you hold"), then stops and withdraws its credit.
TEST(EndOfWorkTest, WorkerFinishesWhatItHoldsBeforeTheEndOfWork) {
  TempDir dir;
  const auto cfg = ConfigIn(dir, 60000);
  zmq::context_t context;
  messaging::SocketFactory factory(&context, cfg.limits());
  ASSERT_OK_AND_ASSIGN(zmq::socket_t fake_ingest, factory.Bind(zmq::socket_type::router, cfg.endpoints().segment_work()));
  service::WorkerOptions options;
  options.stage = "segment";
  options.worker_id = "segment-test";
  options.work_endpoint = cfg.endpoints().segment_work();
  ASSERT_OK_AND_ASSIGN(auto runner, service::WorkerRunner::Create(cfg, options, [](const auto& in, auto* out, auto*) {
                         out->mutable_failure()->set_stage("segment");  // any payload: the test reads the doc_id
                         return Status::OK();
                       }));
  auto running = std::async(std::launch::async, [&] { return runner->Run(); });
  // Its announcement: [identity][header][body].
  messaging::Poll poll;
  poll.Add(fake_ingest, messaging::Poll::kIn);
  ASSERT_OK(poll.Wait(kLimitMillis));
  ASSERT_OK_AND_ASSIGN(messaging::Frames hello, messaging::RecvFrames(fake_ingest));
  ASSERT_GE(hello.size(), 3u);
  const std::string identity = hello[0].to_string();
  // One document, then the end of work, in one go.
  ppb::Envelope doc;
  doc.set_doc_id("d1");
  doc.set_attempt(1);
  doc.mutable_raw_document()->set_text("text");
  ppb::Envelope end;
  end.set_producer("ingest");
  end.mutable_ready()->set_credits(0);
  end.mutable_ready()->set_replace(true);
  for (const auto* env : {&doc, &end}) {
    messaging::Frames frames;
    frames.emplace_back(identity.data(), identity.size());
    messaging::AppendEnvelope(*env, &frames);
    ASSERT_OK(messaging::SendFrames(fake_ingest, frames));
  }
  auto result = Next(fake_ingest, 1);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->doc_id(), "d1");
  runner->Stop();
  ExpectStopsCleanly(running);
  // Its withdrawal (an idle heartbeat may come first on a slow machine).
  std::optional<ppb::Envelope> withdrawal;
  while ((withdrawal = Next(fake_ingest, 1)) && !(withdrawal->has_ready() && withdrawal->ready().credits() == 0)) {
  }
  ASSERT_TRUE(withdrawal);
}

}  // namespace
}  // namespace reportflow::ingest
