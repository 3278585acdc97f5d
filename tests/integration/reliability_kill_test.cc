// Kill matrix: for each service, SIGKILL it at seeded random moments during a
// batch of 2,000 generated reports (the launcher restarts it), and compare the
// final documents, metrics and aggregates with an uninterrupted run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/pipeline_fixture.h"
#include "tests/testing/processes.h"

namespace reportflow::testing {
namespace {

namespace fs = std::filesystem;
constexpr int kDocs = 2000;

// The first line that differs, for the failure message.
std::string FirstDifference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] != b[i]) return "reference: " + a[i] + "\ngot:       " + b[i];
  }
  return a.size() == b.size() ? "" : "sizes " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
}

std::vector<std::string> Sorted(const std::vector<nlohmann::json>& records) {
  std::vector<std::string> lines;
  for (const auto& r : records) lines.push_back(r.dump());
  std::sort(lines.begin(), lines.end());
  return lines;
}

class KillMatrixTest : public SampleCopiesFixture<kDocs> {
 protected:

  struct Result {
    std::vector<std::string> docs, metrics, aggregates;
  };
  Result Collect(const std::string& data) {
    // attempts and the last error are delivery history (a killed attempt
    // counts), not results: everything else must be identical.
    auto docs = Query("docs", data);
    for (auto& d : docs) {
      d.erase("attempts");
      d.erase("error");
    }
    return {Sorted(docs), Sorted(Query("metrics", data)), Sorted(Query("aggregates", data))};
  }

  // Documents, metrics and aggregates of `got` equal the reference run's.
  static void ExpectSameResults(const Result& ref, const Result& got) {
    EXPECT_EQ(got.docs.size(), ref.docs.size());
    EXPECT_TRUE(got.docs == ref.docs) << "documents differ\n" << FirstDifference(ref.docs, got.docs);
    EXPECT_TRUE(got.metrics == ref.metrics) << "metrics differ\n" << FirstDifference(ref.metrics, got.metrics);
    EXPECT_TRUE(got.aggregates == ref.aggregates) << "aggregates differ\n" << FirstDifference(ref.aggregates, got.aggregates);
  }

  // Runs the batch in the background, SIGKILLing the service whose process
  // name starts with `victim` at seeded random moments; returns run's exit code.
  int RunKilling(const std::string& data, const std::string& victim, unsigned seed, int* kills) {
    const std::string log = data + ".log";
    const pid_t run = fork();
    if (run == 0) {
      const std::string cmd = Reportflow() + " run " + Input() + " --data " + data + " --quiet --timeout 300 > " +
                              log + " 2>&1";
      execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    std::mt19937 rng(seed);
    // The first kill comes soon after the victim starts (the whole batch may
    // take well under a second), the others at wider gaps.
    std::uniform_int_distribution<int> first_ms(50, 400);
    std::uniform_int_distribution<int> gap_ms(300, 1200);
    *kills = 0;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(320);
    std::optional<std::chrono::steady_clock::time_point> next_kill;
    while (std::chrono::steady_clock::now() < deadline) {
      const pid_t r = waitpid(run, &status, WNOHANG);
      if (r == run) {
        std::cerr << ReadFileOrEmpty(log);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (!next_kill && !ChildrenNamed(run, victim).empty()) {
        next_kill = std::chrono::steady_clock::now() + std::chrono::milliseconds(first_ms(rng));
      }
      if (next_kill && *kills < 4 && std::chrono::steady_clock::now() >= *next_kill) {
        for (pid_t p : ChildrenNamed(run, victim)) {
          if (kill(p, SIGKILL) == 0) ++*kills;
        }
        next_kill = std::chrono::steady_clock::now() + std::chrono::milliseconds(gap_ms(rng));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, not synchronisation
    }
    kill(run, SIGKILL);
    waitpid(run, &status, 0);
    ADD_FAILURE() << "run did not finish\n" << ReadFileOrEmpty(log);
    return -1;
  }
};

TEST_F(KillMatrixTest, EachServiceKilledMidBatchGivesTheUninterruptedResult) {
  const std::string ref_data = (dir_ / "ref").string();
  {
    std::string out;
    ASSERT_EQ(Cli("run " + Input() + " --data " + ref_data + " --quiet --timeout 300", &out), 0) << out;
  }
  const Result ref = Collect(ref_data);
  ASSERT_EQ(ref.docs.size(), static_cast<size_t>(kDocs));
  ASSERT_FALSE(ref.metrics.empty());
  // comm is truncated to 15 characters.
  const std::pair<const char*, const char*> victims[] = {{"ingest", "reportflow-inge"},
                                                         {"segment", "reportflow-segm"},
                                                         {"extract", "reportflow-extr"},
                                                         {"aggregate", "reportflow-aggr"}};
  unsigned seed = 20261122;
  for (const auto& [name, comm] : victims) {
    SCOPED_TRACE(name);
    const std::string data = (dir_ / name).string();
    int kills = 0;
    ASSERT_EQ(RunKilling(data, comm, seed++, &kills), 0);
    EXPECT_GT(kills, 0) << "the batch ended before " << name << " could be killed";
    ExpectSameResults(ref, Collect(data));  // SCOPED_TRACE names the victim
  }
  // SIGKILL inside aggregate's group commit: the fault-injection hook ends
  // aggregate right after a group's batch (contributions, rollups, sequence)
  // is committed and before any of its acknowledgements is sent; the group is
  // re-delivered after the lease and replaces its own contributions.
  {
    SCOPED_TRACE("aggregate killed inside its group commit");
    const std::string data = (dir_ / "group-commit").string();
    std::string out;
    ASSERT_EQ(Cli("run " + Input() + " --data " + data +
                      " --quiet --timeout 300 --set limits.lease_ms=5000 --set fault_injection.stage=aggregate"
                      " --set fault_injection.mode=crash --set fault_injection.doc_id_prefix=a",
                  &out),
              0)
        << out;
    EXPECT_NE(out.find("service aggregate exited (status 86); restarting"), std::string::npos) << out;
    const std::string aggregate_log = ReadFileOrEmpty(fs::path(data) / "logs" / "aggregate.log");
    EXPECT_NE(aggregate_log.find("crashing aggregate inside the group commit"), std::string::npos) << aggregate_log;
    ExpectSameResults(ref, Collect(data));
  }
  // Clean stops: SIGTERM to one service (it drains, exits 0 and is restarted),
  // and SIGTERM to `reportflow run` (every service drains and exits 0; run
  // exits 143), then `reportflow run` again resumes.
  // These runs must still be going when the signal arrives: with group commit
  // 2,000 reports can finish within the time it takes to see 200 of them
  // complete, so extraction is slowed by 3 ms per document (a delay, not CPU;
  // results are unchanged) to keep the batch running for several seconds.
  auto start_run = [&](const std::string& data) {
    return Spawn(Reportflow() + " run " + Input() + " --data " + data +
                 " --quiet --timeout 300 --set fault_injection.stage=extract --set fault_injection.mode=delay"
                 " --set fault_injection.delay_ms=3 --set fault_injection.source_substring=/in/r > " +
                 data + ".log 2>&1");
  };
  auto await_complete = [&](const std::string& data, int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
      if (CompleteDocuments(data) >= n) return true;
    }
    return false;
  };
  {
    SCOPED_TRACE("clean stop of extract");
    const std::string data = (dir_ / "term-extract").string();
    const pid_t run = start_run(data);
    ASSERT_TRUE(await_complete(data, 200)) << ReadFileOrEmpty(data + ".log");
    const std::vector<pid_t> extract = ChildrenNamed(run, "reportflow-extr");
    ASSERT_EQ(extract.size(), 1u);
    kill(extract[0], SIGTERM);
    int status = 0;
    waitpid(run, &status, 0);
    const std::string log = ReadFileOrEmpty(data + ".log");
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
    EXPECT_NE(log.find("service extract-0 exited (status 0); restarting"), std::string::npos) << log;
    ExpectSameResults(ref, Collect(data));
  }
  {
    SCOPED_TRACE("clean stop of reportflow run");
    const std::string data = (dir_ / "term-run").string();
    const pid_t run = start_run(data);
    ASSERT_TRUE(await_complete(data, 200)) << ReadFileOrEmpty(data + ".log");
    const std::vector<pid_t> children = ChildrenNamed(run, "reportflow-");
    EXPECT_EQ(children.size(), 4u);
    kill(run, SIGTERM);
    int status = 0;
    waitpid(run, &status, 0);
    const std::string log = ReadFileOrEmpty(data + ".log");
    ASSERT_TRUE(WIFEXITED(status)) << log;
    EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << log;
    EXPECT_NE(log.find("INTERRUPTED"), std::string::npos) << log;
    EXPECT_EQ(log.find("uncleanly"), std::string::npos) << log;
    for (pid_t p : children) EXPECT_NE(kill(p, 0), 0) << "a service outlived reportflow run";
    for (const char* service : {"ingest", "segment-0", "extract-0", "aggregate"}) {
      const std::string service_log = ReadFileOrEmpty(fs::path(data) / "logs" / (std::string(service) + ".log"));
      EXPECT_NE(service_log.find("stopped cleanly"), std::string::npos) << service << ":\n" << service_log;
    }
    std::string out;
    ASSERT_EQ(Cli("run " + Input() + " --data " + data + " --quiet --timeout 300", &out), 0) << out;
    EXPECT_NE(out.find("already complete before this batch"), std::string::npos) << out;
    ExpectSameResults(ref, Collect(data));
  }
  // The whole pipeline: SIGKILL every service and `reportflow run` itself
  // mid-batch, then `reportflow run` again on the same data dir resumes.
  {
    SCOPED_TRACE("whole pipeline");
    const std::string data = (dir_ / "all").string();
    const pid_t run = start_run(data);
    // Wait until some documents are complete (polling the ledger read-only), then kill everything.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    const bool some_done = await_complete(data, 200);
    ASSERT_TRUE(some_done) << ReadFileOrEmpty(data + ".log");
    std::vector<pid_t> children = ChildrenNamed(run, "reportflow-");
    EXPECT_EQ(children.size(), 4u);
    kill(run, SIGKILL);
    for (pid_t p : children) kill(p, SIGKILL);
    int status = 0;
    waitpid(run, &status, 0);
    for (pid_t p : children) {
      while (kill(p, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // reaped by init
      }
    }
    std::string out;
    ASSERT_EQ(Cli("run " + Input() + " --data " + data + " --quiet --timeout 300", &out), 0) << out;
    EXPECT_NE(out.find("already complete before this batch"), std::string::npos) << out;
    ExpectSameResults(ref, Collect(data));
  }
}

}  // namespace
}  // namespace reportflow::testing
