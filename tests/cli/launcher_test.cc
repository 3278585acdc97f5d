// PipelineLauncher with the real service executables: each says when it has
// started (its --ready-fd byte), a service that dies is restarted and says so
// again, and Stop reaps them all as they exit. Every wait ends on an event
// (a readiness byte, a process exit); the limits only catch a hang. What each
// service used is the kernel's accounting of its reaped processes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "cli/pipeline_launcher.h"
#include "common/config/config_loader.h"
#include "tests/testing/test_util.h"

namespace reportflow::cli {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr auto kLimit = std::chrono::seconds(60);

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = (dir_.path() / "data").string();
    ASSERT_TRUE(config::LoadPipelineConfig("", data_, {}, &cfg_).ok());
    fs::create_directories(data_);
    effective_ = (fs::path(data_) / "pipeline.yaml").string();
    std::ofstream(effective_) << config::ToYaml(cfg_);
  }

  std::unique_ptr<PipelineLauncher> Launch() {
    LaunchOptions options;
    options.bin_dir = testing::BinDir().string();
    options.config_path = effective_;
    auto launched = PipelineLauncher::Start(cfg_, options);
    EXPECT_TRUE(launched.ok()) << launched.status().ToString();
    return launched.ok() ? std::move(launched).value() : nullptr;
  }

  // Waits (on events) until `instance` has started, supervising meanwhile.
  static bool AwaitStarted(PipelineLauncher& launcher, const std::string& instance) {
    const auto end = std::chrono::steady_clock::now() + kLimit;
    while (std::chrono::steady_clock::now() < end) {
      if (!launcher.Supervise().ok()) return false;
      if (launcher.AwaitStarted(instance, std::chrono::milliseconds(1000)).ok()) return true;
    }
    return false;
  }

  TempDir dir_;
  std::string data_, effective_;
  config::v1::PipelineConfig cfg_;
};

TEST_F(LauncherTest, EveryServiceSaysItStartedAndStopsCleanly) {
  auto launcher = Launch();
  ASSERT_TRUE(launcher);
  for (const auto& instance : launcher->Instances()) {
    EXPECT_TRUE(AwaitStarted(*launcher, instance)) << instance << "; logs in " << data_ << "/logs";
    EXPECT_TRUE(launcher->Started(instance)) << instance;
  }
  EXPECT_TRUE(launcher->Stop(std::chrono::milliseconds(20000)).ok());
  for (const auto& instance : launcher->Instances()) EXPECT_EQ(launcher->PidOf(instance), -1) << instance;
  // What each used, as the kernel accounted it when Stop reaped it.
  const std::vector<ServiceUsage> usage = launcher->Usage();
  ASSERT_EQ(usage.size(), launcher->Instances().size());
  for (size_t i = 0; i < usage.size(); ++i) {
    EXPECT_EQ(usage[i].instance, launcher->Instances()[i]);
    EXPECT_GT(usage[i].cpu_seconds, 0) << usage[i].instance;
    EXPECT_GE(usage[i].peak_rss_bytes, 1 << 20) << usage[i].instance;  // a service is megabytes, not kilobytes
  }
}

// Ingest killed after it started: not started any more until its restart
// (after the backoff, which the wait does not overrun) says so again.
TEST_F(LauncherTest, ARestartedServiceSaysItStartedAgain) {
  auto launcher = Launch();
  ASSERT_TRUE(launcher);
  ASSERT_TRUE(AwaitStarted(*launcher, "ingest"));
  const pid_t first = launcher->PidOf("ingest");
  ASSERT_EQ(kill(first, SIGKILL), 0);
  // Seen through its pidfd: Wait returns when it exits, Supervise reaps it.
  const auto end = std::chrono::steady_clock::now() + kLimit;
  while (launcher->PidOf("ingest") == first && std::chrono::steady_clock::now() < end) {
    launcher->Wait(std::chrono::milliseconds(1000));
    ASSERT_TRUE(launcher->Supervise().ok());
  }
  ASSERT_NE(launcher->PidOf("ingest"), first);
  EXPECT_FALSE(launcher->Started("ingest"));
  // The killed process is reaped, so its CPU and memory count already.
  auto ingest_usage = [&] {
    for (const ServiceUsage& u : launcher->Usage()) {
      if (u.instance == "ingest") return u;
    }
    return ServiceUsage{};
  };
  const ServiceUsage killed = ingest_usage();
  EXPECT_GT(killed.cpu_seconds, 0);
  EXPECT_GE(killed.peak_rss_bytes, 1 << 20);
  EXPECT_TRUE(AwaitStarted(*launcher, "ingest"));
  EXPECT_NE(launcher->PidOf("ingest"), first);
  EXPECT_TRUE(launcher->Stop(std::chrono::milliseconds(20000)).ok());
  // Both of ingest's processes: the sum of their CPU.
  EXPECT_GT(ingest_usage().cpu_seconds, killed.cpu_seconds);
}

}  // namespace
}  // namespace reportflow::cli
