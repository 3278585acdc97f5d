// `reportflow status` logic without sockets: discovery from run files,
// addresses, the lenient exposition reader and the per-service summary.
#include "cli/service_status.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "tests/testing/test_util.h"

namespace reportflow::cli {
namespace {

Probe ProbeOf(const std::string& exposition, double seconds, bool ready = true) {
  Probe p;
  p.reachable = true;
  p.ready = ready;
  p.readiness = ready ? "ready" : "not ready: starting";
  auto parsed = ParseExposition(exposition);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  p.samples = parsed.ok() ? *parsed : std::vector<Sample>{};
  p.seconds = seconds;
  p.now_unix = 1000 + seconds;
  return p;
}

TEST(ServiceStatusTest, DiscoversRunFilesAndMissingStableServices) {
  reportflow::testing::TempDir dir;
  std::ofstream(dir / "segment-1.http") << "url=http://127.0.0.1:5\nservice=segment\ninstance=segment-1\npid=9\n";
  std::ofstream(dir / "ingest.http") << "url=http://127.0.0.1:4\nservice=ingest\ninstance=ingest\n";
  std::ofstream(dir / "segment-0.http") << "url=http://127.0.0.1:6\nservice=segment\ninstance=segment-0\n";
  std::ofstream(dir / "notes.txt") << "ignored";
  const auto targets = DiscoverServices(dir.path().string());
  ASSERT_EQ(targets.size(), 4u);
  EXPECT_EQ(targets[0].instance, "ingest");
  EXPECT_EQ(targets[1].instance, "segment-0");
  EXPECT_EQ(targets[1].url, "http://127.0.0.1:6");
  EXPECT_EQ(targets[2].instance, "segment-1");
  EXPECT_EQ(targets[3].instance, "aggregate");  // required, no run file
  EXPECT_TRUE(targets[3].url.empty());
  EXPECT_NE(targets[3].note.find("not running"), std::string::npos);
}

TEST(ServiceStatusTest, ParsesAddresses) {
  ASSERT_OK_AND_ASSIGN(ServiceTarget a, TargetFromAddress("10.0.0.5:9100"));
  EXPECT_EQ(a.url, "http://10.0.0.5:9100");
  ASSERT_OK_AND_ASSIGN(ServiceTarget b, TargetFromAddress("http://host:81/"));
  EXPECT_EQ(b.url, "http://host:81");
  for (const char* bad : {"host", "https://host:1", "host:", "host:12/metrics", "host:x"}) {
    EXPECT_FALSE(TargetFromAddress(bad).ok()) << bad;
  }
}

TEST(ServiceStatusTest, ReadsExpositionLeniently) {
  ASSERT_OK_AND_ASSIGN(auto samples, ParseExposition("# HELP x y\nx{a=\"q\\\"z\",b=\"2\"} 3.5\ny 1 1700000000\nz +Inf\n"));
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].labels.at("a"), "q\"z");
  EXPECT_EQ(samples[0].value, 3.5);
  EXPECT_EQ(samples[1].value, 1);
  EXPECT_TRUE(std::isinf(samples[2].value));
  EXPECT_FALSE(ParseExposition("x{a=\"1\" 2\n").ok());
  EXPECT_FALSE(ParseExposition("x abc\n").ok());
}

TEST(ServiceStatusTest, SummarizesIngestWithARateFromTwoProbes) {
  const std::string base =
      "reportflow_build_info{service=\"ingest\",service_instance=\"ingest\",version=\"0.1.0\"} 1\n"
      "process_start_time_seconds 900\n"
      "reportflow_ingest_in_flight_documents 12\n"
      "reportflow_ingest_queued_documents{stage=\"segment\"} 30\n"
      "reportflow_ingest_queued_documents{stage=\"extract\"} 4\n"
      "reportflow_ingest_redispatches_total{reason=\"lease_expired\"} 2\n"
      "reportflow_ingest_redispatches_total{reason=\"stage_failure\"} 1\n"
      "reportflow_ingest_documents_quarantined_total 1\n";
  const Probe earlier = ProbeOf(base + "reportflow_ingest_documents_completed_total 100\n", 10);
  const Probe later = ProbeOf(base + "reportflow_ingest_documents_completed_total 130\n", 12);
  ServiceTarget t{"ingest", "ingest", "http://127.0.0.1:1", ""};
  const StatusRow row = Summarize(t, &earlier, later);
  EXPECT_EQ(row.state, "up");
  EXPECT_EQ(row.service, "ingest");
  EXPECT_EQ(*row.processed, 130);
  EXPECT_EQ(*row.in_flight, 12);
  EXPECT_EQ(*row.queued, 34);
  EXPECT_EQ(*row.retries, 3);
  EXPECT_EQ(*row.quarantined, 1);
  EXPECT_DOUBLE_EQ(*row.rate, 15.0);  // 30 documents in 2 s
  // One probe: average since the process started (now_unix 1012 - start 900).
  const StatusRow single = Summarize(t, nullptr, later);
  EXPECT_DOUBLE_EQ(*single.rate, 130.0 / 112.0);
}

TEST(ServiceStatusTest, SummarizesWorkersAggregateAndFailures) {
  ServiceTarget w{"10.0.0.9:9100", "", "http://10.0.0.9:9100", ""};
  const Probe p = ProbeOf(
      "reportflow_build_info{service=\"extract\",service_instance=\"extract-3\",version=\"x\"} 1\n"
      "reportflow_extract_documents_processed_total 8\n"
      "reportflow_extract_documents_failed_total 2\n"
      "reportflow_extract_in_progress_documents 1\n",
      5, /*ready=*/false);
  const StatusRow row = Summarize(w, nullptr, p);
  EXPECT_EQ(row.service, "extract");
  EXPECT_EQ(row.instance, "extract-3");  // from build_info, not the address
  EXPECT_EQ(row.state, "not ready");
  EXPECT_EQ(*row.processed, 8);
  EXPECT_EQ(*row.retries, 2);
  EXPECT_EQ(*row.in_flight, 1);
  EXPECT_FALSE(row.queued.has_value());
  EXPECT_FALSE(row.quarantined.has_value());

  ServiceTarget a{"aggregate", "aggregate", "http://127.0.0.1:2", ""};
  const StatusRow agg = Summarize(a, nullptr, ProbeOf("reportflow_aggregate_documents_applied_total 5\n", 1));
  EXPECT_EQ(*agg.processed, 5);

  Probe unreachable;
  unreachable.error = "unreachable: Connection";
  const StatusRow down = Summarize(a, nullptr, unreachable);
  EXPECT_EQ(down.state, "down");
  EXPECT_EQ(down.detail, "unreachable: Connection");
  EXPECT_FALSE(down.processed.has_value());
  ServiceTarget never{"aggregate", "aggregate", "", "not running (no run file)"};
  EXPECT_EQ(Summarize(never, nullptr, Probe{}).state, "down");
}

}  // namespace
}  // namespace reportflow::cli
