// Reliability: poison documents. A fault injected through configuration
// (fault_injection) makes one stage fail on one particular document; the batch
// must still complete, with that document quarantined (and listed in the run
// summary) and every other document complete.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {

class ReliabilityTest : public PipelineFixture {
 protected:
  // Runs the samples with a fault on the document whose file name contains
  // `needle` in `stage`, and checks the outcome.
  void RunWithFault(const std::string& stage, const std::string& mode, const std::string& needle,
                    const std::string& extra = "") {
    const std::string data = (dir_ / ("data_" + stage + "_" + mode)).string();
    std::string out;
    const int rc = Cli("run " + Samples() + " --data " + data + " --quiet --timeout 120" +
                           " --set fault_injection.stage=" + stage + " --set fault_injection.mode=" + mode +
                           " --set fault_injection.source_substring=" + needle +
                           " --set limits.max_attempts=2 --set limits.lease_ms=1000" + extra,
                       &out);
    ASSERT_EQ(rc, 4) << out;  // the batch completed with a quarantined document (cli/exit_codes.h)
    EXPECT_NE(out.find("quarantined        1\n"), std::string::npos) << out;
    EXPECT_NE(out.find(needle), std::string::npos) << "the summary lists the quarantined document\n" << out;
    if (mode == "error") {
      EXPECT_NE(out.find("fault injected by configuration"), std::string::npos) << out;
      EXPECT_NE(out.find(": " + stage + ": "), std::string::npos) << "the summary names the stage\n" << out;
    }
    const auto docs = Query("docs", data);
    ASSERT_EQ(docs.size(), 5u);
    int complete = 0, quarantined = 0;
    for (const auto& d : docs) {
      const std::string source = d["source"].get<std::string>();
      const std::string status = d["status"].get<std::string>();
      if (source.find(needle) != std::string::npos) {
        EXPECT_EQ(status, "quarantined") << source;
        ++quarantined;
      } else {
        EXPECT_EQ(status, "complete") << source;
        ++complete;
      }
    }
    EXPECT_EQ(quarantined, 1);
    EXPECT_EQ(complete, 4);
    // Only the complete documents contributed metrics.
    for (const auto& m : Query("metrics", data)) {
      EXPECT_EQ(m.dump().find(needle), std::string::npos) << m.dump();
    }
  }
};

TEST_F(ReliabilityTest, SegmentErrorOnOneDocumentQuarantinesOnlyIt) {
  RunWithFault("segment", "error", "002_a6fefeade6ba0466");
}

TEST_F(ReliabilityTest, ExtractErrorOnOneDocumentQuarantinesOnlyIt) {
  RunWithFault("extract", "error", "003_1c944b72cf063491");
}

// The lease of the crash tests is an hour, far beyond the run's timeout.
constexpr char kHourLease[] = " --set limits.lease_ms=3600000";

TEST_F(ReliabilityTest, ExtractCrashOnOneDocumentQuarantinesOnlyIt) {
  // The worker process dies on the document; the launcher restarts it, and
  // the new process's first WorkerReady (the same worker id, another
  // incarnation) brings back at once every document the dead one held: they
  // do not wait for their lease. After max_attempts the document is
  // quarantined. The crash lost every document the worker held, each
  // charged an attempt; from then on each goes alone
  // (services/ingest/dispatcher.h, suspects), so with max_attempts=2 only the
  // document that crashes its worker again is quarantined.
  RunWithFault("extract", "crash", "001_3ed92bd71da045e5", kHourLease);
}

TEST_F(ReliabilityTest, SegmentCrashOnOneDocumentQuarantinesOnlyIt) {
  RunWithFault("segment", "crash", "004_", kHourLease);
}

TEST_F(ReliabilityTest, QuarantineListShowReplay) {
  const std::string needle = "002_a6fefeade6ba0466";
  RunWithFault("segment", "error", needle);
  const std::string data = (dir_ / "data_segment_error").string();
  const auto listed = Query("quarantine list", data);
  ASSERT_EQ(listed.size(), 1u);
  const std::string doc_id = listed[0]["doc_id"].get<std::string>();
  EXPECT_NE(listed[0]["source"].get<std::string>().find(needle), std::string::npos);
  EXPECT_EQ(listed[0]["stage"], "segment");
  EXPECT_EQ(listed[0]["attempts"], 2);

  std::string out;
  ASSERT_EQ(Cli("quarantine show --data " + data + " " + doc_id.substr(0, 8), &out), 0) << out;
  EXPECT_NE(out.find(doc_id), std::string::npos) << out;
  EXPECT_NE(out.find("fault injected by configuration"), std::string::npos) << out;
  EXPECT_NE(Cli("quarantine replay --data " + data, &out), 0) << "ids or --all required\n" << out;

  ASSERT_EQ(Cli("quarantine replay --data " + data + " " + doc_id, &out), 0) << out;
  EXPECT_NE(out.find("released " + doc_id), std::string::npos) << out;
  EXPECT_TRUE(Query("quarantine list", data).empty());
  EXPECT_NE(Cli("quarantine show --data " + data + " " + doc_id, &out), 0) << out;

  // Without the fault, the next run on the data dir processes the released document.
  RunBatch(Samples(), data);
  const auto docs = Query("docs", data);
  ASSERT_EQ(docs.size(), 5u);
  for (const auto& d : docs) EXPECT_EQ(d["status"], "complete") << d.dump();
  bool has_metrics = false;
  for (const auto& m : Query("metrics", data)) has_metrics |= m.dump().find(doc_id) != std::string::npos;
  EXPECT_TRUE(has_metrics) << "the replayed document contributed metrics";
}

TEST_F(ReliabilityTest, BadFaultInjectionConfigIsRejected) {
  std::string out;
  EXPECT_EQ(Cli("run " + Samples() + " --data " + (dir_ / "bad").string() +
                    " --set fault_injection.stage=aggregate --set fault_injection.source_substring=x",
                &out),
            2)
      << out;
  EXPECT_NE(out.find("fault_injection.stage"), std::string::npos) << out;
}

}  // namespace
}  // namespace reportflow::testing
