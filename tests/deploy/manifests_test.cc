// The manifests in deploy/ are parsed and checked against each other and
// against the config schema: every --set a manifest passes is a valid config
// key, every endpoint a worker connects to is served by a Service port, every
// workload runs a real binary, and systemd accepts every unit. The Kubernetes
// overlays are built offline with `kubectl kustomize` and checked as applied.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "common/config/config_loader.h"
#include "common/service/service.h"
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

// `kubectl kustomize <dir>`: the manifests an overlay applies, offline.
// Empty (and the reason in *skip) without kubectl.
std::vector<YAML::Node> Kustomize(const fs::path& dir, std::string* skip) {
  std::string out;
  if (RunCommand("command -v kubectl", &out) != 0) {
    *skip = "kubectl is not installed (Debian package kubernetes-client; make test installs it)";
    return {};
  }
  TempDir tmp;
  const fs::path err = tmp / "stderr";
  const int rc = RunCommand("kubectl kustomize " + dir.string() + " 2>" + err.string(), &out);
  EXPECT_EQ(rc, 0) << ReadFileOrDie(err);  // stderr: deprecation warnings of newer kustomize, or the error
  return YAML::LoadAll(out);
}

// The Secrets `reportflow keygen --cluster` writes, by name, with their keys.
std::map<std::string, std::set<std::string>> KeygenSecrets(const fs::path& dir) {
  std::string out;
  EXPECT_EQ(RunCommand((BinDir() / "reportflow").string() + " keygen --cluster " + dir.string() + " 2>&1", &out), 0)
      << out;
  std::map<std::string, std::set<std::string>> secrets;
  for (const auto& d : YAML::LoadAllFromFile((dir / "kubernetes" / "secret.yaml").string())) {
    for (const auto& kv : d["stringData"]) {
      secrets[d["metadata"]["name"].as<std::string>()].insert(kv.first.as<std::string>());
    }
  }
  return secrets;
}

// The port a container serves HTTP on: --set=<svc>.http_listen=host:PORT or `serve --port PORT`.
int HttpPort(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].find(".http_listen=") != std::string::npos) return std::stoi(args[i].substr(args[i].rfind(':') + 1));
    if (args[i] == "--port" && i + 1 < args.size()) return std::stoi(args[i + 1]);
  }
  return -1;
}

class KustomizeTest : public ::testing::TestWithParam<std::string> {};

// Each overlay builds offline and runs as written: config, Services and
// workloads agree; every container is non-root on a read-only root filesystem
// with resources and probes on the port it serves; keys come from the Secrets
// keygen writes, readable by the service user; workers name themselves after
// their pod; ingest and aggregate share one data volume, which `serve` reads;
// ingest mounts the reports at /reports (deploy/README.md's `run --attach /reports`).
TEST_P(KustomizeTest, OverlayBuildsAndRunsAsWritten) {
  std::string skip;
  const auto docs = Kustomize(SourceDir() / "deploy/kubernetes/overlays" / GetParam(), &skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  ASSERT_GE(docs.size(), 8u);
  TempDir keys;
  const auto secrets = KeygenSecrets(keys / "keys");
  ASSERT_EQ(secrets.size(), 2u);

  std::map<std::string, YAML::Node> by_kind_name;
  config::PipelineConfig cfg;
  for (const auto& d : docs) {
    ASSERT_TRUE(d["apiVersion"] && d["kind"] && d["metadata"]["name"]) << YAML::Dump(d);
    const std::string kind = d["kind"].as<std::string>();
    by_kind_name[kind + "/" + d["metadata"]["name"].as<std::string>()] = d;
    if (kind != "Namespace") {
      EXPECT_EQ(d["metadata"]["namespace"].as<std::string>(), "reportflow");
    }
    if (kind == "ConfigMap") ASSERT_OK(config::ParseYamlInto(d["data"]["pipeline.yaml"].as<std::string>(), &cfg));
    EXPECT_NE(kind, "Secret") << "keys come from `reportflow keygen --cluster`, not from the manifests";
  }
  ASSERT_FALSE(cfg.data_dir().empty()) << "ConfigMap reportflow-config with pipeline.yaml missing";
  EXPECT_EQ(cfg.security().mode(), "curve");

  // Ports each Service exposes (short and cluster DNS names), and the pods they select.
  std::set<std::string> served;
  std::vector<std::map<std::string, std::string>> selectors;
  for (const auto& [key, d] : by_kind_name) {
    if (d["kind"].as<std::string>() != "Service") continue;
    const std::string name = d["metadata"]["name"].as<std::string>();
    for (const auto& p : d["spec"]["ports"]) {
      served.insert(name + ":" + p["port"].as<std::string>());
      served.insert(name + ".reportflow.svc.cluster.local:" + p["port"].as<std::string>());
    }
    selectors.push_back(d["spec"]["selector"].as<std::map<std::string, std::string>>());
  }
  for (const auto& target : TcpTargets(cfg)) EXPECT_TRUE(served.count(target)) << target << " is served by no Service";

  std::set<std::string> binaries_run;
  bool reports_for_ingest = false, serve_reads_stores = false;
  for (const auto& [key, d] : by_kind_name) {
    const std::string kind = d["kind"].as<std::string>();
    if (kind != "StatefulSet" && kind != "Deployment") continue;
    const auto& pod = d["spec"]["template"]["spec"];
    const auto labels = d["spec"]["template"]["metadata"]["labels"].as<std::map<std::string, std::string>>();
    for (const auto& [k, v] : d["spec"]["selector"]["matchLabels"].as<std::map<std::string, std::string>>()) {
      EXPECT_EQ(labels.at(k), v) << key << ": selector does not match the pod labels";
    }
    // Non-root, and volumes group-owned by the service user.
    const auto& psc = pod["securityContext"];
    ASSERT_TRUE(psc) << key << " has no pod securityContext";
    EXPECT_TRUE(psc["runAsNonRoot"].as<bool>()) << key;
    EXPECT_GT(psc["runAsUser"].as<int>(), 0) << key;
    EXPECT_EQ(psc["fsGroup"].as<int>(), psc["runAsGroup"].as<int>()) << key;
    std::map<std::string, YAML::Node> volumes;
    for (const YAML::Node& v : pod["volumes"]) volumes[v["name"].as<std::string>()] = v;
    for (const YAML::Node& t : d["spec"]["volumeClaimTemplates"]) volumes[t["metadata"]["name"].as<std::string>()] = t;
    for (const auto& [name, v] : volumes) {
      if (!v["secret"]) continue;
      const std::string secret = v["secret"]["secretName"].as<std::string>();
      ASSERT_TRUE(secrets.count(secret)) << key << " mounts Secret " << secret << ", which keygen does not write";
      const int mode = v["secret"]["defaultMode"].as<int>();
      EXPECT_EQ(mode & 0040, 0040) << key << ": Secret " << secret << " is not readable by the fsGroup";
      if (secret == "reportflow-curve") {
        EXPECT_EQ(mode & 0007, 0) << key << ": secret keys readable by others";
      }
      for (const auto& item : v["secret"]["items"]) {
        EXPECT_TRUE(secrets.at(secret).count(item["key"].as<std::string>()))
            << key << " mounts " << item["key"] << ", which keygen --cluster does not write";
      }
    }
    bool has_service = false;
    for (const auto& sel : selectors) has_service |= sel == labels;
    if (kind == "StatefulSet") {
      EXPECT_EQ(d["spec"]["replicas"].as<int>(), 1) << key << ": stable services run one replica";
      EXPECT_TRUE(has_service) << key << " has no Service selecting it";
    } else {
      EXPECT_GE(d["spec"]["replicas"].as<int>(), 1) << key;
    }
    std::map<std::string, std::string> data_mounts;  // binary -> volume at the data dir
    for (const auto& c : pod["containers"]) {
      const std::string who = key + "/" + c["name"].as<std::string>();
      ASSERT_TRUE(c["image"]) << who;
      const std::string binary = c["command"][0].as<std::string>();
      EXPECT_TRUE(kBinaries.count(binary) || binary == "reportflow") << who << " runs unknown binary " << binary;
      binaries_run.insert(binary);
      const auto args = c["args"].as<std::vector<std::string>>();
      if (binary != "reportflow") ExpectValidServiceArgs(args, cfg, who);
      for (const char* r : {"requests", "limits"}) {
        EXPECT_TRUE(c["resources"][r]["cpu"] && c["resources"][r]["memory"]) << who << " has no " << r;
      }
      const auto& sc = c["securityContext"];
      ASSERT_TRUE(sc) << who << " has no securityContext";
      EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>()) << who;
      EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>()) << who;
      const int port = HttpPort(args);
      ASSERT_GT(port, 0) << who << " serves no HTTP endpoint";
      for (const char* probe : {"readinessProbe", "livenessProbe"}) {
        ASSERT_TRUE(c[probe]) << who << " has no " << probe;
        EXPECT_EQ(c[probe]["httpGet"]["port"].as<int>(), port) << who << ": " << probe << " on another port";
      }
      // $(POD_NAME) in the args must come from the downward API.
      bool pod_name_env = false;
      for (const auto& e : c["env"]) {
        pod_name_env |= e["name"].as<std::string>() == "POD_NAME" &&
                        e["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>() == "metadata.name";
      }
      for (const auto& a : args) {
        if (a.find("$(POD_NAME)") != std::string::npos) {
          EXPECT_TRUE(pod_name_env) << who << ": " << a;
        }
      }
      if (binary == "reportflow-segment" || binary == "reportflow-extract") {
        const std::string stage = binary.substr(sizeof("reportflow-") - 1);
        EXPECT_NE(std::find(args.begin(), args.end(), "--set=" + stage + ".worker_id=$(POD_NAME)"), args.end())
            << who << ": every replica must have its own instance name";
      }
      bool tmp = false;
      for (const auto& m : c["volumeMounts"]) {
        const std::string vol = m["name"].as<std::string>();
        EXPECT_TRUE(volumes.count(vol)) << who << " mounts undeclared volume " << vol;
        const std::string path = m["mountPath"].as<std::string>();
        tmp |= path == "/tmp";
        if (path == cfg.data_dir()) data_mounts[binary] = vol;
        if (path == "/reports" && binary == "reportflow-ingest") reports_for_ingest = true;
      }
      EXPECT_TRUE(tmp) << who << ": a read-only root filesystem needs a writable /tmp";
    }
    if (data_mounts.count("reportflow")) {
      serve_reads_stores = data_mounts.count("reportflow-ingest") && data_mounts.count("reportflow-aggregate") &&
                           data_mounts["reportflow"] == data_mounts["reportflow-ingest"] &&
                           data_mounts["reportflow"] == data_mounts["reportflow-aggregate"];
    }
  }
  EXPECT_EQ(binaries_run, (std::set<std::string>{"reportflow", "reportflow-ingest", "reportflow-segment",
                                                 "reportflow-extract", "reportflow-aggregate"}));
  EXPECT_TRUE(reports_for_ingest) << "the ingest container has no /reports mount";
  EXPECT_TRUE(serve_reads_stores) << "serve, ingest and aggregate do not share one data volume";
}

INSTANTIATE_TEST_SUITE_P(Overlays, KustomizeTest, ::testing::Values("single-host", "multi-host"));

TEST(DeployManifestsTest, OverlaysDifferAsTheirNamesSay) {
  std::string skip;
  const auto single = Kustomize(SourceDir() / "deploy/kubernetes/overlays/single-host", &skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  const auto multi = Kustomize(SourceDir() / "deploy/kubernetes/overlays/multi-host", &skip);
  auto find = [](const std::vector<YAML::Node>& docs, const std::string& kind, const std::string& name) -> YAML::Node {
    for (const auto& d : docs) {
      if (d["kind"].as<std::string>() == kind && d["metadata"]["name"].as<std::string>() == name) return d;
    }
    return YAML::Node();
  };
  auto reports_volume = [&](const std::vector<YAML::Node>& docs) -> YAML::Node {
    for (const auto& v : find(docs, "StatefulSet", "reportflow-stable")["spec"]["template"]["spec"]["volumes"]) {
      if (v["name"].as<std::string>() == "reports") return v;
    }
    return YAML::Node();
  };
  // One host: the reports are a directory of the node; several: a claim every node can fill.
  EXPECT_TRUE(reports_volume(single)["hostPath"].IsMap());
  EXPECT_FALSE(find(single, "PersistentVolumeClaim", "reportflow-reports").IsMap());
  ASSERT_TRUE(reports_volume(multi)["persistentVolumeClaim"].IsMap());
  const auto claim = find(multi, "PersistentVolumeClaim", "reportflow-reports");
  ASSERT_TRUE(claim.IsMap());
  EXPECT_EQ(claim["spec"]["accessModes"][0].as<std::string>(), "ReadWriteMany");
  for (const char* worker : {"reportflow-segment", "reportflow-extract"}) {
    const auto m = find(multi, "Deployment", worker);
    EXPECT_TRUE(m["spec"]["template"]["spec"]["topologySpreadConstraints"]) << worker << " is not spread over hosts";
    EXPECT_GT(m["spec"]["replicas"].as<int>(), find(single, "Deployment", worker)["spec"]["replicas"].as<int>());
  }
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
    // A command string, or ["sh", "-c", "exec ..."] where the shell expands $HOSTNAME.
    std::string command;
    if (svc["command"].IsSequence()) {
      const auto argv = svc["command"].as<std::vector<std::string>>();
      ASSERT_EQ(argv.size(), 3u) << name;
      EXPECT_EQ(argv[0] + " " + argv[1], "sh -c") << name;
      ASSERT_EQ(argv[2].rfind("exec ", 0), 0u) << name;
      command = argv[2].substr(5);
    } else {
      command = svc["command"].as<std::string>();
    }
    std::vector<std::string> words;
    std::istringstream in(command);
    for (std::string w; in >> w;) words.push_back(w);
    ASSERT_FALSE(words.empty()) << name;
    EXPECT_TRUE(kBinaries.count(words[0]) || words[0] == "reportflow") << name << " runs unknown binary " << words[0];
    if (words[0] != "reportflow") ExpectValidServiceArgs(words, cfg, "compose service " + name);
    if (words[0] == "reportflow-segment" || words[0] == "reportflow-extract") {
      EXPECT_NE(command.find(".worker_id=$$HOSTNAME"), std::string::npos) << name << ": replicas need their own names";
    }
    for (const auto& v : svc["volumes"]) {
      const std::string spec = v.as<std::string>();
      const std::string source = spec.substr(0, spec.find(':'));
      if (source[0] != '.' && source[0] != '/' && source[0] != '$') {
        EXPECT_TRUE(declared_volumes.count(source)) << name << " uses undeclared volume " << source;
      }
    }
  }
  // ingest, aggregate and serve share one data volume: one query path over both stores.
  std::set<std::string> data_volume_users;
  for (const auto& s : compose["services"]) {
    for (const auto& v : s.second["volumes"]) {
      if (v.as<std::string>().rfind("data:/var/lib/reportflow", 0) == 0) data_volume_users.insert(s.first.as<std::string>());
    }
  }
  EXPECT_EQ(data_volume_users, (std::set<std::string>{"ingest", "aggregate", "serve"}));
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

// A service that exits because its disk is full or because the same failure
// keeps coming back is not restarted by `reportflow run` (a restart cannot
// help, and ingest's leases would run out on the documents in flight meanwhile);
// the systemd units say the same, with the codes the services use.
TEST(DeployManifestsTest, SystemdUnitsDoNotRestartWhatARestartCannotFix) {
  const std::set<std::string> codes = {std::to_string(service::kExitNoSpace),
                                       std::to_string(service::kExitPersistentFailure)};
  for (const char* svc : {"ingest", "segment", "extract", "aggregate"}) {
    const std::string text =
        ReadFileOrDie(SourceDir() / "deploy/systemd" / (std::string("reportflow-") + svc + "@.service"));
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex("\\nRestartPreventExitStatus=([^\\n]*)")))
        << svc << ": no RestartPreventExitStatus";
    std::set<std::string> listed;
    const std::string value = m[1].str();
    const std::regex number("[0-9]+");
    for (std::sregex_iterator it(value.begin(), value.end(), number), end; it != end; ++it) {
      listed.insert(it->str());
    }
    EXPECT_EQ(listed, codes) << svc;
    EXPECT_NE(text.find("\nRestart=on-failure\n"), std::string::npos) << svc;
  }
}

}  // namespace
}  // namespace reportflow::testing
