#include "cli/progress.h"

#include <gtest/gtest.h>

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
