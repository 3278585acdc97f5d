// Several hosts on one machine: network namespaces joined by veth pairs.
//   host A (ingest + aggregate, binds tcp://0.0.0.0:*), host B (segment
//   worker), host C (two extract workers), every hop CURVE-encrypted with an
//   allow-list. The batch is submitted with `reportflow run --attach` from A.
// The results (documents, metrics, aggregates) must equal a single-host run
// of the same corpus; and again when one extract worker is SIGKILLed
// mid-batch, holding documents (extraction is slowed so that it does).
// Needs root and iproute2 (`ip netns`); skipped with a message otherwise.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Ports the services bind inside host A's own network stack (no clash with the machine's).
constexpr int kControl = 5550, kSegmentWork = 5551, kExtractWork = 5552, kAcks = 5553;
constexpr int kInput = 5560, kPublish = 5561, kSnapshot = 5562;

int Sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

std::string Endpoints(const std::string& ingest_host, const std::string& aggregate_host) {
  auto ep = [](const std::string& host, int port) { return "tcp://" + host + ":" + std::to_string(port); };
  return "endpoints:\n  ingest_control: " + ep(ingest_host, kControl) + "\n  segment_work: " +
         ep(ingest_host, kSegmentWork) + "\n  extract_work: " + ep(ingest_host, kExtractWork) +
         "\n  ingest_acks: " + ep(ingest_host, kAcks) + "\n  aggregate_input: " + ep(aggregate_host, kInput) +
         "\n  aggregate_publish: " + ep(aggregate_host, kPublish) + "\n  aggregate_snapshot: " +
         ep(aggregate_host, kSnapshot) + "\n";
}

class NetnsTest : public PipelineFixture {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces (ip netns); skipped";
    if (Sh("ip netns list") != 0) GTEST_SKIP() << "iproute2 `ip netns` is not available; skipped";
    const std::string tag = "rf" + std::to_string(getpid() % 100000);
    a_ = tag + "a";
    b_ = tag + "b";
    c_ = tag + "c";
    for (const auto& ns : {a_, b_, c_}) {
      if (Sh("ip netns add " + ns) != 0) {
        if (namespaces_.empty()) GTEST_SKIP() << "cannot create network namespaces here (a container without "
                                                  "CAP_SYS_ADMIN?); skipped";
        FAIL() << "ip netns add " << ns << " failed after the first namespace was created";
      }
      namespaces_.push_back(ns);
      ASSERT_EQ(Sh("ip -n " + ns + " link set lo up"), 0);
    }
    // A <-> B on 10.77.1.0/24 and A <-> C on 10.77.2.0/24.
    Link(tag + "ab", a_, "10.77.1.1", tag + "ba", b_, "10.77.1.2");
    Link(tag + "ac", a_, "10.77.2.1", tag + "ca", c_, "10.77.2.2");
  }

  void Link(const std::string& if_a, const std::string& ns_a, const std::string& ip_a, const std::string& if_b,
            const std::string& ns_b, const std::string& ip_b) {
    ASSERT_EQ(Sh("ip link add " + if_a + " type veth peer name " + if_b), 0);
    ASSERT_EQ(Sh("ip link set " + if_a + " netns " + ns_a), 0);
    ASSERT_EQ(Sh("ip link set " + if_b + " netns " + ns_b), 0);
    ASSERT_EQ(Sh("ip -n " + ns_a + " addr add " + ip_a + "/24 dev " + if_a), 0);
    ASSERT_EQ(Sh("ip -n " + ns_b + " addr add " + ip_b + "/24 dev " + if_b), 0);
    ASSERT_EQ(Sh("ip -n " + ns_a + " link set " + if_a + " up"), 0);
    ASSERT_EQ(Sh("ip -n " + ns_b + " link set " + if_b + " up"), 0);
  }

  void TearDown() override {
    for (auto& [name, pid] : pids_) {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
    for (const auto& ns : namespaces_) Sh("ip netns del " + ns);  // also removes the veth pairs
  }

  // Starts `service` inside namespace `ns` with `config` and extra arguments.
  void Start(const std::string& name, const std::string& ns, const std::string& service, const std::string& config,
             const std::string& extra = "") {
    const std::string log = (dir_ / ("proc-" + name + ".log")).string();
    pids_[name] = Spawn("ip netns exec " + ns + " " + (BinDir() / ("reportflow-" + service)).string() + " --config " +
                        config + " " + extra + " > " + log + " 2>&1");
  }

  // Writes a host's config: connect sides for the given hosts, CURVE with `key`.
  std::string WriteConfig(const std::string& name, const std::string& data, const std::string& ingest_host,
                          const std::string& aggregate_host, const std::string& key) {
    const std::string path = (dir_ / (name + ".yaml")).string();
    std::ofstream(path) << "data_dir: " << data << "\n"
                        << Endpoints(ingest_host, aggregate_host) << "limits:\n  lease_ms: 3000\n"
                        << "security:\n  mode: curve\n  key_file: " << (dir_ / "keys" / (key + ".key")).string()
                        << "\n  server_public_key_file: " << (dir_ / "keys/server.pub").string()
                        << "\n  allowed_clients_dir: " << (dir_ / "keys/clients").string()
                        << "\naggregate:\n  http_listen: \"off\"\ningest:\n  http_listen: \"off\"\n"
                        << "segment:\n  http_listen: \"off\"\nextract:\n  http_listen: \"off\"\n";
    return path;
  }

  // docs (without attempts and error history), metrics and aggregates, one string each.
  std::vector<std::string> Results(const std::string& data) const {
    std::vector<std::string> out;
    for (const char* what : {"docs", "metrics", "aggregates"}) {
      std::vector<std::string> rows;
      for (auto r : Query(what, data)) {
        r.erase("attempts");
        r.erase("error");
        rows.push_back(r.dump());
      }
      std::sort(rows.begin(), rows.end());
      std::string joined;
      for (const auto& row : rows) joined += row + "\n";
      out.push_back(joined);
    }
    return out;
  }

  // Runs a 1,500-report batch across the three hosts; with `kill_worker`,
  // SIGKILLs extract-1 mid-batch. Then compares with a single-host run.
  void RunAcrossHosts(bool kill_worker) {
    const std::string corpus = (dir_ / "corpus").string();
    std::string out;
    ASSERT_EQ(Cli("gen-corpus --reports 1500 --seed 21 --out " + corpus, &out), 0) << out;
    // Reference: everything on one host over ipc://.
    const std::string reference = (dir_ / "reference").string();
    RunBatch(corpus + "/reports", reference);

    // Keys: the stable services (server), the workers, and the allow-list of A.
    for (const char* name : {"server", "worker"}) {
      ASSERT_EQ(Cli(std::string("keygen --out ") + (dir_ / "keys").string() + " --name " + name, &out), 0) << out;
    }
    std::filesystem::create_directories(dir_ / "keys/clients");
    std::filesystem::copy_file(dir_ / "keys/worker.pub", dir_ / "keys/clients/worker.pub");
    std::filesystem::copy_file(dir_ / "keys/server.pub", dir_ / "keys/clients/server.pub");  // aggregate -> ingest, the CLI

    const std::string data_a = (dir_ / "host-a").string();
    const std::string cfg_a = WriteConfig("host-a", data_a, "127.0.0.1", "127.0.0.1", "server");
    const std::string cfg_b = WriteConfig("host-b", (dir_ / "host-b").string(), "10.77.1.1", "10.77.1.1", "worker");
    const std::string cfg_c = WriteConfig("host-c", (dir_ / "host-c").string(), "10.77.2.1", "10.77.2.1", "worker");
    auto bind = [](const char* key, int port) {
      return std::string("--set endpoints.") + key + "=tcp://0.0.0.0:" + std::to_string(port) + " ";
    };
    Start("ingest", a_, "ingest", cfg_a,
          bind("ingest_control", kControl) + bind("segment_work", kSegmentWork) + bind("extract_work", kExtractWork) +
              bind("ingest_acks", kAcks));
    Start("aggregate", a_, "aggregate", cfg_a,
          bind("aggregate_input", kInput) + bind("aggregate_publish", kPublish) + bind("aggregate_snapshot", kSnapshot));
    Start("segment-0", b_, "segment", cfg_b, "--set segment.worker_id=segment-0");
    // With a kill, extraction takes 20 ms per document (fault_injection delay; the
    // results are unchanged): extraction is then the bottleneck, so documents wait
    // for extract workers and the killed worker always holds some in flight.
    const std::string slow = kill_worker ? " --set fault_injection.stage=extract --set fault_injection.mode=delay "
                                           "--set fault_injection.delay_ms=20 --set fault_injection.source_substring=/reports/"
                                         : "";
    Start("extract-0", c_, "extract", cfg_c,
          "--set extract.worker_id=extract-0 --set extract.store_path=extract-0" + slow);
    Start("extract-1", c_, "extract", cfg_c,
          "--set extract.worker_id=extract-1 --set extract.store_path=extract-1" + slow);

    const pid_t run = Spawn("ip netns exec " + a_ + " " + Reportflow() + " run --attach " + corpus + "/reports --config " +
                            cfg_a + " --data " + data_a + " --quiet --timeout 240 > " + (dir_ / "run.log").string() +
                            " 2>&1");
    ASSERT_GT(run, 0);
    int done_at_kill = 0;
    if (kill_worker) {
      // Kill one extract worker once the batch is well under way.
      const auto deadline = Clock::now() + std::chrono::seconds(120);
      while (CompleteDocuments(data_a) < 150) {
        ASSERT_LT(Clock::now(), deadline) << "the batch did not progress: " << ReadFileOrDie(dir_ / "run.log");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      done_at_kill = CompleteDocuments(data_a);
      ASSERT_EQ(kill(pids_["extract-1"], SIGKILL), 0);
      waitpid(pids_["extract-1"], nullptr, 0);
      pids_["extract-1"] = 0;
    }

    int status = 0;
    ASSERT_EQ(waitpid(run, &status, 0), run);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFileOrDie(dir_ / "run.log");
    if (kill_worker) {
      EXPECT_LT(done_at_kill, 1500) << "the worker was killed after the batch had finished";
    }
    // Stop the services cleanly, then compare.
    for (auto& [name, pid] : pids_) {
      if (pid > 0) kill(pid, SIGTERM);
    }
    for (auto& [name, pid] : pids_) {
      if (pid <= 0) continue;
      int st = 0;
      waitpid(pid, &st, 0);
      EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << name << " did not stop cleanly";
      pid = 0;
    }
    const auto expected = Results(reference);
    const auto actual = Results(data_a);
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_FALSE(expected[i].empty());
      EXPECT_TRUE(actual[i] == expected[i]) << (i == 0 ? "docs" : i == 1 ? "metrics" : "aggregates")
                                            << " differ from the single-host run";
    }
    // The workers really worked over the network; what the kill left in flight was re-dispatched.
    for (const char* name : {"segment-0", "extract-0"}) {
      const std::string log = ReadFileOrDie(dir_ / (std::string("proc-") + name + ".log"));
      EXPECT_NE(log.find("stopping"), std::string::npos) << log;
      EXPECT_EQ(log.find(" 0 processed"), std::string::npos) << log;
      if (log.find("stopping") != std::string::npos) std::cout << name << ": " << log.substr(log.find("stopping"));
    }
    const std::string ingest_log = ReadFileOrDie(dir_ / "proc-ingest.log");
    if (kill_worker) {
      EXPECT_NE(ingest_log.find("re-dispatching"), std::string::npos)
          << "the killed worker held no documents: the kill did not test recovery";
    }
  }

  std::string a_, b_, c_;
  std::vector<std::string> namespaces_;
  std::map<std::string, pid_t> pids_;
};

TEST_F(NetnsTest, WorkersOnOtherHostsOverCurveGiveTheSingleHostResult) { RunAcrossHosts(/*kill_worker=*/false); }

TEST_F(NetnsTest, AnExtractWorkerKilledMidBatchStillGivesTheSingleHostResult) {
  RunAcrossHosts(/*kill_worker=*/true);
}

}  // namespace
}  // namespace reportflow::testing
