// `reportflow`'s exit codes and error messages (docs/operators.md, "Exit
// codes"), run as an operator would: the real binaries on the samples.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "cli/exit_codes.h"
#include "tests/integration/pipeline_fixture.h"

namespace reportflow::cli {
namespace {

namespace fs = std::filesystem;
using testing::BinDir;
using testing::RunCommand;

class ExitCodeTest : public testing::PipelineFixture {
 protected:
  // A folder with the samples and one file no format reader accepts.
  std::string SamplesWithJunk() {
    const fs::path in = dir_ / "in";
    fs::create_directories(in);
    for (const auto& e : fs::directory_iterator(Samples())) fs::copy_file(e.path(), in / e.path().filename());
    std::ofstream(in / "photo.jpg", std::ios::binary) << std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11)
                                                      << std::string(200, '\x00');
    return in.string();
  }
};

TEST_F(ExitCodeTest, UsageErrorsExitTwoAndSuggestTheNearCommand) {
  std::string out;
  EXPECT_EQ(Cli("stauts --data x", &out), kExitUsage);
  EXPECT_NE(out.find("unknown command 'stauts'; did you mean 'status'?"), std::string::npos) << out;
  EXPECT_EQ(Cli("", &out), kExitUsage);  // no command at all
  EXPECT_EQ(Cli("run --data " + (dir_ / "d").string(), &out), kExitUsage);  // PATH missing
  EXPECT_NE(out.find("paths is required"), std::string::npos) << out;
  EXPECT_EQ(Cli("docs --data x --no-such-flag", &out), kExitUsage);
  EXPECT_NE(out.find("--help"), std::string::npos) << out;
  EXPECT_EQ(Cli("aggregates --data x --by galaxy", &out), kExitUsage);
  EXPECT_EQ(Cli("docs --data " + (dir_ / "none").string(), &out), kExitUsage);
  EXPECT_NE(out.find("no data directory"), std::string::npos) << out;
  EXPECT_EQ(Cli("--help", &out), kExitOk);
}

TEST_F(ExitCodeTest, EveryBinaryPrintsItsVersionRevisionAndLibraries) {
  for (const std::string bin : {"reportflow", "reportflow-ingest", "reportflow-segment", "reportflow-extract",
                                "reportflow-aggregate"}) {
    std::string out;
    ASSERT_EQ(RunCommand((BinDir() / bin).string() + " --version 2>&1", &out), 0) << bin << ": " << out;
    EXPECT_EQ(out.rfind(bin + " ", 0), 0u) << out;
    for (const char* part : {"(git ", "zeromq ", "protobuf ", "rocksdb ", "icu ", "spdlog ", "cpp-httplib "}) {
      EXPECT_NE(out.find(part), std::string::npos) << bin << " lacks " << part << ": " << out;
    }
  }
  std::string out;
  RunCommand(Reportflow() + " --version", &out);
  EXPECT_NE(out.find("sqlite "), std::string::npos) << out;
  EXPECT_EQ(RunCommand((BinDir() / "reportflow-segment").string() + " --bogus 2>&1", &out), kExitUsage) << out;
}

TEST_F(ExitCodeTest, NothingToDoIsFive) {
  std::string out;
  EXPECT_EQ(Cli("run /no/such/path --data " + (dir_ / "d1").string() + " --quiet", &out), kExitNothingToDo);
  EXPECT_NE(out.find("/no/such/path: no such file or folder"), std::string::npos) << out;
  fs::create_directories(dir_ / "empty");
  EXPECT_EQ(Cli("run " + (dir_ / "empty").string() + " --data " + (dir_ / "d2").string() + " --quiet --timeout 120",
                &out),
            kExitNothingToDo);
  EXPECT_NE(out.find("nothing to do"), std::string::npos) << out;
}

TEST_F(ExitCodeTest, RejectedInputsAreThreeUnlessAllowed) {
  const std::string in = SamplesWithJunk();
  std::string out;
  EXPECT_EQ(Cli("run " + in + " --data " + (dir_ / "d1").string() + " --quiet --timeout 120", &out), kExitRejected);
  EXPECT_NE(out.find("photo.jpg"), std::string::npos) << out;
  EXPECT_NE(out.find("exit 3: 1 input rejected"), std::string::npos) << out;
  EXPECT_EQ(Cli("run " + in + " --data " + (dir_ / "d2").string() + " --quiet --timeout 120 --allow-rejects", &out),
            kExitOk)
      << out;
}

TEST_F(ExitCodeTest, QuarantinedDocumentsAreFour) {
  std::string out;
  EXPECT_EQ(Cli("run " + Samples() + " --data " + (dir_ / "d").string() +
                    " --quiet --timeout 120 --set fault_injection.stage=segment --set fault_injection.mode=error"
                    " --set fault_injection.source_substring=002_ --set limits.max_attempts=1 --allow-rejects",
                &out),
            kExitQuarantined);
  EXPECT_NE(out.find("exit 4: 1 document quarantined"), std::string::npos) << out;
}

TEST_F(ExitCodeTest, AttachWithNothingListeningFailsWithinItsTimeout) {
  std::string out;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Cli("run --attach " + Samples() + " --data " + (dir_ / "d").string() + " --quiet --connect-timeout 2",
                &out),
            kExitFailure);
  EXPECT_NE(out.find("no ingest service answered at ipc://"), std::string::npos) << out;
  EXPECT_NE(out.find("within 2 s"), std::string::npos) << out;
  // Bounded, not timed: a hang would be stopped by the test's own timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST_F(ExitCodeTest, CtrlCWhileAttachingStopsCleanly) {
  // Waits on the first line `run` prints (the batch id), then interrupts it.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const std::string cmd = Reportflow() + " run --attach " + Samples() + " --data " + (dir_ / "d").string() +
                          " --connect-timeout 600";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  FILE* in = fdopen(pipe_fds[0], "r");
  std::string output;
  char line[4096];
  while (fgets(line, sizeof(line), in) != nullptr) {
    output += line;
    if (output.find("reportflow: batch ") != std::string::npos) break;
  }
  ASSERT_NE(output.find("reportflow: batch "), std::string::npos) << output;
  kill(pid, SIGINT);
  while (fgets(line, sizeof(line), in) != nullptr) output += line;
  fclose(in);
  EXPECT_EQ(Wait(pid), 130) << output;
  EXPECT_EQ(output.find("terminate called"), std::string::npos) << output;
  EXPECT_NE(output.find("INTERRUPTED"), std::string::npos) << output;
}

TEST_F(ExitCodeTest, QueryFiltersThatNameNothingAreErrorsWithNearMatches) {
  const std::string data = (dir_ / "d").string();
  RunBatch(Samples(), data);
  std::string out;
  EXPECT_EQ(Cli("aggregates --data " + data + " --metric typo.metric", &out), kExitUsage);
  EXPECT_NE(out.find("no metric id starting with 'typo.metric'"), std::string::npos) << out;
  EXPECT_EQ(Cli("metrics --data " + data + " --metric mediaton.", &out), kExitUsage);
  EXPECT_NE(out.find("did you mean 'mediation.'"), std::string::npos) << out;
  EXPECT_EQ(Cli("docs --data " + data + " --year 1999", &out), kExitUsage);
  EXPECT_NE(out.find("no document reports on year 1999"), std::string::npos) << out;
  // Every region of the data is found by its name in traditional characters, and by its code.
  const auto rollups = Query("aggregates", data);
  ASSERT_FALSE(rollups.empty());
  const nlohmann::json& r = rollups.front();
  EXPECT_EQ(Cli("aggregates --data " + data + " --region 花台鄉 --format jsonl", &out), kExitOk) << out;
  EXPECT_NE(out.find("\"花台乡\""), std::string::npos) << out;
  EXPECT_EQ(Cli("aggregates --data " + data + " --region 花合乡", &out), kExitUsage) << out;
  EXPECT_NE(out.find("did you mean '花台乡'"), std::string::npos) << out;
  if (!r["region_code"].is_null()) {
    EXPECT_EQ(Cli("aggregates --data " + data + " --region " + r["region_code"].get<std::string>(), &out), kExitOk);
  }
}

}  // namespace
}  // namespace reportflow::cli
