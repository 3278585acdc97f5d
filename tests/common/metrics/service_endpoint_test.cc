// ServiceEndpoint over real HTTP on an ephemeral loopback port.
#include "common/metrics/service_endpoint.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/common/metrics/prometheus_strict_parser.h"
#include "tests/testing/test_util.h"

namespace reportflow::metrics {
namespace {

class ServiceEndpointTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceEndpoint> Start(const std::string& listen = "127.0.0.1:0") {
    EndpointOptions o;
    o.service = "segment";
    o.instance = "segment-7";
    o.listen = listen;
    o.run_dir = (dir_ / "run").string();
    o.stall_seconds = 3600;
    auto ep = ServiceEndpoint::Start(o);
    EXPECT_TRUE(ep.ok()) << ep.status().ToString();
    return ep.ok() ? std::move(ep).value() : nullptr;
  }
  reportflow::testing::TempDir dir_;
};

TEST_F(ServiceEndpointTest, ServesMetricsHealthAndReadiness) {
  auto ep = Start();
  ASSERT_NE(ep, nullptr);
  ep->registry().GetCounter("reportflow_segment_documents_processed_total", "Processed.").Inc(7);
  ASSERT_EQ(ep->url().rfind("http://127.0.0.1:", 0), 0u) << ep->url();
  httplib::Client client(ep->url());

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), kExpositionContentType);
  reportflow::testing::PromExposition e;
  std::string error;
  ASSERT_TRUE(reportflow::testing::PromStrictParser::Parse(metrics->body, &e, &error)) << error;
  EXPECT_EQ(e.Value("reportflow_segment_documents_processed_total"), 7);
  const auto* info = e.Find("reportflow_build_info");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->samples.size(), 1u);
  EXPECT_EQ(info->samples[0].Label("service"), "segment");
  EXPECT_EQ(info->samples[0].Label("service_instance"), "segment-7");
  EXPECT_EQ(info->samples[0].Label("instance"), "");  // Prometheus' own label is left to Prometheus
  EXPECT_FALSE(info->samples[0].Label("version").empty());
  EXPECT_EQ(info->samples[0].value, 1);
  EXPECT_GT(e.Value("process_start_time_seconds"), 1.6e9);
  // The standard process metrics, read from /proc at scrape time.
  EXPECT_GT(e.Value("process_resident_memory_bytes"), 0);
  EXPECT_GT(e.Value("process_virtual_memory_bytes"), e.Value("process_resident_memory_bytes"));
  EXPECT_GT(e.Value("process_open_fds"), 2);
  EXPECT_GE(e.Value("process_max_fds"), e.Value("process_open_fds"));
  EXPECT_GE(e.Value("process_cpu_seconds_total"), 0);
  EXPECT_EQ(e.Find("process_cpu_seconds_total")->type, "counter");

  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("starting"), std::string::npos);
  ep->SetReady(true);
  EXPECT_EQ(client.Get("/readyz")->status, 200);
  ep->SetStopping();
  ready = client.Get("/readyz");
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("shutting down"), std::string::npos);

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  ep->Beat();
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  EXPECT_EQ(client.Get("/nothing")->status, 404);
}

TEST_F(ServiceEndpointTest, HealthFailsWhenTheLoopStalls) {
  EndpointOptions o;
  o.service = "ingest";
  o.instance = "ingest";
  o.listen = "off";
  o.stall_seconds = 0;  // any beat older than "now" counts as stalled
  ASSERT_OK_AND_ASSIGN(auto ep, ServiceEndpoint::Start(o));
  EXPECT_TRUE(ep->Liveness().first);  // never beaten: starting
  ep->Beat();
  // A beat is stale as soon as a millisecond passes; wait for that condition, bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ep->Liveness().first && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_FALSE(ep->Liveness().first);
  EXPECT_NE(ep->Liveness().second.find("stalled"), std::string::npos);
}

TEST_F(ServiceEndpointTest, WritesAndRemovesItsRunFile) {
  std::string url;
  const auto file = dir_ / "run" / "segment-7.http";
  {
    auto ep = Start();
    ASSERT_NE(ep, nullptr);
    url = ep->url();
    const std::string content = reportflow::testing::ReadFileOrDie(file);
    EXPECT_NE(content.find("url=" + url + "\n"), std::string::npos) << content;
    EXPECT_NE(content.find("service=segment\n"), std::string::npos);
    EXPECT_NE(content.find("instance=segment-7\n"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(ServiceEndpointTest, FixedPortInUseIsAnError) {
  auto first = Start();
  ASSERT_NE(first, nullptr);
  const std::string port = first->url().substr(first->url().rfind(':') + 1);
  EndpointOptions o;
  o.service = "segment";
  o.instance = "segment-8";
  o.listen = "127.0.0.1:" + port;
  auto second = ServiceEndpoint::Start(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

TEST(ParseListenAddressTest, AcceptsHostPortOnly) {
  std::string host;
  int port = -1;
  ASSERT_OK(ParseListenAddress("0.0.0.0:9100", &host, &port));
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 9100);
  ASSERT_OK(ParseListenAddress("[::1]:0", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad : {"9100", ":9100", "host:", "host:65536", "host:-1", "::1:80", "host:80x"}) {
    EXPECT_FALSE(ParseListenAddress(bad, &host, &port).ok()) << bad;
  }
}

}  // namespace
}  // namespace reportflow::metrics
