// Durability (issue 19, item 4): a slow or hostile decoder cannot stall ingest.
// A small PDF whose one page holds ~100k text operators keeps poppler busy
// for minutes; ingest decodes PDF/.docx/HTML in a child process under a CPU,
// memory and wall-time budget (services/ingest/decode_sandbox.h), so the file
// is rejected with a reason, the batch goes on, and a stop during the decode
// is clean and leaves no process behind.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/integration/pipeline_fixture.h"
#include "tests/testing/processes.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;

class DecodeBudgetTest : public PipelineFixture {
 protected:
  // The decode children of this test: their command line names the input folder.
  std::set<pid_t> Decoders() const { return ProcessesMentioning(std::string("--decode-child") + '\0' + In().string()); }
  fs::path In() const { return dir_ / "in"; }
  // Samples plus the hostile PDF in one input folder.
  void WriteInputs() const {
    fs::create_directories(In());
    for (const auto& e : fs::directory_iterator(Samples())) fs::copy_file(e.path(), In() / e.path().filename());
    std::ofstream(In() / "hostile.pdf", std::ios::binary) << HostilePdf(100000);
  }
  int SampleCount() const {
    int n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(Samples())) ++n;
    return n;
  }
};

TEST_F(DecodeBudgetTest, TheHostilePdfIsSmall) {
  const std::string pdf = HostilePdf(100000);
  EXPECT_LT(pdf.size(), 24u * 1024) << "the attack of issue 19 is a PDF of 24 KB";
}

TEST_F(DecodeBudgetTest, AHostilePdfIsRejectedWithinItsBudgetAndTheBatchGoesOn) {
  WriteInputs();
  const std::string data = (dir_ / "data").string();
  std::string out;
  const int rc = Cli("run " + In().string() + " --data " + data + " --quiet --timeout 300"
                     " --set limits.decode_timeout_ms=100", &out);
  EXPECT_EQ(rc, 3) << "a rejected input exits 3\n" << out;
  EXPECT_NE(out.find(" complete in "), std::string::npos) << out;
  EXPECT_NE(out.find("hostile.pdf: PDF parse exceeded 0.1 s"), std::string::npos) << out;
  EXPECT_EQ(CompleteDocuments(data), SampleCount()) << out;
  EXPECT_TRUE(WaitFor([&] { return Decoders().empty(); })) << "a decode child outlived its batch";
}

TEST_F(DecodeBudgetTest, SigtermDuringALongDecodeStopsRunCleanly) {
  WriteInputs();
  const std::string data = (dir_ / "data").string();
  const fs::path out_file = dir_ / "out.txt";
  const pid_t run = Spawn(Reportflow() + " run " + In().string() + " --data " + data +
                          " --set limits.decode_timeout_ms=600000 > " + out_file.string() + " 2>&1");
  ASSERT_TRUE(WaitFor([&] { return !Decoders().empty(); })) << ReadFileOrDie(out_file);
  // While poppler works, ingest's loop goes on: the other files complete.
  EXPECT_TRUE(WaitFor([&] { return CompleteDocuments(data) == SampleCount(); })) << ReadFileOrDie(out_file);
  ASSERT_FALSE(Decoders().empty()) << "the hostile PDF decoded too fast to test a stop during its decode";
  ASSERT_EQ(kill(run, SIGTERM), 0);
  EXPECT_EQ(Wait(run), 128 + SIGTERM);
  const std::string out = ReadFileOrDie(out_file);
  EXPECT_NE(out.find("INTERRUPTED"), std::string::npos) << out;
  EXPECT_EQ(out.find("stopped uncleanly"), std::string::npos) << "ingest did not drain and exit 0\n" << out;
  EXPECT_TRUE(WaitFor([&] { return Decoders().empty(); })) << "a decode child outlived run";
  EXPECT_TRUE(WaitFor([&] { return ProcessesMentioning(data + "/pipeline.yaml").empty(); })) << "services outlived run";
}

TEST_F(DecodeBudgetTest, ADecodeDiesWithAKilledIngest) {
  WriteInputs();
  const std::string data = (dir_ / "data").string();
  const pid_t run = Spawn(Reportflow() + " run " + In().string() + " --data " + data +
                          " --quiet --set limits.decode_timeout_ms=600000 >/dev/null 2>&1");
  ASSERT_TRUE(WaitFor([&] { return !Decoders().empty(); }));
  std::set<pid_t> ingest;
  for (pid_t p : ProcessesMentioning(data + "/pipeline.yaml")) {
    const std::string cmdline = ReadProcFile("/proc/" + std::to_string(p) + "/cmdline");
    if (cmdline.find("reportflow-ingest") != std::string::npos) ingest.insert(p);
  }
  ASSERT_EQ(ingest.size(), 1u);
  const std::set<pid_t> decoders = Decoders();
  ASSERT_EQ(kill(*ingest.begin(), SIGKILL), 0);
  // (The restarted ingest may start a new decode of the file: other pids.)
  EXPECT_TRUE(WaitFor([&] {
    const std::set<pid_t> now = Decoders();
    for (pid_t p : decoders) {
      if (now.count(p)) return false;
    }
    return true;
  })) << "a decode child outlived its ingest";
  ASSERT_EQ(kill(run, SIGKILL), 0);
  Wait(run);
  EXPECT_TRUE(WaitFor([&] { return Decoders().empty() && ProcessesMentioning(data + "/pipeline.yaml").empty(); }));
}

TEST_F(DecodeBudgetTest, DecodeBudgetsAreValidatedLikeTheOtherLimits) {
  const std::string data = (dir_ / "data").string();
  const std::pair<std::string, std::string> cases[] = {
      {"--set limits.decode_timeout_ms=0", "limits.decode_timeout_ms is 0; it must be between 100 and 3600000"},
      {"--set limits.decode_memory_mb=0", "limits.decode_memory_mb is 0"},
      {"--set limits.decode_memory_mb=10000000", "limits.decode_memory_mb is 10000000"},
  };
  for (const auto& [flags, message] : cases) {
    std::string out;
    EXPECT_EQ(Cli("run " + Samples() + " --data " + data + " --quiet " + flags, &out), 2) << flags << "\n" << out;
    EXPECT_NE(out.find(message), std::string::npos) << flags << "\n" << out;
  }
}

}  // namespace
}  // namespace reportflow::testing
