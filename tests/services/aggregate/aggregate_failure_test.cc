// The aggregate service when its work keeps failing for a reason that is not
// the documents': the real AggregateService in one process (RocksDB store,
// ipc:// sockets in a temp dir), the test playing ingest (it re-dispatches an
// unacknowledged document, as after a lease) and the extract workers. The
// near-duplicate index's scratch dir is removed after the service started, so
// the audit of every group fails with a real I/O error (the scratch file
// cannot be created), as on a disk gone read-only. The service must stop with
// that error, marked a persistent failure (exit kExitPersistentFailure, not
// restarted), before ingest's attempts run out, and acknowledge nothing.
#include <zmq.hpp>

#include <filesystem>
#include <future>
#include <thread>

#include "common/config/config_loader.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "common/service/service.h"
#include "services/aggregate/aggregate_service.h"
#include "tests/services/aggregate/aggregate_test_docs.h"
#include "tests/services/aggregate/recv_envelopes.h"
#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

namespace ppb = ::reportflow::pipeline::v1;

// How long one re-dispatch waits for an acknowledgement (none must come) or
// the service to stop before the document is sent again: pacing only, no
// assertion depends on it.
constexpr auto kRedispatchAfter = std::chrono::milliseconds(100);
constexpr int kMaxDispatches = 600;  // a minute of re-dispatches: the service stops long before

class AggregateFailureTest : public ::testing::Test {
 protected:
  // Starts the service with `overrides`, its scratch dir gone once it started.
  void Start(std::vector<std::string> overrides) {
    scratch_ = dir_.path() / "scratch";
    overrides.push_back("aggregate.http_listen=off");
    overrides.push_back("aggregate.scratch_dir=" + scratch_.string());
    ASSERT_OK(config::LoadPipelineConfig("", dir_.path().string(), overrides, &cfg_));
    factory_ = std::make_unique<messaging::SocketFactory>(&context_, cfg_.limits());
    ASSERT_OK_AND_ASSIGN(acks_, factory_->Bind(zmq::socket_type::pull, cfg_.endpoints().ingest_acks()));
    ASSERT_OK_AND_ASSIGN(service_, AggregateService::Create(cfg_));
    std::filesystem::remove_all(scratch_);  // created by Create; the index opens its file at the first group
    run_ = std::async(std::launch::async, [this] { return service_->Run(); });
    ASSERT_OK_AND_ASSIGN(input_, factory_->Connect(zmq::socket_type::push, cfg_.endpoints().aggregate_input()));
  }

  void TearDown() override {
    if (!run_.valid()) return;
    service_->Shutdown();
    run_.get().IgnoreError();
  }

  // Sends doc-0 again and again, as ingest re-dispatches an unacknowledged
  // document, until the service stops; returns how often it was sent.
  // Fails the test if any document is acknowledged.
  int DispatchUntilStopped() {
    ppb::Envelope env;
    env.set_doc_id("doc-0");
    *env.mutable_extraction() = testing::Doc("花溪乡", "巫溪县", 2023, {{"legal_aid.cases", 12}});
    int sent = 0;
    while (run_.wait_for(std::chrono::seconds(0)) != std::future_status::ready && sent < kMaxDispatches) {
      env.set_attempt(++sent);
      messaging::Frames frames;
      messaging::AppendEnvelope(env, &frames);
      EXPECT_OK(messaging::SendFrames(input_, frames, /*dont_wait=*/false));
      ExpectNoDocumentAcked(kRedispatchAfter);
    }
    return sent;
  }

  // Reads what reaches ingest for up to `wait`: store announcements (no
  // doc_id) only, never a document's acknowledgement.
  void ExpectNoDocumentAcked(std::chrono::milliseconds wait) {
    auto received = testing::RecvEnvelopes(acks_, wait);
    ASSERT_OK(received.status());
    for (const ppb::Envelope& ack : *received) {
      EXPECT_EQ(ack.doc_id(), "") << "a document was acknowledged though its group was not finished";
    }
  }

  testing::TempDir dir_;
  std::filesystem::path scratch_;
  config::PipelineConfig cfg_;
  zmq::context_t context_;
  std::unique_ptr<messaging::SocketFactory> factory_;
  zmq::socket_t acks_, input_;
  std::unique_ptr<AggregateService> service_;
  std::future<Status> run_;
};

TEST_F(AggregateFailureTest, StopsWithTheRealErrorAfterThreeUnfinishedGroupsInARow) {
  Start({});
  const int sent = DispatchUntilStopped();
  ASSERT_EQ(run_.wait_for(std::chrono::seconds(0)), std::future_status::ready)
      << "aggregate still runs after " << sent << " dispatches of a document it cannot finish";
  const Status stopped = run_.get();
  EXPECT_TRUE(service::IsPersistentFailure(stopped)) << stopped.ToString();
  EXPECT_EQ(stopped.code(), StatusCode::kIoError) << stopped.ToString();
  // The real error, not a lease or an attempt count.
  EXPECT_NE(stopped.message().find("cannot create a scratch file in " + scratch_.string()), std::string::npos)
      << stopped.ToString();
  EXPECT_NE(stopped.message().find("failure 3 in a row"), std::string::npos) << stopped.ToString();
  // One failure is not enough: the group failed (at least) three times.
  EXPECT_GE(sent, 3);
}

// With fewer attempts than three, the service stops within them: ingest
// would quarantine the document after its last lease.
TEST_F(AggregateFailureTest, StopsWithinIngestsAttempts) {
  Start({"limits.max_attempts=1"});
  const int sent = DispatchUntilStopped();
  ASSERT_EQ(run_.wait_for(std::chrono::seconds(0)), std::future_status::ready) << sent << " dispatches";
  const Status stopped = run_.get();
  EXPECT_TRUE(service::IsPersistentFailure(stopped)) << stopped.ToString();
  EXPECT_NE(stopped.message().find("failure 1 in a row"), std::string::npos) << stopped.ToString();
}

}  // namespace
}  // namespace reportflow::aggregate
