// The manifests in deploy/ are parsed and checked against each other and
// against the config schema: every --set a manifest passes is a valid config
// key, every endpoint a worker connects to is served by a Service port, every
// workload runs a real service binary, and systemd accepts every unit.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "common/config/config_loader.h"
#include "tests/testing/test_util.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;

const std::set<std::string> kBinaries = {"reportflow-ingest", "reportflow-segment", "reportflow-extract",
                                         "reportflow-aggregate"};

// Applies a manifest's "--set=key=value" / "--set key=value" arguments to `cfg`
// and validates the result as the service would at start.
void ExpectValidServiceArgs(const std::vector<std::string>& args, config::PipelineConfig cfg, const std::string& who) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string assignment;
    if (args[i].rfind("--set=", 0) == 0) assignment = args[i].substr(6);
    else if (args[i] == "--set" && i + 1 < args.size()) assignment = args[++i];
    else continue;
    Status s = config::ApplyOverride(assignment, &cfg);
    EXPECT_TRUE(s.ok()) << who << ": " << s;
  }
  config::ApplyDefaults(&cfg);
  Status s = config::Validate(cfg);
  EXPECT_TRUE(s.ok()) << who << ": " << s;
}

// host:port of every tcp:// endpoint in a config.
std::set<std::string> TcpTargets(const config::PipelineConfig& cfg) {
  std::set<std::string> out;
  const auto* desc = cfg.endpoints().GetDescriptor();
  const auto* refl = cfg.endpoints().GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const std::string e = refl->GetString(cfg.endpoints(), desc->field(i));
    if (e.rfind("tcp://", 0) == 0) out.insert(e.substr(6));
  }
  return out;
}

TEST(DeployManifestsTest, KubernetesWorkloadsServicesAndConfigAgree) {
  const auto docs = YAML::LoadAllFromFile((SourceDir() / "deploy/kubernetes/reportflow.yaml").string());
  ASSERT_GE(docs.size(), 7u);
  std::map<std::string, YAML::Node> by_kind_name;
  config::PipelineConfig cfg;
  for (const auto& d : docs) {
    ASSERT_TRUE(d["apiVersion"] && d["kind"] && d["metadata"]["name"]) << YAML::Dump(d);
    const std::string kind = d["kind"].as<std::string>();
    by_kind_name[kind + "/" + d["metadata"]["name"].as<std::string>()] = d;
    if (kind != "Namespace") {
      EXPECT_EQ(d["metadata"]["namespace"].as<std::string>(), "reportflow");
    }
    if (kind == "ConfigMap") {
      ASSERT_OK(config::ParseYamlInto(d["data"]["pipeline.yaml"].as<std::string>(), &cfg));
    }
  }
  ASSERT_FALSE(cfg.data_dir().empty()) << "ConfigMap reportflow-config with pipeline.yaml missing";

  // Ports each Service exposes, as host:port with the cluster DNS name.
  std::set<std::string> served;
  std::vector<std::map<std::string, std::string>> service_selectors;
  for (const auto& [key, d] : by_kind_name) {
    if (d["kind"].as<std::string>() != "Service") continue;
    const std::string host = d["metadata"]["name"].as<std::string>() + ".reportflow.svc.cluster.local";
    for (const auto& p : d["spec"]["ports"]) served.insert(host + ":" + p["port"].as<std::string>());
    service_selectors.push_back(d["spec"]["selector"].as<std::map<std::string, std::string>>());
  }
  for (const auto& target : TcpTargets(cfg)) EXPECT_TRUE(served.count(target)) << target << " is served by no Service";

  int stateful = 0, workers = 0;
  for (const auto& [key, d] : by_kind_name) {
    const std::string kind = d["kind"].as<std::string>();
    if (kind != "StatefulSet" && kind != "Deployment") continue;
    const auto labels = d["spec"]["template"]["metadata"]["labels"].as<std::map<std::string, std::string>>();
    for (const auto& [k, v] : d["spec"]["selector"]["matchLabels"].as<std::map<std::string, std::string>>()) {
      EXPECT_EQ(labels.at(k), v) << key << ": selector does not match the pod labels";
    }
    const auto& container = d["spec"]["template"]["spec"]["containers"][0];
    ASSERT_TRUE(container["image"]) << key;
    const std::string binary = container["command"][0].as<std::string>();
    EXPECT_TRUE(kBinaries.count(binary)) << key << " runs unknown binary " << binary;
    ExpectValidServiceArgs(container["args"].as<std::vector<std::string>>(), cfg, key);
    std::set<std::string> volumes;
    for (const auto& v : d["spec"]["template"]["spec"]["volumes"]) volumes.insert(v["name"].as<std::string>());
    if (kind == "StatefulSet") {
      ++stateful;
      EXPECT_EQ(d["spec"]["replicas"].as<int>(), 1) << key << ": stable services run one replica";
      ASSERT_TRUE(d["spec"]["volumeClaimTemplates"]) << key << " has no persistent volume";
      for (const auto& t : d["spec"]["volumeClaimTemplates"]) volumes.insert(t["metadata"]["name"].as<std::string>());
      bool has_service = false;
      for (const auto& sel : service_selectors) has_service |= sel == labels;
      EXPECT_TRUE(has_service) << key << " has no Service selecting it";
    } else {
      ++workers;
      EXPECT_GE(d["spec"]["replicas"].as<int>(), 1) << key;
    }
    for (const auto& m : container["volumeMounts"]) {
      EXPECT_TRUE(volumes.count(m["name"].as<std::string>())) << key << " mounts undeclared volume " << m["name"];
    }
  }
  EXPECT_EQ(stateful, 2);
  EXPECT_EQ(workers, 2);
}

TEST(DeployManifestsTest, EveryTcpHopIsCurveAndKubernetesMountsTheKeys) {
  config::PipelineConfig compose_cfg;
  ASSERT_OK(config::ParseYamlInto(ReadFileOrDie(SourceDir() / "deploy/docker/pipeline.yaml"), &compose_cfg));
  EXPECT_EQ(compose_cfg.security().mode(), "curve");
  const auto docs = YAML::LoadAllFromFile((SourceDir() / "deploy/kubernetes/reportflow.yaml").string());
  std::set<std::string> secret_keys;
  int workloads_with_keys = 0;
  for (const auto& d : docs) {
    const std::string kind = d["kind"].as<std::string>();
    if (kind == "ConfigMap") {
      config::PipelineConfig cfg;
      ASSERT_OK(config::ParseYamlInto(d["data"]["pipeline.yaml"].as<std::string>(), &cfg));
      EXPECT_EQ(cfg.security().mode(), "curve");
    }
    if (kind == "Secret" && d["metadata"]["name"].as<std::string>() == "reportflow-curve") {
      for (const auto& kv : d["stringData"]) secret_keys.insert(kv.first.as<std::string>());
    }
    if (kind == "StatefulSet" || kind == "Deployment") {
      for (const auto& v : d["spec"]["template"]["spec"]["volumes"]) {
        if (v["secret"] && v["secret"]["secretName"].as<std::string>() == "reportflow-curve") {
          for (const auto& item : v["secret"]["items"]) {
            if (item["path"].as<std::string>() == "self.key") ++workloads_with_keys;
          }
        }
      }
    }
  }
  EXPECT_EQ(secret_keys, (std::set<std::string>{"server.key", "server.pub", "worker.key", "worker.pub", "operator.pub"}));
  EXPECT_EQ(workloads_with_keys, 4) << "every workload mounts its own secret key";
}

TEST(DeployManifestsTest, ComposeServicesUseValidConfig) {
  const auto compose = YAML::LoadFile((SourceDir() / "deploy/docker/compose.yaml").string());
  config::PipelineConfig cfg;
  ASSERT_OK(config::ParseYamlInto(ReadFileOrDie(SourceDir() / "deploy/docker/pipeline.yaml"), &cfg));
  std::set<std::string> declared_volumes;
  for (const auto& v : compose["volumes"]) declared_volumes.insert(v.first.as<std::string>());
  std::set<std::string> services;
  for (const auto& s : compose["services"]) services.insert(s.first.as<std::string>());
  for (const auto& target : TcpTargets(cfg)) {
    EXPECT_TRUE(services.count(target.substr(0, target.find(':')))) << target << " names no compose service";
  }
  for (const auto& s : compose["services"]) {
    const std::string name = s.first.as<std::string>();
    const auto& svc = s.second;
    ASSERT_TRUE(svc["image"]) << name;
    std::vector<std::string> words;
    std::istringstream in(svc["command"].as<std::string>());
    for (std::string w; in >> w;) words.push_back(w);
    ASSERT_FALSE(words.empty()) << name;
    EXPECT_TRUE(kBinaries.count(words[0])) << name << " runs unknown binary " << words[0];
    ExpectValidServiceArgs(words, cfg, "compose service " + name);
    for (const auto& v : svc["volumes"]) {
      const std::string spec = v.as<std::string>();
      const std::string source = spec.substr(0, spec.find(':'));
      if (source[0] != '.' && source[0] != '/' && source[0] != '$') {
        EXPECT_TRUE(declared_volumes.count(source)) << name << " uses undeclared volume " << source;
      }
    }
  }
  const std::string dockerfile = ReadFileOrDie(SourceDir() / "deploy/docker/Dockerfile");
  EXPECT_NE(dockerfile.find("scripts/install-deps.sh"), std::string::npos);
  EXPECT_TRUE(fs::exists(SourceDir() / "scripts/install-deps.sh"));
}

TEST(DeployManifestsTest, SystemdUnitsVerify) {
  std::string out;
  if (RunCommand("command -v systemd-analyze", &out) != 0) {
    GTEST_SKIP() << "systemd-analyze not installed (Debian package systemd; make test installs it)";
  }
  TempDir dir;
  int units = 0;
  for (const auto& entry : fs::directory_iterator(SourceDir() / "deploy/systemd")) {
    std::string text = ReadFileOrDie(entry.path());
    // Point ExecStart at the binaries of this build, which systemd checks exist.
    text = std::regex_replace(text, std::regex("/usr/local/bin/"), BinDir().string() + "/");
    std::ofstream(dir / entry.path().filename().string()) << text;
    ++units;
  }
  ASSERT_EQ(units, 5);
  for (const char* svc : {"ingest", "segment", "extract", "aggregate"}) {
    const std::string unit = (dir / (std::string("reportflow-") + svc + "@test.service")).string();
    const int rc = RunCommand("systemd-analyze verify " + unit + " 2>&1", &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(out, "") << "systemd-analyze warnings for " << svc << ":\n" << out;
  }
}

}  // namespace
}  // namespace reportflow::testing
