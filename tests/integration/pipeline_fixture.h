// PipelineFixture: runs the real `reportflow` binary (which starts the four
// service executables) against a fresh temp data dir, and reads its outputs.
#pragma once

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace reportflow::testing {

// Writes r0.txt .. r<n-1>.txt into `dir`: the sample reports in turn (in
// order of their text), each with a line of its own at the end, so every file
// is a distinct document. The corpus of the kill, store and quarantine tests.
inline void WriteSampleCopies(const std::filesystem::path& dir, int n) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> samples;
  for (const auto& e : std::filesystem::directory_iterator(SourceDir() / "samples/reports")) {
    if (e.path().extension() == ".txt") samples.push_back(ReadFileOrDie(e.path()));
  }
  ASSERT_FALSE(samples.empty());
  std::sort(samples.begin(), samples.end());
  for (int i = 0; i < n; ++i) {
    std::ofstream(dir / ("r" + std::to_string(i) + ".txt"))
        << samples[i % samples.size()] << "\n附注：本报告第" << i << "号副本。\n";
  }
}

class PipelineFixture : public ::testing::Test {
 protected:
  std::string Reportflow() const { return (BinDir() / "reportflow").string(); }
  std::string Samples() const { return (SourceDir() / "samples/reports").string(); }

  // Runs `reportflow <args>`; returns the exit status, stdout in *out.
  int Cli(const std::string& args, std::string* out) const {
    return RunCommand(Reportflow() + " " + args + " 2>&1", out);
  }
  // Runs `reportflow <command> --data <data> --format jsonl` and parses each line.
  std::vector<nlohmann::json> Query(const std::string& command, const std::string& data) const {
    std::string out;
    const int rc = RunCommand(Reportflow() + " " + command + " --data " + data + " --format jsonl", &out);
    EXPECT_EQ(rc, 0) << out;
    std::vector<nlohmann::json> records;
    for (const auto& line : Lines(out)) records.push_back(nlohmann::json::parse(line));
    return records;
  }
  // Starts `command` under /bin/sh, exec'd (the pid is the command's own); returns its pid.
  static pid_t Spawn(const std::string& command) {
    const pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }
  // Waits for `pid`: its exit status, 128 + the signal that ended it, or -1.
  static int Wait(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Documents the ingest ledger of `data` lists as complete (0 while there is none yet).
  int CompleteDocuments(const std::string& data) const {
    std::string out;
    if (RunCommand(Reportflow() + " docs --data " + data + " --format jsonl 2>/dev/null", &out) != 0) return 0;
    int n = 0;
    for (const auto& line : Lines(out)) n += nlohmann::json::parse(line).value("status", "") == "complete";
    return n;
  }

  // Runs a batch and asserts it succeeded.
  void RunBatch(const std::string& paths, const std::string& data) const {
    std::string out;
    const int rc = Cli("run " + paths + " --data " + data + " --quiet --timeout 120", &out);
    ASSERT_EQ(rc, 0) << out;
  }

  TempDir dir_;
};

// A pipeline fixture over one corpus per test suite: `kDocs` copies of the
// samples (WriteSampleCopies), written once in SetUpTestSuite.
template <int kDocs>
class SampleCopiesFixture : public PipelineFixture {
 protected:
  static void SetUpTestSuite() {
    corpus_ = new TempDir();
    WriteSampleCopies(corpus_->path() / "in", kDocs);
  }
  static void TearDownTestSuite() {
    delete corpus_;
    corpus_ = nullptr;
  }
  static std::string Input() { return (corpus_->path() / "in").string(); }

 private:
  static inline TempDir* corpus_ = nullptr;
};

}  // namespace reportflow::testing
