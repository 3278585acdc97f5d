// `reportflow keygen`: the files hold a matching Z85 CURVE key pair, the
// secret is mode 0600, and existing keys are kept unless --force; with
// --cluster, every pair of a deployment, the allow-list, the Kubernetes
// Secrets and the compose env file, consistent with each other.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>
#include <zmq.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "tests/testing/test_util.h"

namespace reportflow::testing {
namespace {

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(KeygenTest, WritesMatchingPairWithPrivateSecret) {
  ASSERT_TRUE(zmq_has("curve")) << "libzmq without CURVE";
  TempDir dir;
  std::string out;
  const std::string cmd = (BinDir() / "reportflow").string() + " keygen --out " + (dir / "keys").string() +
                          " --name worker";
  ASSERT_EQ(RunCommand(cmd, &out), 0) << out;
  const std::string pub = FirstLine(ReadFileOrDie(dir / "keys" / "worker.pub"));
  const std::string sec = FirstLine(ReadFileOrDie(dir / "keys" / "worker.key"));
  ASSERT_EQ(pub.size(), 40u);
  ASSERT_EQ(sec.size(), 40u);
  char derived[41] = {};
  ASSERT_EQ(zmq_curve_public(derived, sec.c_str()), 0);
  EXPECT_EQ(pub, std::string(derived));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "keys" / "worker.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  EXPECT_NE(RunCommand(cmd + " 2>/dev/null", &out), 0);  // kept without --force
  EXPECT_EQ(FirstLine(ReadFileOrDie(dir / "keys" / "worker.key")), sec);
  ASSERT_EQ(RunCommand(cmd + " --force", &out), 0) << out;
  EXPECT_NE(FirstLine(ReadFileOrDie(dir / "keys" / "worker.key")), sec);
}

std::string Mode(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "missing";
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", st.st_mode & 07777);
  return buf;
}

TEST(KeygenTest, ClusterWritesEveryKeyTheAllowListAndTheSecrets) {
  ASSERT_TRUE(zmq_has("curve")) << "libzmq without CURVE";
  TempDir dir;
  const std::filesystem::path keys = dir / "cluster";
  const std::string cmd = (BinDir() / "reportflow").string() + " keygen --cluster " + keys.string() +
                          " --services ingest,aggregate --clients segment,extract,operator";
  std::string out;
  ASSERT_EQ(RunCommand(cmd, &out), 0) << out;
  EXPECT_NE(out.find("ingest, aggregate"), std::string::npos) << out;
  std::map<std::string, std::string> pub;
  for (const char* name : {"server", "segment", "extract", "operator"}) {
    const std::string sec = FirstLine(ReadFileOrDie(keys / (std::string(name) + ".key")));
    pub[name] = FirstLine(ReadFileOrDie(keys / (std::string(name) + ".pub")));
    char derived[41] = {};
    ASSERT_EQ(zmq_curve_public(derived, sec.c_str()), 0) << name;
    EXPECT_EQ(pub[name], std::string(derived)) << name;
    EXPECT_EQ(Mode(keys / (std::string(name) + ".key")), "0600") << name;
    // The allow-list holds every public key (aggregate connects to ingest with the server pair).
    EXPECT_EQ(FirstLine(ReadFileOrDie(keys / "clients" / (std::string(name) + ".pub"))), pub[name]) << name;
  }
  std::set<std::string> pairs;
  for (const auto& [name, key] : pub) pairs.insert(key);
  EXPECT_EQ(pairs.size(), 4u) << "every pair is its own";
  size_t allowed = 0;
  for (const auto& e : std::filesystem::directory_iterator(keys / "clients")) allowed += e.path().extension() == ".pub";
  EXPECT_EQ(allowed, 4u);

  // The Secrets hold the same keys, in the names deploy/kubernetes mounts.
  EXPECT_EQ(Mode(keys / "kubernetes" / "secret.yaml"), "0600");
  std::map<std::string, YAML::Node> secrets;
  for (const auto& d : YAML::LoadAllFromFile((keys / "kubernetes" / "secret.yaml").string())) {
    EXPECT_EQ(d["kind"].as<std::string>(), "Secret");
    EXPECT_EQ(d["metadata"]["namespace"].as<std::string>(), "reportflow");
    secrets[d["metadata"]["name"].as<std::string>()] = d["stringData"];
  }
  ASSERT_EQ(secrets.size(), 2u);
  for (const auto& [name, key] : pub) {
    EXPECT_EQ(secrets["reportflow-curve"][name + ".pub"].as<std::string>(), key + "\n") << name;
    EXPECT_EQ(secrets["reportflow-curve"][name + ".key"].as<std::string>(),
              ReadFileOrDie(keys / (name + ".key"))) << name;
    EXPECT_EQ(secrets["reportflow-curve-clients"][name + ".pub"].as<std::string>(), key + "\n") << name;
    EXPECT_FALSE(secrets["reportflow-curve-clients"][name + ".key"]) << "a secret key in the allow-list";
  }
  const std::string env = ReadFileOrDie(keys / "compose.env");
  EXPECT_NE(env.find("REPORTFLOW_KEYS=" + std::filesystem::absolute(keys).lexically_normal().string() + "\n"),
            std::string::npos) << env;

  // Nothing is overwritten without --force; with it, every key is new.
  EXPECT_NE(RunCommand(cmd + " 2>&1", &out), 0);
  EXPECT_NE(out.find("exists"), std::string::npos) << out;
  EXPECT_EQ(FirstLine(ReadFileOrDie(keys / "server.pub")), pub["server"]);
  ASSERT_EQ(RunCommand(cmd + " --force", &out), 0) << out;
  EXPECT_NE(FirstLine(ReadFileOrDie(keys / "server.pub")), pub["server"]);
}

TEST(KeygenTest, ClusterRejectsBadNamesAndMissingMode) {
  TempDir dir;
  const std::string bin = (BinDir() / "reportflow").string();
  std::string out;
  EXPECT_EQ(RunCommand(bin + " keygen --cluster " + (dir / "k").string() + " --clients server 2>&1", &out), 2);
  EXPECT_NE(out.find("not \"server\""), std::string::npos) << out;
  EXPECT_EQ(RunCommand(bin + " keygen --cluster " + (dir / "k").string() + " --clients a,a 2>&1", &out), 2) << out;
  EXPECT_EQ(RunCommand(bin + " keygen --cluster " + (dir / "k").string() + " --clients ../x 2>&1", &out), 2) << out;
  EXPECT_FALSE(std::filesystem::exists(dir / "k")) << "nothing written on a usage error";
  EXPECT_EQ(RunCommand(bin + " keygen 2>&1", &out), 2);
  EXPECT_NE(out.find("--cluster DIR"), std::string::npos) << out;
}

}  // namespace
}  // namespace reportflow::testing
