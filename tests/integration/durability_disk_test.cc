// Durability (issue 19, item 7): a full disk is an operator message. On a
// small tmpfs (mounted by the test; needs root, else skipped) the services
// stop taking work, `reportflow run` exits 1 saying "no space left on <path>"
// (no abort, no restart loop), and a rerun after space is freed ends with the
// aggregates and documents of an uninterrupted run.
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/integration/pipeline_fixture.h"
#include "tests/testing/processes.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines = Lines(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

class DiskFullTest : public PipelineFixture {
 protected:
  void TearDown() override {
    if (mounted_) umount2(mount_point_.c_str(), MNT_DETACH);
  }
  // Mounts a tmpfs of `size` ("40m", "256k") at dir_/small, with mount
  // `flags` (MS_RDONLY: a disk that refuses every write); false (with `why`) if it cannot.
  bool MountSmall(const std::string& size, std::string* why, unsigned long flags = 0) {
    mount_point_ = dir_ / "small";
    fs::create_directories(mount_point_);
    const std::string options = "size=" + size + ",mode=0700";
    if (mount("tmpfs", mount_point_.c_str(), "tmpfs", flags, options.c_str()) != 0) {
      *why = std::strerror(errno);
      return false;
    }
    mounted_ = true;
    return true;
  }
  // Remounts the tmpfs with `size`, writable.
  void Resize(const std::string& size) {
    const std::string options = "size=" + size;
    ASSERT_EQ(mount(nullptr, mount_point_.c_str(), nullptr, MS_REMOUNT, options.c_str()), 0) << std::strerror(errno);
  }
  // Mounts a tmpfs of `size` (false with `why`: the test skips) and runs the
  // reference: 1,500 generated reports (input_) into a data dir off it (ref_).
  bool SmallDiskAndReference(const std::string& size, std::string* why) {
    if (!MountSmall(size, why)) {
      *why = "cannot mount a tmpfs for a small file system (" + *why +
             "): the disk-full test needs root (CAP_SYS_ADMIN)";
      return false;
    }
    const std::string corpus = (dir_ / "corpus").string();
    std::string out;
    EXPECT_EQ(Cli("gen-corpus --reports 1500 --seed 19 --out " + corpus, &out), 0) << out;
    input_ = corpus + "/reports";
    ref_ = (dir_ / "ref").string();
    EXPECT_EQ(Cli("run " + input_ + " --data " + ref_ + " --quiet --timeout 300", &out), 0) << out;
    return true;
  }
  std::string Aggregates(const std::string& data) {
    std::string out;
    EXPECT_EQ(RunCommand(Reportflow() + " aggregates --data " + data + " --format jsonl", &out), 0) << out;
    return out;
  }

  fs::path mount_point_;
  bool mounted_ = false;
  std::string input_, ref_;
};

TEST_F(DiskFullTest, AFullDiskIsAnOperatorMessageAndARerunAfterFreeingSpaceEndsEqual) {
  std::string why;
  if (!SmallDiskAndReference("40m", &why)) GTEST_SKIP() << why;
  ASSERT_FALSE(HasFailure());
  const std::string &input = input_, &ref = ref_;
  std::string out;
  const std::string data = (mount_point_ / "data").string();
  const int rc = Cli("run " + input + " --data " + data + " --quiet --timeout 300", &out);
  EXPECT_EQ(rc, 1) << "a full disk fails the run (not an abort, not a success)\n" << out;
  EXPECT_NE(out.find("no space left on " + data + "/"), std::string::npos) << out;
  EXPECT_NE(out.find("free space, then run the same command again"), std::string::npos) << out;
  EXPECT_EQ(out.find("times; giving up"), std::string::npos) << "a full disk is not restarted over and over\n" << out;
  EXPECT_TRUE(WaitFor([&] { return ProcessesMentioning(data + "/pipeline.yaml").empty(); })) << "services outlived run";
  // No service died of an abort (a RocksDB assertion): the logs that could be
  // written say why they stopped, none says they aborted.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(data) / "logs", ec)) {
    const std::string log = ReadFileOrDie(e.path());
    EXPECT_EQ(log.find("Assertion"), std::string::npos) << e.path() << "\n" << log;
  }

  // Space freed: the same command resumes and ends as the uninterrupted run.
  Resize("1024m");
  ASSERT_EQ(Cli("run " + input + " --data " + data + " --quiet --timeout 300", &out), 0) << out;
  EXPECT_EQ(CompleteDocuments(data), CompleteDocuments(ref));
  EXPECT_EQ(SortedLines(Aggregates(data)), SortedLines(Aggregates(ref)));
}

// Aggregate's near-duplicate index writes a scratch file (aggregate.scratch_dir,
// here a 256 KB tmpfs; ~200 bytes per report). Its disk filling up is a full
// disk like the store's: the run stops at once naming that disk, and no
// document pays for it. (Aggregate used to leave the group unacknowledged:
// after three leases its documents were quarantined.)
TEST_F(DiskFullTest, AFullScratchDiskStopsTheRunAndQuarantinesNothing) {
  std::string why;
  if (!SmallDiskAndReference("256k", &why)) GTEST_SKIP() << why;
  ASSERT_FALSE(HasFailure());
  const std::string &input = input_, &ref = ref_;
  std::string out;
  const std::string data = (dir_ / "data").string();
  const std::string scratch = (mount_point_ / "scratch").string();
  const std::string flags = " --quiet --timeout 300 --set aggregate.scratch_dir=" + scratch;
  EXPECT_EQ(Cli("run " + input + " --data " + data + flags, &out), 1) << out;
  EXPECT_NE(out.find("no space left on " + scratch + ": service aggregate stopped"), std::string::npos) << out;
  EXPECT_NE(out.find("free space, then run the same command again"), std::string::npos) << out;
  EXPECT_NE(out.find("quarantined        0\n"), std::string::npos) << out;

  Resize("64m");
  ASSERT_EQ(Cli("run " + input + " --data " + data + flags, &out), 0) << out;
  EXPECT_EQ(CompleteDocuments(data), CompleteDocuments(ref));
  EXPECT_EQ(SortedLines(Aggregates(data)), SortedLines(Aggregates(ref)));
}

// A disk that refuses writes without being full (aggregate.scratch_dir on a
// tmpfs mounted read-only): the audit of every group fails. Aggregate stops
// after three groups in a row could not be finished, `reportflow run` exits 1
// with the real error (no restart loop), and no document pays for it: nothing
// is quarantined, and once the disk takes writes the same command completes
// the batch. (Aggregate used to leave the groups unacknowledged and run on:
// after three leases every document was quarantined, "not acknowledged
// within the lease".)
TEST_F(DiskFullTest, AReadOnlyScratchDiskStopsTheRunWithItsErrorAndQuarantinesNothing) {
  std::string why;
  if (!MountSmall("1m", &why, MS_RDONLY)) {
    GTEST_SKIP() << "cannot mount a read-only tmpfs (" << why << "): the test needs root (CAP_SYS_ADMIN)";
  }
  WriteSampleCopies(dir_ / "in", 30);
  const std::string input = (dir_ / "in").string();
  const std::string data = (dir_ / "data").string();
  const std::string scratch = mount_point_.string();
  // A 3 s lease (30 s by default): aggregate meets its third failure on the
  // third delivery, within seconds; the attempts it costs are those of the
  // default lease.
  const std::string flags =
      " --quiet --timeout 300 --set limits.lease_ms=3000 --set aggregate.scratch_dir=" + scratch;
  std::string out;
  EXPECT_EQ(Cli("run " + input + " --data " + data + flags, &out), 1) << out;
  EXPECT_NE(out.find("service aggregate stopped and was not restarted"), std::string::npos) << out;
  EXPECT_NE(out.find("cannot create a scratch file in " + scratch + ": Read-only file system"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("times; giving up"), std::string::npos) << "a persistent failure is not restarted\n" << out;
  EXPECT_NE(out.find("quarantined        0\n"), std::string::npos) << out;
  EXPECT_TRUE(WaitFor([&] { return ProcessesMentioning(data + "/pipeline.yaml").empty(); })) << "services outlived run";

  Resize("1m");
  ASSERT_EQ(Cli("run " + input + " --data " + data + flags, &out), 0) << out;
  EXPECT_EQ(CompleteDocuments(data), 30);
}

}  // namespace
}  // namespace reportflow::testing
