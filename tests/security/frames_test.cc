// Garbage and oversized frames sent to every socket the services bind, while
// a batch runs: no service crashes or restarts, the batch completes, and the
// services report what they dropped.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/config/config_loader.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {

using Clock = std::chrono::steady_clock;

pid_t Spawn(const std::string& command) {
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

class HostileFramesTest : public PipelineFixture {};

TEST_F(HostileFramesTest, GarbageAndOversizedFramesOnEveryBoundSocketCrashNothing) {
  const std::string corpus = (dir_ / "corpus").string();
  const std::string data = (dir_ / "data").string();
  std::string out;
  ASSERT_EQ(Cli("gen-corpus --reports 1500 --seed 5 --out " + corpus, &out), 0) << out;
  const pid_t run = Spawn(Reportflow() + " run " + corpus + "/reports --data " + data +
                          " --set limits.max_message_bytes=1048576 --set limits.max_file_bytes=262144 --timeout 300 > " + (dir_ / "run.log").string() +
                          " 2>&1");
  ASSERT_GT(run, 0);
  config::v1::PipelineConfig cfg;
  ASSERT_OK(config::LoadPipelineConfig("", data, {}, &cfg));
  const auto& e = cfg.endpoints();
  struct Target {
    std::string endpoint;
    zmq::socket_type type;  // the peer type a client of that socket would use
  };
  const std::vector<Target> targets = {
      {e.ingest_control(), zmq::socket_type::dealer}, {e.segment_work(), zmq::socket_type::dealer},
      {e.extract_work(), zmq::socket_type::dealer},   {e.ingest_acks(), zmq::socket_type::push},
      {e.aggregate_input(), zmq::socket_type::push},  {e.aggregate_snapshot(), zmq::socket_type::dealer}};
  // Wait until every socket is bound (its ipc file exists).
  const auto end = Clock::now() + std::chrono::seconds(60);
  for (const auto& t : targets) {
    while (!std::filesystem::exists(t.endpoint.substr(6))) {
      ASSERT_LT(Clock::now(), end) << t.endpoint << " never bound; " << ReadFileOrDie(dir_ / "run.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  zmq::context_t ctx;
  config::v1::Limits limits;
  limits.set_linger_ms(2000);
  limits.set_send_hwm(1000);
  limits.set_recv_hwm(1000);
  messaging::SocketFactory factory(&ctx, limits);
  const std::string oversized(2 << 20, 'x');  // twice limits.max_message_bytes
  for (const auto& t : targets) {
    SCOPED_TRACE(t.endpoint);
    auto s = factory.Connect(t.type, t.endpoint);
    ASSERT_OK(s.status());
    s->set(zmq::sockopt::sndtimeo, 10000);  // a blocking send fails instead of hanging
    auto send = [&](std::vector<std::string> parts) {
      messaging::Frames frames;
      for (auto& p : parts) frames.emplace_back(p.data(), p.size());
      ASSERT_OK(messaging::SendFrames(*s, frames, /*dont_wait=*/false));
    };
    send({"garbage"});
    send({"rf1.extraction", "\xff\xfe not a protobuf", "third frame"});
    send({"rf1.extraction", "\x0a\xff\xff\xff\xff\x0f"});  // a truncated length-delimited field
    send({"", "rf1.control", "\x08\x01"});
    send({"rf1.ack", oversized});
    send({std::string(1000, '\0')});
  }
  int status = 0;
  ASSERT_EQ(waitpid(run, &status, 0), run);
  const std::string log = ReadFileOrDie(dir_ / "run.log");
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 0) << log;
  EXPECT_EQ(log.find("restarting"), std::string::npos) << "a service died:\n" << log;
  for (const auto& d : Query("docs", data)) EXPECT_EQ(d["status"], "complete") << d.dump();
  // The garbage reached the services and was dropped, not silently lost.
  const std::string ingest_log = ReadFileOrDie(std::filesystem::path(data) / "logs/ingest.log");
  const std::string aggregate_log = ReadFileOrDie(std::filesystem::path(data) / "logs/aggregate.log");
  EXPECT_NE(ingest_log.find("malformed"), std::string::npos) << ingest_log;
  EXPECT_NE(aggregate_log.find("malformed"), std::string::npos) << aggregate_log;
}

}  // namespace
}  // namespace reportflow::testing
