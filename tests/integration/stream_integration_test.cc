// The live aggregate stream through the real executables: `reportflow
// subscribe --snapshot` started while a batch runs converges to exactly what
// `reportflow aggregates` reports once the batch is done (every row compared),
// and a subscriber that falls behind the stream reads it to its end.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {

using nlohmann::json;

class StreamIntegrationTest : public PipelineFixture {};

TEST_F(StreamIntegrationTest, SubscriberJoiningMidBatchWithSnapshotEndsWithTheAggregates) {
  const std::string corpus = (dir_ / "corpus").string();
  const std::string data = (dir_ / "data").string();
  std::string out;
  ASSERT_EQ(Cli("gen-corpus --reports 1500 --seed 11 --out " + corpus, &out), 0) << out;

  // Extraction is paced at 3 ms per document (fault_injection delay; results
  // unchanged) so that on a fast idle machine the batch still lasts seconds and
  // the subscriber below really joins in the middle of it.
  const pid_t run = Spawn(Reportflow() + " run " + corpus + "/reports --data " + data +
                          " --set fault_injection.stage=extract --set fault_injection.mode=delay"
                          " --set fault_injection.delay_ms=3 --set fault_injection.source_substring=/"
                          " --quiet --timeout 300 > " + (dir_ / "run.log").string() + " 2>&1");
  ASSERT_GT(run, 0);
  // Join once the batch is under way (polling a condition, not sleeping a guess).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (CompleteDocuments(data) < 50) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the batch did not start";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string sub_out = (dir_ / "subscribe.jsonl").string();
  const pid_t sub = Spawn("timeout 240 " + Reportflow() + " subscribe --data " + data +
                          " --snapshot --until-closed --format jsonl > " + sub_out + " 2> " +
                          (dir_ / "subscribe.err").string());
  ASSERT_GT(sub, 0);
  EXPECT_EQ(Wait(run), 0) << ReadFileOrDie(dir_ / "run.log");
  // The batch is done, so the services stopped and the aggregate service
  // announced its final sequence: the subscriber exits by itself.
  ASSERT_EQ(Wait(sub), 0) << ReadFileOrDie(dir_ / "subscribe.err");

  uint64_t snapshot_seq = 0, later_events = 0, metric_events = 0;
  bool closed_complete = false;
  std::vector<std::string> state;
  for (const auto& line : Lines(ReadFileOrDie(sub_out))) {
    json r = json::parse(line);
    const std::string kind = r["event"];
    if (kind == "snapshot") snapshot_seq = r["sequence"];
    if ((kind == "metric" || kind == "rollup" || kind == "region") && r["sequence"].get<uint64_t>() > snapshot_seq) {
      ++later_events;
      metric_events += kind == "metric";
    }
    if (kind == "closed") closed_complete = r["complete"];
    if (kind == "state") {
      r.erase("event");
      state.push_back(r.dump());
    }
  }
  EXPECT_GT(snapshot_seq, 0u) << "the subscriber joined before any document was aggregated";
  EXPECT_GT(later_events, 0u) << "the subscriber joined after the batch: nothing came after its snapshot";
  EXPECT_GT(metric_events, 0u);
  EXPECT_TRUE(closed_complete);

  for (const auto& d : Query("docs", data)) EXPECT_EQ(d["status"], "complete") << d.dump();
  std::vector<std::string> expected;
  for (const auto& r : Query("aggregates", data)) expected.push_back(r.dump());
  ASSERT_FALSE(expected.empty());
  std::sort(state.begin(), state.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(state.size(), expected.size());
  EXPECT_EQ(state, expected);
}

// A subscriber slower than the stream (it prints every metric of an unpaced
// batch as JSON, and parses every event) reads it to the closing heartbeat
// and exits by itself. Connected with ZeroMQ's `immediate`, it blocked
// forever in the middle of a message, or aborted on `!_more` in libzmq's
// fq.cpp, in 3 of 4 such runs of 2,000 reports.
TEST_F(StreamIntegrationTest, ASubscriberBehindTheStreamReadsItToTheEnd) {
  const std::string corpus = (dir_ / "corpus").string();
  const std::string data = (dir_ / "data").string();
  std::string out;
  ASSERT_EQ(Cli("gen-corpus --reports 2000 --seed 12 --out " + corpus, &out), 0) << out;
  const pid_t run = Spawn(Reportflow() + " run " + corpus + "/reports --data " + data + " --quiet --timeout 300 > " +
                          (dir_ / "run.log").string() + " 2>&1");
  ASSERT_GT(run, 0);
  // The subscriber reads the endpoints from the run's effective config.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::filesystem::exists(std::filesystem::path(data) / "pipeline.yaml")) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the run wrote no config";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string sub_out = (dir_ / "subscribe.jsonl").string();
  const pid_t sub = Spawn("timeout 120 " + Reportflow() + " subscribe --data " + data +
                          " --topic metric. --until-closed > " + sub_out + " 2> " + (dir_ / "subscribe.err").string());
  ASSERT_GT(sub, 0);
  EXPECT_EQ(Wait(run), 0) << ReadFileOrDie(dir_ / "run.log");
  // 0: it saw the closing heartbeat; 124: it hung (timeout); 134: it aborted.
  ASSERT_EQ(Wait(sub), 0) << ReadFileOrDie(dir_ / "subscribe.err");
  uint64_t metrics = 0;
  bool closed_complete = false;
  for (const auto& line : Lines(ReadFileOrDie(sub_out))) {
    const json r = json::parse(line);
    metrics += r["event"] == "metric";
    if (r["event"] == "closed") closed_complete = r["complete"];
  }
  EXPECT_GT(metrics, 0u);
  EXPECT_TRUE(closed_complete);
}

}  // namespace
}  // namespace reportflow::testing
