// deploy/monitoring checked the way Prometheus and Grafana read it: the alert
// rules and scrape config by promtool (with the rule unit tests), the
// dashboard's JSON; then the real services, started as `reportflow run` starts
// them and given a batch with a rejected file: every /metrics passes
// `promtool check metrics`, carries the process_* metrics and no label named
// `instance`, and exports every metric the rules and the dashboard name.
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "cli/control_client.h"
#include "cli/pipeline_launcher.h"
#include "cli/service_status.h"
#include "common/config/config_loader.h"
#include "tests/common/metrics/prometheus_strict_parser.h"
#include "tests/testing/test_util.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;

const fs::path kMonitoring = "deploy/monitoring";

bool HavePromtool() {
  std::string out;
  return RunCommand("command -v promtool", &out) == 0;
}
constexpr char kNoPromtool[] = "promtool is not installed (Debian package prometheus; make test installs it)";

TEST(MonitoringTest, RulesConfigAndRuleTestsPassPromtool) {
  if (!HavePromtool()) GTEST_SKIP() << kNoPromtool;
  const fs::path dir = SourceDir() / kMonitoring;
  std::string out;
  EXPECT_EQ(RunCommand("promtool check rules " + (dir / "alerts.yml").string() + " 2>&1", &out), 0) << out;
  EXPECT_EQ(RunCommand("promtool check config " + (dir / "prometheus.yml").string() + " 2>&1", &out), 0) << out;
  EXPECT_EQ(RunCommand("cd " + dir.string() + " && promtool test rules alerts_test.yml 2>&1", &out), 0) << out;
}

// reportflow_* and process_* names in PromQL text, histogram series folded into their family.
std::set<std::string> MetricNames(const std::string& promql) {
  static const std::regex kName(R"(\b((reportflow|process)_[a-z0-9_]+)\b)");
  static const std::regex kMatcherName(R"(reportflow_\((\w+(\|\w+)*)\)_(\w+))");  // {__name__=~"reportflow_(a|b)_x"}
  std::set<std::string> out;
  for (std::sregex_iterator it(promql.begin(), promql.end(), kMatcherName), end; it != end; ++it) {
    std::stringstream alts((*it)[1].str());
    for (std::string a; std::getline(alts, a, '|');) out.insert("reportflow_" + a + "_" + (*it)[3].str());
  }
  const std::string plain = std::regex_replace(promql, kMatcherName, "");
  for (std::sregex_iterator it(plain.begin(), plain.end(), kName), end; it != end; ++it) {
    std::string n = (*it)[1].str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (n.size() > s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0 && n.find("_seconds") != std::string::npos) {
        n.resize(n.size() - s.size());
      }
    }
    out.insert(n);
  }
  return out;
}

// Every expression of the rules and the dashboard.
std::vector<std::string> MonitoringExpressions() {
  std::vector<std::string> exprs;
  const auto rules = YAML::LoadFile((SourceDir() / kMonitoring / "alerts.yml").string());
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) exprs.push_back(rule["expr"].as<std::string>());
  }
  const auto dashboard = nlohmann::json::parse(ReadFileOrDie(SourceDir() / kMonitoring / "grafana-dashboard.json"));
  EXPECT_FALSE(dashboard["panels"].empty());
  for (const auto& panel : dashboard["panels"]) {
    EXPECT_TRUE(panel.contains("gridPos") && panel.contains("title")) << panel.dump();
    for (const auto& t : panel["targets"]) exprs.push_back(t["expr"]);
  }
  return exprs;
}

TEST(MonitoringTest, DashboardIsGrafanaJsonOverTheRulesJob) {
  const auto dashboard = nlohmann::json::parse(ReadFileOrDie(SourceDir() / kMonitoring / "grafana-dashboard.json"));
  EXPECT_EQ(dashboard["uid"], "reportflow-pipeline");
  std::set<int> ids;
  for (const auto& panel : dashboard["panels"]) {
    EXPECT_TRUE(ids.insert(panel["id"].get<int>()).second) << "panel id " << panel["id"] << " twice";
    EXPECT_EQ(panel["datasource"]["uid"], "${datasource}");
    ASSERT_FALSE(panel["targets"].empty()) << panel["title"];
    for (const auto& t : panel["targets"]) {
      EXPECT_NE(t["expr"].get<std::string>().find("job=\"$job\""), std::string::npos) << t["expr"];
    }
  }
  EXPECT_GE(ids.size(), 10u);
}

TEST(MonitoringTest, EveryServiceEndpointPassesPromtoolAndExportsWhatTheRulesName) {
  TempDir dir;
  const std::string data = (dir / "data").string();
  config::PipelineConfig cfg;
  ASSERT_OK(config::LoadPipelineConfig("", data, {}, &cfg));
  fs::create_directories(data);
  const std::string effective = (fs::path(data) / "pipeline.yaml").string();
  std::ofstream(effective) << config::ToYaml(cfg);
  cli::LaunchOptions options;
  options.bin_dir = BinDir().string();
  options.config_path = effective;
  ASSERT_OK_AND_ASSIGN(auto launcher, cli::PipelineLauncher::Start(cfg, options));
  const std::string run = (fs::path(data) / "run").string();
  std::vector<cli::ServiceTarget> targets;
  ASSERT_TRUE(WaitFor([&] {
    targets = cli::DiscoverServices(run);
    int ready = 0;
    for (const auto& t : targets) {
      if (t.url.empty()) continue;
      httplib::Client c(t.url);
      auto r = c.Get("/readyz");
      ready += r && r->status == 200;
    }
    return ready == 4;
  })) << "services did not become ready; logs in " << data << "/logs";

  // A batch with the samples and one empty file (a rejection).
  const fs::path inputs = dir / "inputs";
  fs::create_directories(inputs);
  fs::copy(SourceDir() / "samples/reports", inputs / "reports", fs::copy_options::recursive);
  std::ofstream(inputs / "empty.txt");
  cli::ControlClient client(cfg.endpoints().ingest_control(), cfg.limits());
  pipeline::v1::ControlRequest submit;
  submit.mutable_submit()->set_batch_id("monitoring");
  submit.mutable_submit()->add_paths(inputs.string());
  ASSERT_TRUE(client.Call(submit, std::chrono::milliseconds(10000)).ok());
  pipeline::v1::ControlRequest status;
  status.mutable_status()->set_batch_id("monitoring");
  ASSERT_TRUE(WaitFor([&] {
    auto s = client.Call(status, std::chrono::milliseconds(5000));
    return s.ok() && s->status().done();
  }));

  std::set<std::string> exported;
  ASSERT_EQ(targets.size(), 4u);
  for (const auto& t : targets) {
    httplib::Client c(t.url);
    auto res = c.Get("/metrics");
    ASSERT_TRUE(res && res->status == 200) << t.url;
    PromExposition e;
    std::string error;
    ASSERT_TRUE(PromStrictParser::Parse(res->body, &e, &error)) << t.instance << ": " << error;
    for (const auto& f : e.families) {
      exported.insert(f.name);
      for (const auto& s : f.samples) {
        EXPECT_EQ(s.Label("instance"), "") << t.instance << ": " << f.name << " has a label named instance";
      }
    }
    for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                             "process_open_fds", "process_max_fds", "process_start_time_seconds"}) {
      EXPECT_TRUE(e.Find(name)) << t.instance << " does not export " << name;
    }
    if (t.instance == "ingest") {
      EXPECT_EQ(e.Value("reportflow_ingest_files_rejected_total", {{"code", "empty"}}), 1) << res->body;
    }
    if (HavePromtool()) {
      const fs::path body = dir / (t.instance + ".prom");
      std::ofstream(body) << res->body;
      std::string out;
      EXPECT_EQ(RunCommand("promtool check metrics < " + body.string() + " 2>&1", &out), 0) << t.instance << ":\n" << out;
    }
  }
  for (const auto& expr : MonitoringExpressions()) {
    for (const auto& name : MetricNames(expr)) {
      EXPECT_TRUE(exported.count(name)) << name << " (in `" << expr << "`) is exported by no service";
    }
  }
  launcher->Stop(std::chrono::milliseconds(10000)).IgnoreError();
  if (!HavePromtool()) GTEST_SKIP() << kNoPromtool << "; the expositions passed the strict parser only";
}

}  // namespace
}  // namespace reportflow::testing
