// Backpressure: with the aggregate service paused (SIGSTOP) during a large
// batch, work piles up nowhere. Extract workers block on their full output
// queue and stop asking for work, ingest stops dispatching at
// limits.max_in_flight, and the memory of every process stays bounded; after
// SIGCONT the batch completes with every document.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/integration/pipeline_fixture.h"
#include "tests/testing/processes.h"

namespace reportflow::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kReports = 4000;
constexpr int kMaxInFlight = 64;
constexpr long kRssLimitKb = 250 * 1024;  // per process

// Resident memory of `pid` in kB (VmRSS), 0 if it is gone.
long RssKb(pid_t pid) {
  std::istringstream in(ReadProcFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

class BackpressureTest : public PipelineFixture {
 protected:
  // Ingest's processed and in-flight counts from its /metrics endpoint.
  bool IngestCounts(const std::string& data, long* processed, long* in_flight) const {
    std::ifstream addr(fs::path(data) / "run/ingest.http");  // key=value lines, one is url=
    std::string url;
    for (std::string line; std::getline(addr, line);) {
      if (line.rfind("url=", 0) == 0) url = line.substr(4);
    }
    if (url.empty()) return false;
    std::string out;
    if (RunCommand(Reportflow() + " status --connect " + url + " --format jsonl --interval 0 2>/dev/null", &out) != 0) {
      return false;
    }
    const auto lines = Lines(out);
    if (lines.empty()) return false;
    const json r = json::parse(lines.front());
    if (!r["processed"].is_number() || !r["in_flight"].is_number()) return false;
    *processed = r["processed"];
    *in_flight = r["in_flight"];
    return true;
  }
};

TEST_F(BackpressureTest, PausedAggregateStallsIngestWithBoundedMemory) {
  const std::string corpus = (dir_ / "corpus").string();
  const std::string data = (dir_ / "data").string();
  std::string out;
  ASSERT_EQ(Cli("gen-corpus --reports " + std::to_string(kReports) + " --seed 9 --out " + corpus, &out), 0) << out;
  const pid_t run = fork();
  if (run == 0) {
    const std::string cmd = "exec " + Reportflow() + " run " + corpus + "/reports --data " + data +
                            " --set limits.max_in_flight=" + std::to_string(kMaxInFlight) +
                            " --quiet --timeout 600 > " + data + ".log 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Pause aggregate once the batch is under way.
  long processed = 0, in_flight = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (!IngestCounts(data, &processed, &in_flight) || processed < 100) {
    ASSERT_LT(Clock::now(), deadline) << "the batch did not start";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll interval
  }
  std::map<std::string, pid_t> services;  // by command name (15 characters: reportflow-aggr)
  for (pid_t pid : ChildrenNamed(run, "reportflow-")) services[CommandNameOf(pid)] = pid;
  ASSERT_EQ(services.size(), 4u);
  const pid_t aggregate = services.at("reportflow-aggr");
  ASSERT_EQ(kill(aggregate, SIGSTOP), 0);
  const long processed_at_pause = processed;

  // Wait until ingest stalls: nothing completes for 2 s in a row.
  long last = -1;
  auto unchanged_since = Clock::now();
  while (true) {
    ASSERT_LT(Clock::now(), deadline + std::chrono::seconds(60)) << "ingest kept completing documents";
    ASSERT_TRUE(IngestCounts(data, &processed, &in_flight));
    if (processed != last) {
      last = processed;
      unchanged_since = Clock::now();
    } else if (Clock::now() - unchanged_since >= std::chrono::seconds(2)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // poll interval
  }
  EXPECT_LT(processed, kReports) << "the batch finished before the pause took effect";
  EXPECT_LE(in_flight, kMaxInFlight) << "ingest kept dispatching past limits.max_in_flight";
  // Stalled: memory is bounded and no longer grows.
  std::map<std::string, long> first;
  services["reportflow"] = run;
  for (const auto& [name, pid] : services) first[name] = RssKb(pid);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the interval of the measurement
  for (const auto& [name, pid] : services) {
    const long now_kb = RssKb(pid);
    EXPECT_GT(now_kb, 0) << name << " is gone";
    EXPECT_LT(now_kb, kRssLimitKb) << name;
    EXPECT_LT(now_kb - first[name], 16 * 1024) << name << " grew while the pipeline was stalled";
  }
  long stalled_processed = 0, stalled_in_flight = 0;
  ASSERT_TRUE(IngestCounts(data, &stalled_processed, &stalled_in_flight));
  EXPECT_EQ(stalled_processed, processed) << "documents completed while aggregate was paused";
  EXPECT_LE(stalled_in_flight, kMaxInFlight);

  ASSERT_EQ(kill(aggregate, SIGCONT), 0);
  int status = 0;
  ASSERT_EQ(waitpid(run, &status, 0), run);
  const std::string log = ReadFileOrDie(data + ".log");
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  const auto docs = Query("docs", data);
  EXPECT_GE(docs.size(), static_cast<size_t>(kReports) * 9 / 10);  // some reports are packed in archives
  for (const auto& d : docs) EXPECT_EQ(d["status"], "complete") << d.dump();
  std::cout << "paused at " << processed_at_pause << " complete; stalled at " << processed << " with " << in_flight
            << " in flight\n";
}

}  // namespace
}  // namespace reportflow::testing
