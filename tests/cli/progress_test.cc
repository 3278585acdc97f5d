#include "cli/progress.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "services/ingest/input_scanner.h"
#include "tests/testing/test_util.h"

namespace reportflow::cli {
namespace {

pipeline::v1::BatchStatus Status(bool scan_done, uint32_t docs, uint32_t segmented, uint32_t completed,
                                 uint32_t quarantined, double elapsed) {
  pipeline::v1::BatchStatus st;
  st.set_scan_done(scan_done);
  st.set_files_found(docs + 2);
  st.set_documents(docs);
  st.set_segmented(segmented);
  st.set_completed(completed);
  st.set_quarantined(quarantined);
  st.set_rejected(2);
  st.set_duplicates(1);
  st.set_elapsed_seconds(elapsed);
  st.set_segment_queued(7);
  st.set_extract_queued(3);
  st.set_in_flight(docs - completed - quarantined);
  st.set_segment_workers(2);
  st.set_extract_workers(4);
  st.set_retries(5);
  return st;
}

TEST(ProgressTest, PollsAQuarterOfTheEtaWithinBounds) {
  ProgressTracker t(10);
  EXPECT_EQ(t.NextPollMillis(20, 250), 20);  // nothing known yet: often
  t.Add(0, Status(true, 10000, 0, 0, 0, 0));
  t.Add(10, Status(true, 10000, 1000, 1000, 0, 10));  // 100/s, 90 s to go
  EXPECT_EQ(t.NextPollMillis(20, 250), 250);
  t.Add(20, Status(true, 10000, 9960, 9960, 0, 20));  // 896/s over the window, 40 left
  EXPECT_EQ(t.NextPollMillis(20, 250), 20);  // the end is near: 11 ms would be a quarter
  t.Add(20.01, Status(true, 10000, 9000, 9000, 0, 20.01));
  EXPECT_GE(t.NextPollMillis(20, 250), 20);
  EXPECT_LE(t.NextPollMillis(20, 250), 250);
}

TEST(ProgressTest, RateOverTheWindowAndEta) {
  ProgressTracker t(10);
  t.Add(0, Status(true, 100, 10, 0, 0, 0));
  t.Add(5, Status(true, 100, 40, 20, 0, 5));
  t.Add(10, Status(true, 100, 70, 40, 0, 10));
  EXPECT_DOUBLE_EQ(t.Rate(), 4.0);  // 40 finished in 10 s
  ASSERT_TRUE(t.EtaSeconds().has_value());
  EXPECT_DOUBLE_EQ(*t.EtaSeconds(), 15.0);  // 60 left at 4/s
  // The window slides: samples older than 10 s stop counting.
  t.Add(20, Status(true, 100, 90, 50, 10, 20));  // 60 -> 20 finished in the last 10 s
  EXPECT_DOUBLE_EQ(t.Rate(), 2.0);
  EXPECT_DOUBLE_EQ(*t.EtaSeconds(), 20.0);
}

TEST(ProgressTest, NoEtaWhileScanningOrStalled) {
  ProgressTracker t;
  t.Add(0, Status(false, 10, 0, 0, 0, 0));
  t.Add(2, Status(false, 20, 5, 5, 0, 2));
  EXPECT_FALSE(t.EtaSeconds().has_value());
  ProgressTracker stalled;
  stalled.Add(0, Status(true, 10, 0, 0, 0, 0));
  stalled.Add(3, Status(true, 10, 0, 0, 0, 3));
  EXPECT_EQ(stalled.Rate(), 0);
  EXPECT_FALSE(stalled.EtaSeconds().has_value());
  ProgressTracker done;
  done.Add(1, Status(true, 10, 10, 9, 1, 1));
  EXPECT_EQ(*done.EtaSeconds(), 0);
}

TEST(ProgressTest, RendersEveryStage) {
  ProgressTracker t;
  t.Add(0, Status(true, 100, 0, 0, 0, 0));
  t.Add(10, Status(true, 100, 50, 20, 5, 10));
  const std::string block = t.RenderBlock(10);
  EXPECT_NE(block.find("files    102 found (scan done)   documents 100   rejected 2 (1 duplicates)"), std::string::npos)
      << block;
  EXPECT_NE(block.find("segment  [#####-----] 50/100  50%"), std::string::npos) << block;
  EXPECT_NE(block.find("extract  [##--------] 25/100  25%   quarantined 5   retries 5"), std::string::npos) << block;
  EXPECT_NE(block.find("queues   segment 7   extract 3   in flight 75   workers 2 segment, 4 extract"),
            std::string::npos)
      << block;
  EXPECT_NE(block.find("rate     2.5 docs/s   elapsed 0:10   ETA 0:30"), std::string::npos) << block;
  EXPECT_EQ(std::count(block.begin(), block.end(), '\n'), 4);
  const std::string line = t.RenderLine();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("segment 50/100 extract 25/100"), std::string::npos) << line;
  EXPECT_NE(line.find("eta 0:30"), std::string::npos) << line;
}

TEST(ProgressTest, FormatsDurationsAndBars) {
  EXPECT_EQ(FormatDuration(7), "0:07");
  EXPECT_EQ(FormatDuration(723), "12:03");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(Bar(0, 0, 4), "[----]");
  EXPECT_EQ(Bar(3, 4, 4), "[###-]");
  EXPECT_EQ(Bar(9, 4, 4), "[####]");
}

}  // namespace
}  // namespace reportflow::cli

namespace reportflow::cli {
namespace {

TEST(ProgressTest, CensusGivesTheTotalAndAnEtaBeforeTheScanEnds) {
  InputCensus census;
  census.items = 10;
  census.bytes = 10000;
  census.prefix_bytes = {0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000};
  ProgressTracker t(10);
  t.SetCensus(census);
  pipeline::v1::BatchStatus st;
  st.set_files_found(4);  // ingest read 4 of 10 inputs, 1 was rejected
  st.set_rejected(1);
  st.set_documents(3);
  st.set_completed(0);
  t.Add(0, st);
  st.set_completed(2);
  st.set_elapsed_seconds(2);
  t.Add(2, st);
  ASSERT_TRUE(t.ExpectedDocuments().has_value());
  EXPECT_EQ(*t.ExpectedDocuments(), 9u);  // 3 documents + 6 inputs not read yet
  ASSERT_TRUE(t.EtaSeconds().has_value());
  EXPECT_DOUBLE_EQ(*t.EtaSeconds(), 7.0);  // 7 left at 1 document/s
  EXPECT_NE(t.RenderLine().find("read 4/10 files, 4 KB/10 KB;"), std::string::npos) << t.RenderLine();
  EXPECT_NE(t.RenderBlock(10).find("inputs   4/10 files, 4 KB/10 KB   documents 3"), std::string::npos)
      << t.RenderBlock(10);
  // An archive that could not be listed holds an unknown number: no total until the scan ends.
  census.unlisted_archives = 1;
  ProgressTracker a;
  a.SetCensus(census);
  a.Add(0, st);
  EXPECT_FALSE(a.ExpectedDocuments().has_value());
  st.set_scan_done(true);
  a.Add(1, st);
  EXPECT_EQ(*a.ExpectedDocuments(), 3u);
}

TEST(InputCensusTest, CountsFilesAndBytesInScanOrder) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "b");
  std::ofstream(dir / "a.txt") << std::string(100, 'x');
  std::ofstream(dir / "b/c.txt") << std::string(20, 'y');
  std::ofstream(dir / "b/d.zip") << std::string(3, 'z');  // not a readable zip: one item
  const InputCensus c = CountInputs({dir.path().string(), (dir / "missing").string()});
  EXPECT_EQ(c.items, 4u);  // a.txt, b/c.txt, b/d.zip, and the missing path (ingest rejects it: one item)
  EXPECT_EQ(c.bytes, 123u);
  EXPECT_EQ(c.archives, 1u);
  EXPECT_EQ(c.unlisted_archives, 1u);
  EXPECT_EQ(MissingInputs({dir.path().string(), (dir / "missing").string()}),
            std::vector<std::string>{(dir / "missing").string()});
  EXPECT_EQ(c.BytesOfFirst(1), 100u);
  EXPECT_EQ(c.BytesOfFirst(2), 120u);
  EXPECT_EQ(c.BytesOfFirst(99), 123u);
}

// Item i of the census is item i of ingest's scan (the bytes ingest has read
// are a prefix sum): names whose byte order is not their case-blind order, a
// folder whose name sorts among its siblings' files, links to a file and to
// a folder, a FIFO, a folder nested too deep, an empty folder.
TEST(InputCensusTest, SameItemsInTheSameOrderAsIngestsScan) {
  testing::TempDir dir;
  const std::filesystem::path in = dir / "in";
  std::filesystem::create_directories(in / "a.b" / "deep" / "deeper");
  std::filesystem::create_directories(in / "empty");
  std::ofstream(in / "B.txt") << std::string(1, 'x');
  std::ofstream(in / "a.txt") << std::string(2, 'x');
  std::ofstream(in / "a0.txt") << std::string(4, 'x');
  std::ofstream(in / "a.b" / "x.txt") << std::string(8, 'x');
  std::ofstream(in / "a.b" / "deep" / "y.txt") << std::string(16, 'x');
  std::ofstream(in / "a.b" / "deep" / "deeper" / "z.txt") << std::string(32, 'x');
  std::filesystem::create_symlink(in / "a.txt", in / "link-to-file.txt");
  std::filesystem::create_directory_symlink(in / "a.b", in / "link-to-folder");
  ASSERT_EQ(::mkfifo((in / "pipe").c_str(), 0600), 0);

  constexpr uint32_t kMaxDepth = 2;  // a.b/deep/deeper is nested one level too deep
  const InputCensus census = CountInputs({in.string()}, kMaxDepth);
  ingest::ScanLimits limits;
  limits.max_depth = kMaxDepth;
  ingest::InputScanner scanner({in.string()}, limits);
  std::vector<uint64_t> scanned_prefix{0};
  std::vector<std::string> sources;
  ingest::ScanItem item;
  while (scanner.Next(&item)) {
    scanned_prefix.push_back(scanned_prefix.back() + item.bytes.size());
    sources.push_back(item.source);
  }
  EXPECT_EQ(census.items, sources.size()) << ::testing::PrintToString(sources);
  EXPECT_EQ(census.prefix_bytes, scanned_prefix) << ::testing::PrintToString(sources);
  EXPECT_EQ(census.bytes, 1u + 2 + 4 + 8 + 16 + 2);  // the linked file counts as its target
}

}  // namespace
}  // namespace reportflow::cli
