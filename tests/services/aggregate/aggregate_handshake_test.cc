// Aggregate's acknowledgements over CURVE when ingest first refuses its key:
// the real AggregateService in one process connects to a CURVE server (the
// test, standing in for ingest) whose allow-list does not hold aggregate's
// key yet. libzmq never connects again after a refused handshake, so without
// messaging::HandshakeRetries aggregate would stay cut off from ingest until
// restarted: nothing it applies would ever be acknowledged. Once the key is
// allowed, its store announcement (sent while idle) must arrive.
#include <sys/stat.h>

#include <zmq.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "common/config/config_loader.h"
#include "common/messaging/socket_factory.h"
#include "common/messaging/zap_handler.h"
#include "services/aggregate/aggregate_service.h"
#include "tests/services/aggregate/recv_envelopes.h"
#include "tests/testing/curve_key_pair.h"
#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

TEST(AggregateHandshakeTest, AcknowledgementsReachIngestOnceItAllowsAggregatesKey) {
  testing::TempDir dir;
  const std::filesystem::path keys = dir.path() / "keys";
  std::filesystem::create_directories(keys / "clients");
  const testing::CurveKeyPair ingest = testing::NewCurveKeyPair(), aggregate = testing::NewCurveKeyPair();
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(keys / name) << text << "\n";
    ::chmod((keys / name).c_str(), 0600);
  };
  write("ingest.key", ingest.secret_key);
  write("ingest.pub", ingest.public_key);
  write("aggregate.key", aggregate.secret_key);
  write("aggregate.pub", aggregate.public_key);
  write("clients/other.pub", testing::NewCurveKeyPair().public_key);  // aggregate's key is not there yet

  // The test is ingest: a CURVE server for aggregate's acknowledgements.
  zmq::context_t ingest_ctx;
  ASSERT_OK_AND_ASSIGN(auto zap, messaging::ZapHandler::Start(&ingest_ctx));
  config::PipelineConfig ingest_cfg;
  ASSERT_OK(config::LoadPipelineConfig("", dir.path().string(),
                                       {"security.mode=curve", "security.key_file=" + (keys / "ingest.key").string(),
                                        "security.allowed_clients_dir=" + (keys / "clients").string()},
                                       &ingest_cfg));
  messaging::SocketFactory ingest_sockets(&ingest_ctx, ingest_cfg.limits(), ingest_cfg.security(), zap.get());
  ASSERT_OK_AND_ASSIGN(zmq::socket_t acks, ingest_sockets.Bind(zmq::socket_type::pull, "tcp://127.0.0.1:*"));
  ASSERT_OK_AND_ASSIGN(const std::string acks_endpoint, messaging::LastEndpoint(acks));

  config::PipelineConfig cfg;
  ASSERT_OK(config::LoadPipelineConfig(
      "", dir.path().string(),
      {"aggregate.http_listen=off", "security.mode=curve", "security.key_file=" + (keys / "aggregate.key").string(),
       "security.server_public_key_file=" + (keys / "ingest.pub").string(),
       "security.allowed_clients_dir=" + (keys / "clients").string(), "endpoints.ingest_acks=" + acks_endpoint},
      &cfg));
  ASSERT_OK_AND_ASSIGN(auto service, AggregateService::Create(cfg));
  std::future<Status> run = std::async(std::launch::async, [&] { return service->Run(); });

  ASSERT_TRUE(zap->AwaitDenied(1, std::chrono::seconds(20))) << "aggregate's key was never refused";
  EXPECT_TRUE(testing::RecvEnvelopes(acks, std::chrono::milliseconds(0))->empty());
  zap->Allow({aggregate.public_key});
  // Aggregate connects again after its first backoff (1 s) and announces its store.
  std::vector<pipeline::v1::Envelope> got;
  for (int i = 0; i < 20 && got.empty(); ++i) {
    ASSERT_OK_AND_ASSIGN(got, testing::RecvEnvelopes(acks, std::chrono::milliseconds(1000)));
  }
  ASSERT_FALSE(got.empty()) << "aggregate never connected again after its key was allowed";
  EXPECT_TRUE(got[0].has_ack());
  EXPECT_FALSE(got[0].ack().store_id().empty());

  service->Shutdown();
  EXPECT_OK(run.get());
}

}  // namespace
}  // namespace reportflow::aggregate
