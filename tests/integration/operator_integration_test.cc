// Operator experience end to end: the real service executables with their
// HTTP endpoints; `reportflow status` against them (local and --connect);
// every /metrics exposition checked by the strict parser; `reportflow explain`.
// (`reportflow report` in headless Chromium: tests/cli/report_browser_test.cc.)
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "cli/control_client.h"
#include "cli/pipeline_launcher.h"
#include "cli/service_status.h"
#include "common/config/config_loader.h"
#include "tests/common/metrics/prometheus_strict_parser.h"
#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

PromExposition Scrape(const std::string& url) {
  httplib::Client client(url);
  auto res = client.Get("/metrics");
  PromExposition e;
  EXPECT_TRUE(res) << url;
  if (!res) return e;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  std::string error;
  EXPECT_TRUE(PromStrictParser::Parse(res->body, &e, &error)) << url << ": " << error << "\n" << res->body;
  for (const auto& f : e.families) {
    EXPECT_TRUE(f.name.rfind("reportflow_", 0) == 0 || f.name.rfind("process_", 0) == 0) << f.name;
  }
  return e;
}

// A pipeline started through the CLI's launcher (as `reportflow run` does),
// kept running so status, /metrics and health can be observed.
class OperatorTest : public PipelineFixture {
 protected:
  void SetUp() override {
    data_ = (dir_ / "data").string();
    ASSERT_OK(config::LoadPipelineConfig("", data_, {}, &cfg_));
    fs::create_directories(data_);
    const std::string effective = (fs::path(data_) / "pipeline.yaml").string();
    std::ofstream(effective) << config::ToYaml(cfg_);
    cli::LaunchOptions options;
    options.bin_dir = BinDir().string();
    options.config_path = effective;
    ASSERT_OK_AND_ASSIGN(launcher_, cli::PipelineLauncher::Start(cfg_, options));
    const std::string run = (fs::path(data_) / "run").string();
    ASSERT_TRUE(WaitFor([&] {
      auto targets = cli::DiscoverServices(run);
      int ready = 0;
      for (const auto& t : targets) {
        if (t.url.empty()) continue;
        httplib::Client c(t.url);
        auto r = c.Get("/readyz");
        if (r && r->status == 200) ++ready;
      }
      return ready == 4;
    })) << "services did not become ready; logs in " << data_ << "/logs";
  }
  void TearDown() override {
    if (launcher_) launcher_->Stop(std::chrono::milliseconds(10000)).IgnoreError();
  }

  void RunSamplesBatch() {
    cli::ControlClient client(cfg_.endpoints().ingest_control(), cfg_.limits());
    pipeline::v1::ControlRequest submit;
    submit.mutable_submit()->set_batch_id("ops-test");
    submit.mutable_submit()->add_paths(Samples());
    auto r = client.Call(submit, std::chrono::milliseconds(10000));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    pipeline::v1::ControlRequest status;
    status.mutable_status()->set_batch_id("ops-test");
    pipeline::v1::BatchStatus last;
    ASSERT_TRUE(WaitFor([&] {
      auto s = client.Call(status, std::chrono::milliseconds(5000));
      if (s.ok()) last = s->status();
      return s.ok() && last.done();
    })) << last.DebugString();
    EXPECT_EQ(last.documents(), 5u);
    EXPECT_EQ(last.completed(), 5u);
    EXPECT_EQ(last.segmented(), 5u);  // per-stage progress carried by BatchStatus
    EXPECT_EQ(last.segment_queued(), 0u);
    EXPECT_EQ(last.extract_queued(), 0u);
    EXPECT_EQ(last.segment_workers(), 1u);
    EXPECT_EQ(last.extract_workers(), 1u);
  }

  std::map<std::string, json> StatusRows(const std::string& args, int expected_exit) {
    std::string out;
    const int rc = RunCommand(Reportflow() + " status " + args + " --format jsonl", &out);
    EXPECT_EQ(rc, expected_exit) << out;
    std::map<std::string, json> rows;
    for (const auto& line : Lines(out)) {
      json j = json::parse(line);
      rows[j["instance"].get<std::string>()] = j;
    }
    return rows;
  }

  std::string data_;
  config::PipelineConfig cfg_;
  std::unique_ptr<cli::PipelineLauncher> launcher_;
};

TEST_F(OperatorTest, StatusShowsEveryServiceAndTheirWork) {
  auto rows = StatusRows("--data " + data_ + " --interval 0", 0);
  ASSERT_EQ(rows.size(), 4u);
  for (const char* instance : {"ingest", "segment-0", "extract-0", "aggregate"}) {
    ASSERT_TRUE(rows.count(instance)) << instance;
    EXPECT_EQ(rows[instance]["state"], "up") << rows[instance].dump();
    EXPECT_EQ(rows[instance]["processed"], 0) << rows[instance].dump();
  }

  RunSamplesBatch();
  rows = StatusRows("--data " + data_ + " --interval 0.2", 0);
  EXPECT_EQ(rows["ingest"]["service"], "ingest");
  EXPECT_EQ(rows["ingest"]["processed"], 5) << rows["ingest"].dump();
  EXPECT_EQ(rows["ingest"]["in_flight"], 0);
  EXPECT_EQ(rows["ingest"]["queued"], 0);
  EXPECT_EQ(rows["ingest"]["retries"], 0);
  EXPECT_EQ(rows["ingest"]["quarantined"], 0);
  EXPECT_TRUE(rows["ingest"]["rate"].is_number());
  EXPECT_EQ(rows["segment-0"]["service"], "segment");
  EXPECT_EQ(rows["segment-0"]["processed"], 5);
  EXPECT_EQ(rows["segment-0"]["queued"], nullptr);  // not meaningful for a worker
  EXPECT_EQ(rows["extract-0"]["processed"], 5);
  EXPECT_EQ(rows["aggregate"]["processed"], 5);

  // The table a person reads: a header and one line per instance.
  std::string table;
  ASSERT_EQ(RunCommand(Reportflow() + " status --data " + data_ + " --interval 0", &table), 0) << table;
  const auto lines = Lines(table);
  ASSERT_EQ(lines.size(), 6u) << table;  // header, rule, 4 services
  for (const char* column : {"service", "instance", "state", "processed", "in_flight", "queued", "retries",
                             "quarantined", "rate"}) {
    EXPECT_NE(lines[0].find(column), std::string::npos) << lines[0];
  }
  EXPECT_EQ(lines[2].rfind("ingest", 0), 0u) << table;

  // Remote form: the same numbers through --connect.
  const std::string ingest_url = rows["ingest"]["url"];
  auto remote = StatusRows("--connect " + ingest_url.substr(7) + " --interval 0", 0);
  ASSERT_EQ(remote.size(), 1u);
  EXPECT_EQ(remote.begin()->first, "ingest");  // instance named by the service itself
  EXPECT_EQ(remote.begin()->second["processed"], 5);

  // A crashed worker is reported down, and status exits 1.
  ASSERT_EQ(kill(launcher_->PidOf("segment-0"), SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] {
    httplib::Client c(rows["segment-0"]["url"].get<std::string>());
    return !c.Get("/healthz");
  }));
  rows = StatusRows("--data " + data_ + " --interval 0", 1);
  EXPECT_EQ(rows["segment-0"]["state"], "down") << rows["segment-0"].dump();
  EXPECT_EQ(rows["ingest"]["state"], "up");
  // An unreachable --connect address is down too.
  StatusRows("--connect 127.0.0.1:1 --interval 0 --timeout 0.5", 1);
}

TEST_F(OperatorTest, EveryServiceExposesValidPrometheusMetricsAndHealth) {
  RunSamplesBatch();
  std::map<std::string, std::string> urls;
  for (const auto& t : cli::DiscoverServices((fs::path(data_) / "run").string())) urls[t.instance] = t.url;
  ASSERT_EQ(urls.size(), 4u);
  for (const auto& [instance, url] : urls) {
    httplib::Client c(url);
    auto health = c.Get("/healthz");
    ASSERT_TRUE(health) << instance;
    EXPECT_EQ(health->status, 200) << instance << ": " << health->body;
    auto ready = c.Get("/readyz");
    ASSERT_TRUE(ready) << instance;
    EXPECT_EQ(ready->status, 200) << instance << ": " << ready->body;
  }
  const PromExposition ingest = Scrape(urls["ingest"]);
  EXPECT_EQ(ingest.Value("reportflow_ingest_documents_completed_total"), 5);
  EXPECT_EQ(ingest.Value("reportflow_ingest_documents_stored_total"), 5);
  EXPECT_EQ(ingest.Value("reportflow_ingest_files_scanned_total"), 5);
  EXPECT_EQ(ingest.Value("reportflow_ingest_batches_submitted_total"), 1);
  EXPECT_EQ(ingest.Value("reportflow_ingest_dispatches_total", {{"stage", "segment"}}), 5);
  EXPECT_EQ(ingest.Value("reportflow_ingest_dispatches_total", {{"stage", "extract"}}), 5);
  EXPECT_EQ(ingest.Value("reportflow_ingest_in_flight_documents"), 0);
  EXPECT_EQ(ingest.Value("reportflow_ingest_document_seconds_count"), 5);
  EXPECT_EQ(ingest.Find("reportflow_ingest_document_seconds")->type, "histogram");
  for (const char* stage : {"segment", "extract"}) {
    const PromExposition w = Scrape(urls[std::string(stage) + "-0"]);
    const std::string p = std::string("reportflow_") + stage + "_";
    EXPECT_EQ(w.Value(p + "documents_processed_total"), 5) << stage;
    EXPECT_EQ(w.Value(p + "documents_failed_total"), 0) << stage;
    EXPECT_EQ(w.Value(p + "processing_seconds_count"), 5) << stage;
  }
  const PromExposition agg = Scrape(urls["aggregate"]);
  EXPECT_EQ(agg.Value("reportflow_aggregate_documents_applied_total"), 5);
  EXPECT_EQ(agg.Value("reportflow_aggregate_apply_seconds_count"), 5);
}

// reportflow_units_missing on aggregate's /metrics, one series per county
// with township reports: the units of that county without a report for the
// latest year it has reports for, as `reportflow coverage` counts them from
// the gazetteer and the documents' resolved places.
TEST_F(OperatorTest, UnitsMissingGaugeAgreesWithCoverage) {
  RunSamplesBatch();
  std::map<std::string, std::string> urls;
  for (const auto& t : cli::DiscoverServices((fs::path(data_) / "run").string())) urls[t.instance] = t.url;
  std::string out;
  ASSERT_EQ(RunCommand(Reportflow() + " docs --data " + data_ + " --format jsonl", &out), 0) << out;
  std::map<std::string, int> latest_year;  // county code (12 digits) -> latest year with a township report
  for (const auto& line : Lines(out)) {
    const json d = json::parse(line);
    if (!d.contains("county_code") || d["county_code"].is_null() || !d.contains("township_code") ||
        d["township_code"].is_null() || !d.contains("year")) {
      continue;
    }
    int& y = latest_year[d["county_code"].get<std::string>()];
    y = std::max(y, d["year"].get<int>());
  }
  ASSERT_GE(latest_year.size(), 3u) << out;  // the samples lie in four counties; one is ambiguous
  const PromExposition agg = Scrape(urls["aggregate"]);
  const PromFamily* family = agg.Find("reportflow_units_missing");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->type, "gauge");
  std::set<std::string> seen;
  for (const PromSample& s : family->samples) {
    const std::string code = s.Label("region_code");
    ASSERT_TRUE(latest_year.count(code)) << "a county without township reports: " << code;
    seen.insert(code);
    std::string cov;
    ASSERT_EQ(RunCommand(Reportflow() + " coverage --data " + data_ + " --region " + code + " --year " +
                             std::to_string(latest_year[code]) + " --summary --format jsonl",
                         &cov),
              0)
        << cov;
    const json row = json::parse(Lines(cov).at(0));
    EXPECT_EQ(s.Label("region"), row["county"].get<std::string>());
    EXPECT_EQ(s.value, row["missing"].get<double>()) << code;
    EXPECT_GT(s.value, 0) << code;  // one township of each county filed, the others did not
  }
  EXPECT_EQ(seen.size(), latest_year.size());
}

class ReportTest : public PipelineFixture {};

TEST_F(ReportTest, ExplainShowsTheJourneyAndHighlightedSentences) {
  const std::string data = (dir_ / "data").string();
  RunBatch(Samples(), data);
  std::string doc;
  for (const auto& d : Query("docs", data)) {
    if (d["township"] == "花台乡") doc = d["doc_id"];
  }
  ASSERT_FALSE(doc.empty());
  std::string out;
  ASSERT_EQ(Cli("explain " + doc.substr(0, 10) + " --data " + data + " --color never", &out), 0) << out;
  EXPECT_NE(out.find("doc      " + doc), std::string::npos) << out;
  EXPECT_NE(out.find("journey  (ledger state complete, 1 attempt)"), std::string::npos) << out;
  for (const char* step : {"ingested", "dispatched", "segmented", "completed", "total"}) {
    EXPECT_NE(out.find("  " + std::string(step) + " "), std::string::npos) << step << "\n" << out;
  }
  EXPECT_NE(out.find("mediation.disputes_handled = 90 件"), std::string::npos) << out;
  EXPECT_NE(out.find("[[90余件]]"), std::string::npos) << out;
  EXPECT_EQ(out.find("\033["), std::string::npos);  // no colours when asked for none
  ASSERT_EQ(Cli("explain " + doc + " --data " + data + " --color always", &out), 0) << out;
  EXPECT_NE(out.find("\033[1;30;43m90余件\033[0m"), std::string::npos) << out;
  EXPECT_NE(Cli("explain ffffffffff --data " + data, &out), 0);
}

}  // namespace
}  // namespace reportflow::testing
