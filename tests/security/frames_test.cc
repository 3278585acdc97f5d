// Garbage and oversized frames sent to every socket the services bind, while
// a batch runs: no service crashes or restarts, the batch completes, and the
// services report what they dropped. Then the same over tcp:// with CURVE:
// an allowed (authenticated) peer sends garbage, an unknown key and a
// plaintext client try to; every service stays up and still processes a
// batch afterwards.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "common/config/config_loader.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "common/messaging/zap_handler.h"
#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {

using Clock = std::chrono::steady_clock;

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

class CurveFramesTest : public PipelineFixture {
 protected:
  void TearDown() override {
    for (auto& [name, pid] : pids_) {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
  }

  // A loopback port free right now, below the kernel's ephemeral range
  // (32768+ on Linux): no outgoing connection (whose source port could be the
  // very port, or even connect to itself while the service is not listening
  // yet) and no `:*` bind elsewhere can take it before the service binds it.
  // Probed with a plain socket, bound and closed at once, never listening: a
  // ZeroMQ probe's listener is closed later, by its context's threads, and a
  // client connecting before that met a plaintext peer, failed the CURVE
  // handshake (mechanism mismatch) and, ZeroMQ giving up on a protocol error,
  // never connected to the service (the test's flakiness under load).
  static int FreePort() {
    static int next = 20000 + static_cast<int>(getpid() % 1200) * 10;
    for (int tries = 0; tries < 1000; ++tries) {
      const int port = next;
      next = next + 1 >= 32000 ? 20000 : next + 1;
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) break;
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool free = bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
      close(fd);
      if (free) return port;
    }
    ADD_FAILURE() << "no free loopback port in 20000..31999";
    return 0;
  }

  void Start(const std::string& name, const std::string& service, const std::string& extra = "") {
    pids_[name] = Spawn((BinDir() / ("reportflow-" + service)).string() + " --config " + config_ + " " +
                        extra + " > " + (dir_ / (name + ".log")).string() + " 2>&1");
  }

  // True while the process runs; otherwise says how it ended.
  ::testing::AssertionResult Alive(const std::string& name) {
    int status = 0;
    if (pids_[name] > 0 && waitpid(pids_[name], &status, WNOHANG) == 0) return ::testing::AssertionSuccess();
    pids_[name] = 0;
    return ::testing::AssertionFailure()
           << name << (WIFSIGNALED(status) ? " was killed by signal " + std::to_string(WTERMSIG(status))
                                           : " exited with status " + std::to_string(WEXITSTATUS(status)));
  }

  // Polls the log of `name` for `text` (services log each dropped message).
  bool AwaitLog(const std::string& name, const std::string& text) {
    const auto end = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < end) {
      std::ifstream in(dir_ / (name + ".log"));
      std::stringstream buf;
      buf << in.rdbuf();
      if (buf.str().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // A blocking send's status; when it failed, with every service's log (did
  // the service refuse, deny or never accept the connection?).
  ::testing::AssertionResult Delivered(const Status& sent) const {
    if (sent.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << sent.ToString() << "\n" << Logs();
  }

  // Every service's log, for failure messages.
  std::string Logs() const {
    std::string all;
    for (const auto& [name, pid] : pids_) all += "--- " + name + ".log\n" + ReadFileOrDie(dir_ / (name + ".log"));
    return all;
  }

  std::string config_;
  std::map<std::string, pid_t> pids_;
};

TEST_F(CurveFramesTest, RealServicesOverCurveSurviveHostilePeersAndStillProcessABatch) {
  std::string out;
  const std::string keys = (dir_ / "keys").string();
  for (const char* name : {"server", "worker", "fuzzer", "stranger"}) {
    ASSERT_EQ(Cli("keygen --out " + keys + " --name " + name, &out), 0) << out;
  }
  std::filesystem::create_directories(dir_ / "clients");
  for (const char* name : {"server", "worker", "fuzzer"}) {  // not "stranger"
    std::filesystem::copy_file(dir_ / "keys" / (std::string(name) + ".pub"), dir_ / "clients" / (std::string(name) + ".pub"));
  }
  zmq::context_t ctx;
  std::map<std::string, std::string> endpoints;
  for (const char* name : {"ingest_control", "segment_work", "extract_work", "ingest_acks", "aggregate_input",
                           "aggregate_publish", "aggregate_snapshot"}) {
    endpoints[name] = "tcp://127.0.0.1:" + std::to_string(FreePort());
  }
  const std::string data = (dir_ / "data").string();
  config_ = (dir_ / "pipeline.yaml").string();
  {
    std::ofstream cfg(config_);
    cfg << "data_dir: " << data << "\nendpoints:\n";
    for (const auto& [name, ep] : endpoints) cfg << "  " << name << ": " << ep << "\n";
    cfg << "limits:\n  max_message_bytes: 1048576\n  max_file_bytes: 262144\n  lease_ms: 3000\n"
        << "security:\n  mode: curve\n  key_file: " << keys << "/server.key\n  server_public_key_file: " << keys
        << "/server.pub\n  allowed_clients_dir: " << (dir_ / "clients").string() << "\n";
  }
  const std::string worker_key = "--set security.key_file=" + keys + "/worker.key";
  Start("ingest", "ingest");
  Start("aggregate", "aggregate");
  Start("segment", "segment", worker_key);
  Start("extract", "extract", worker_key);

  config::v1::Limits limits;
  limits.set_linger_ms(2000);
  limits.set_send_hwm(1000);
  limits.set_recv_hwm(1000);
  auto security = [&](const std::string& mode, const std::string& key) {
    config::v1::Security s;
    s.set_mode(mode);
    if (mode == "curve") {
      s.set_key_file(keys + "/" + key + ".key");
      s.set_server_public_key_file(keys + "/server.pub");
    }
    return s;
  };
  struct Target {
    std::string service, endpoint;
    zmq::socket_type type;  // the peer type a client of that socket would use
  };
  const std::vector<Target> targets = {{"ingest", endpoints["ingest_control"], zmq::socket_type::dealer},
                                       {"ingest", endpoints["segment_work"], zmq::socket_type::dealer},
                                       {"ingest", endpoints["extract_work"], zmq::socket_type::dealer},
                                       {"ingest", endpoints["ingest_acks"], zmq::socket_type::push},
                                       {"aggregate", endpoints["aggregate_input"], zmq::socket_type::push},
                                       {"aggregate", endpoints["aggregate_snapshot"], zmq::socket_type::dealer}};
  const std::string oversized(2 << 20, 'x');  // twice limits.max_message_bytes
  std::vector<zmq::socket_t> keep;             // closed at the end: the services see the peers go only then
  for (const auto& t : targets) {
    SCOPED_TRACE(t.endpoint);
    // An authenticated peer sending garbage (an allowed key gone bad), blocking
    // until the connection is up; then intruders that must not get through.
    auto s = messaging::SocketFactory(&ctx, limits, security("curve", "fuzzer")).Connect(t.type, t.endpoint);
    ASSERT_OK(s.status());
    s->set(zmq::sockopt::sndtimeo, 20000);  // a blocking send fails instead of hanging
    auto send = [&](zmq::socket_t& sock, std::vector<std::string> parts, bool dont_wait) {
      messaging::Frames frames;
      for (auto& p : parts) frames.emplace_back(p.data(), p.size());
      return messaging::SendFrames(sock, frames, dont_wait);
    };
    ASSERT_TRUE(Delivered(send(*s, {"garbage"}, false)));
    ASSERT_TRUE(Delivered(send(*s, {"rf1.extraction", "\xff\xfe not a protobuf", "third frame"}, false)));
    ASSERT_TRUE(Delivered(send(*s, {"rf1.extraction", "\x0a\xff\xff\xff\xff\x0f"}, false)));
    ASSERT_TRUE(Delivered(send(*s, {"", "rf1.control", "\x08\x01"}, false)));
    ASSERT_TRUE(Delivered(send(*s, {std::string(1000, '\0')}, false)));
    keep.push_back(std::move(*s));
    // Oversized: the service drops the connection (ZMQ_MAXMSGSIZE); a fresh one each time.
    auto big = messaging::SocketFactory(&ctx, limits, security("curve", "fuzzer")).Connect(t.type, t.endpoint);
    ASSERT_OK(big.status());
    big->set(zmq::sockopt::sndtimeo, 20000);
    ASSERT_TRUE(Delivered(send(*big, {"rf1.ack", oversized}, false)));
    keep.push_back(std::move(*big));
    // An unknown key and a plaintext client: ZMQ_IMMEDIATE never completes a
    // connection for them, so their sends find no peer.
    for (const auto& [mode, key] : {std::pair<std::string, std::string>{"curve", "stranger"}, {"plaintext", ""}}) {
      auto intruder = messaging::SocketFactory(&ctx, limits, security(mode, key)).Connect(t.type, t.endpoint);
      ASSERT_OK(intruder.status());
      EXPECT_FALSE(send(*intruder, {"rf1.ack", "forged"}, true).ok()) << mode << " client got a connection";
      keep.push_back(std::move(*intruder));
    }
  }
  // What arrived was dropped and logged; the stranger was denied and logged.
  EXPECT_TRUE(AwaitLog("ingest", "malformed")) << ReadFileOrDie(dir_ / "ingest.log");
  EXPECT_TRUE(AwaitLog("aggregate", "malformed")) << ReadFileOrDie(dir_ / "aggregate.log");
  EXPECT_TRUE(AwaitLog("ingest", "denied CURVE connection")) << ReadFileOrDie(dir_ / "ingest.log");
  EXPECT_TRUE(AwaitLog("aggregate", "denied CURVE connection")) << ReadFileOrDie(dir_ / "aggregate.log");
  for (const char* name : {"ingest", "aggregate", "segment", "extract"}) {
    EXPECT_TRUE(Alive(name)) << ReadFileOrDie(dir_ / (std::string(name) + ".log"));
  }
  keep.clear();

  // The services still process a batch, submitted over CURVE.
  const std::string corpus = (dir_ / "corpus").string();
  ASSERT_EQ(Cli("gen-corpus --reports 40 --seed 9 --out " + corpus, &out), 0) << out;
  ASSERT_EQ(Cli("run --attach " + corpus + "/reports --config " + config_ + " --data " + data +
                    " --quiet --timeout 120",
                &out),
            0)
      << out << Logs();
  const auto docs = Query("docs", data);
  EXPECT_EQ(docs.size(), 40u);
  for (const auto& d : docs) EXPECT_EQ(d["status"], "complete") << d.dump();
  for (auto& [name, pid] : pids_) {
    ASSERT_TRUE(Alive(name)) << Logs();
    kill(pid, SIGTERM);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << name << " did not stop cleanly";
    pid = 0;
  }
}

}  // namespace
}  // namespace reportflow::testing
