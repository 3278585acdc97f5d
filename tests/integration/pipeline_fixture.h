// PipelineFixture: runs the real `reportflow` binary (which starts the four
// service executables) against a fresh temp data dir, and reads its outputs.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace reportflow::testing {

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
  // Runs a batch and asserts it succeeded.
  void RunBatch(const std::string& paths, const std::string& data) const {
    std::string out;
    const int rc = Cli("run " + paths + " --data " + data + " --quiet --timeout 120", &out);
    ASSERT_EQ(rc, 0) << out;
  }

  TempDir dir_;
};

}  // namespace reportflow::testing
