// Registry exposition checked by the strict parser, and the parser itself
// checked against inputs Prometheus rejects (so it can fail).
#include "common/metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "tests/common/metrics/prometheus_strict_parser.h"

namespace reportflow::metrics {
namespace {

using testing::PromExposition;
using testing::PromStrictParser;

PromExposition ParseOrFail(const std::string& text) {
  PromExposition e;
  std::string error;
  EXPECT_TRUE(PromStrictParser::Parse(text, &e, &error)) << error << "\n" << text;
  return e;
}

TEST(RegistryTest, ExpositionIsStrictlyValid) {
  Registry r;
  r.GetCounter("reportflow_test_documents_total", "Documents.\nSecond line with a \\ backslash.").Inc(3);
  auto& a = r.GetCounter("reportflow_test_dispatches_total", "Dispatches by stage.", {{"stage", "segment"}});
  auto& b = r.GetCounter("reportflow_test_dispatches_total", "Dispatches by stage.", {{"stage", "ex\"tr\\act\n"}});
  a.Inc();
  b.Inc(2);
  r.GetGauge("reportflow_test_in_flight_documents", "In flight.").Set(-2.5);
  auto& h = r.GetHistogram("reportflow_test_seconds", "Latency.", {0.1, 1, 10});
  h.Observe(0.05);
  h.Observe(0.1);  // on a bound: counted in that bucket (le = less or equal)
  h.Observe(5);
  h.Observe(100);

  const PromExposition e = ParseOrFail(r.Exposition());
  ASSERT_EQ(e.families.size(), 4u);
  EXPECT_EQ(e.Find("reportflow_test_documents_total")->type, "counter");
  EXPECT_EQ(e.Value("reportflow_test_documents_total"), 3);
  EXPECT_EQ(e.Value("reportflow_test_dispatches_total", {{"stage", "segment"}}), 1);
  EXPECT_EQ(e.Value("reportflow_test_dispatches_total", {{"stage", "ex\"tr\\act\n"}}), 2);
  EXPECT_EQ(e.Value("reportflow_test_in_flight_documents"), -2.5);
  EXPECT_EQ(e.Find("reportflow_test_seconds")->type, "histogram");
  EXPECT_EQ(e.Value("reportflow_test_seconds_bucket", {{"le", "0.1"}}), 2);
  EXPECT_EQ(e.Value("reportflow_test_seconds_bucket", {{"le", "1"}}), 2);
  EXPECT_EQ(e.Value("reportflow_test_seconds_bucket", {{"le", "10"}}), 3);
  EXPECT_EQ(e.Value("reportflow_test_seconds_bucket", {{"le", "+Inf"}}), 4);
  EXPECT_EQ(e.Value("reportflow_test_seconds_count"), 4);
  EXPECT_DOUBLE_EQ(e.Value("reportflow_test_seconds_sum"), 105.15);
}

TEST(RegistryTest, GetReturnsTheSameChild) {
  Registry r;
  auto& a = r.GetCounter("x_total", "x", {{"k", "v"}});
  auto& b = r.GetCounter("x_total", "x", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &r.GetCounter("x_total", "x", {{"k", "w"}}));
}

TEST(RegistryTest, ConcurrentUpdatesWhileRendering) {
  Registry r;
  auto& c = r.GetCounter("reportflow_test_total", "t");
  auto& h = r.GetHistogram("reportflow_test_seconds", "t", LatencyBuckets());
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i) {
      c.Inc();
      h.Observe(i % 7);
    }
  });
  for (int i = 0; i < 50; ++i) ParseOrFail(r.Exposition());
  writer.join();
  const PromExposition e = ParseOrFail(r.Exposition());
  EXPECT_EQ(e.Value("reportflow_test_total"), 20000);
  EXPECT_EQ(e.Value("reportflow_test_seconds_count"), 20000);
}

TEST(RegistryTest, FormatsValuesAsPrometheusDoes) {
  EXPECT_EQ(FormatSampleValue(3), "3");
  EXPECT_EQ(FormatSampleValue(-0.25), "-0.25");
  EXPECT_EQ(FormatSampleValue(1e-5), "1e-05");
  EXPECT_EQ(FormatSampleValue(HUGE_VAL), "+Inf");
  EXPECT_EQ(FormatSampleValue(-HUGE_VAL), "-Inf");
  EXPECT_EQ(FormatSampleValue(NAN), "NaN");
  EXPECT_TRUE(IsValidMetricName("reportflow_ingest_x_total"));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
}

TEST(RegistryDeathTest, RejectsNamesBreakingTheConventions) {
  Registry r;
  EXPECT_DEATH(r.GetCounter("reportflow_documents", "no _total suffix"), "check failed");
  EXPECT_DEATH(r.GetGauge("bad-name", "x"), "check failed");
  EXPECT_DEATH(r.GetGauge("ok_name", "x", {{"__name", "v"}}), "check failed");
  r.GetGauge("reportflow_g", "help");
  EXPECT_DEATH(r.GetCounter("reportflow_g", "help"), "check failed");  // same name, other type
}

// The strict parser must reject what Prometheus rejects; otherwise the tests
// above could not fail.
TEST(PromStrictParserTest, RejectsInvalidExpositions) {
  const char* kHead = "# HELP a_total h\n# TYPE a_total counter\n";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"no trailing newline", std::string(kHead) + "a_total 1"},
      {"carriage return", std::string(kHead) + "a_total 1\r\n"},
      {"bad name", "# HELP 1a h\n# TYPE 1a gauge\n1a 1\n"},
      {"bad value", std::string(kHead) + "a_total one\n"},
      {"two spaces", std::string(kHead) + "a_total  1\n"},
      {"unquoted label", std::string(kHead) + "a_total{k=v} 1\n"},
      {"bad escape", std::string(kHead) + "a_total{k=\"\\t\"} 1\n"},
      {"duplicate label", std::string(kHead) + "a_total{k=\"1\",k=\"2\"} 1\n"},
      {"reserved label", std::string(kHead) + "a_total{__k=\"1\"} 1\n"},
      {"duplicate series", std::string(kHead) + "a_total 1\na_total 2\n"},
      {"negative counter", std::string(kHead) + "a_total -1\n"},
      {"counter without _total", "# HELP a h\n# TYPE a counter\na 1\n"},
      {"no HELP", "# TYPE a gauge\na 1\n"},
      {"TYPE after samples", "# HELP a h\na 1\n# TYPE a gauge\n"},
      {"second TYPE", "# HELP a h\n# TYPE a gauge\n# TYPE a gauge\na 1\n"},
      {"unknown type", "# HELP a h\n# TYPE a meter\na 1\n"},
      {"interleaved", "# HELP a h\n# TYPE a gauge\na{x=\"1\"} 1\n# HELP b h\n# TYPE b gauge\nb 1\na{x=\"2\"} 1\n"},
      {"histogram without +Inf",
       "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"},
      {"histogram not cumulative",
       "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"},
      {"histogram count mismatch",
       "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n"},
  };
  for (const auto& [why, text] : bad) {
    PromExposition e;
    std::string error;
    EXPECT_FALSE(PromStrictParser::Parse(text, &e, &error)) << "accepted (" << why << "):\n" << text;
  }
  PromExposition e;
  std::string error;
  EXPECT_TRUE(PromStrictParser::Parse(std::string(kHead) + "a_total{k=\"v\",} 1 1700000000000\n# free comment\n", &e,
                                      &error))
      << error;
}

}  // namespace
}  // namespace reportflow::metrics
