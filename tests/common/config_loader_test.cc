#include "common/config/config_loader.h"

#include <filesystem>

#include <fstream>

#include "common/config/yaml_limits.h"
#include "tests/testing/test_util.h"

namespace reportflow::config {
namespace {

TEST(ConfigLoaderTest, DefaultsAreValid) {
  PipelineConfig cfg = DefaultPipelineConfig("/data");
  ApplyDefaults(&cfg);
  EXPECT_OK(Validate(cfg));
  EXPECT_EQ(cfg.ingest().store_path(), "/data/ingest");
  EXPECT_EQ(cfg.endpoints().segment_work(), "ipc:///data/run/segment-work.sock");
  EXPECT_EQ(cfg.aggregate().scratch_dir(), "") << "empty: the scratch file goes beside aggregate's store";
}

TEST(ConfigLoaderTest, ParsesYamlAndKeepsUnsetDefaults) {
  testing::TempDir dir;
  const auto path = dir / "p.yaml";
  std::ofstream(path) << "data_dir: " << dir.path().string() << "\nlimits:\n  max_attempts: 7\n  lease_ms: 500\n"
                      << "endpoints:\n  ingest_control: tcp://127.0.0.1:5555\n"
                      << "security:\n  mode: plaintext\n";
  PipelineConfig cfg;
  ASSERT_OK(LoadPipelineConfig(path.string(), "", {"segment.worker_id=seg-9"}, &cfg));
  EXPECT_EQ(cfg.limits().max_attempts(), 7u);
  EXPECT_EQ(cfg.limits().lease_ms(), 500u);
  EXPECT_EQ(cfg.limits().worker_credits(), 128u);  // default kept
  EXPECT_EQ(cfg.aggregate().rollup_memory_mb(), 128u);
  EXPECT_EQ(cfg.endpoints().ingest_control(), "tcp://127.0.0.1:5555");
  EXPECT_EQ(cfg.segment().worker_id(), "seg-9");
}

TEST(ConfigLoaderTest, UnknownKeyIsAnErrorNamingIt) {
  PipelineConfig cfg;
  Status s = ParseYamlInto("limits:\n  max_atempts: 3\n", &cfg);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("limits.max_atempts"), std::string::npos) << s;
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s;
}

TEST(ConfigLoaderTest, InvalidUtf8IsAnError) {
  // Found by tests/fuzz/config_fuzzer: string values became proto strings
  // holding invalid UTF-8.
  PipelineConfig cfg;
  Status s = ParseYamlInto("data_dir: /srv/\xFF\xFEreportflow\n", &cfg);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not valid UTF-8 (byte 15)"), std::string::npos) << s.message();
  EXPECT_TRUE(ParseYamlInto("data_dir: /srv/报告\n", &cfg).ok());
  // Escapes that decode to a lone surrogate or a NUL.
  EXPECT_FALSE(ParseYamlInto("data_dir: \"/srv/\\uD800\"\n", &cfg).ok());
  s = ParseYamlInto("data_dir: \"/srv/a\\0b\"\n", &cfg);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'data_dir' (line 1) holds invalid UTF-8 or a control character"), std::string::npos)
      << s.message();
}

TEST(ConfigLoaderTest, ComplexKeyIsAnErrorNotACrash) {
  // Found by tests/fuzz/config_fuzzer: a YAML complex key threw out of the loader.
  PipelineConfig cfg;
  Status s = ParseYamlInto("endpoints:\n  ? {a: b}\n  : ipc:///x.sock\n", &cfg);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a plain name"), std::string::npos) << s.message();
}

TEST(ConfigLoaderTest, BadValuesAreErrors) {
  PipelineConfig cfg;
  EXPECT_FALSE(ParseYamlInto("limits:\n  max_attempts: -1\n", &cfg).ok());
  EXPECT_FALSE(ParseYamlInto("limits:\n  max_attempts: many\n", &cfg).ok());
  EXPECT_FALSE(ParseYamlInto("limits: 3\n", &cfg).ok());
  EXPECT_FALSE(ParseYamlInto("data_dir: [a, b]\n", &cfg).ok());
  cfg = DefaultPipelineConfig("/d");
  cfg.mutable_endpoints()->set_aggregate_input("http://x");
  EXPECT_FALSE(Validate(cfg).ok());
  cfg = DefaultPipelineConfig("/d");
  cfg.mutable_logging()->set_level("loud");
  EXPECT_FALSE(Validate(cfg).ok());
  EXPECT_FALSE(ApplyOverride("novalue", &cfg).ok());
  EXPECT_FALSE(ApplyOverride("segment.nope=1", &cfg).ok());
}

TEST(ConfigLoaderTest, SampleConfigInDeployIsValid) {
  PipelineConfig cfg;
  ASSERT_OK(LoadPipelineConfig((testing::SourceDir() / "deploy/config/pipeline.yaml").string(), "", {}, &cfg));
  EXPECT_EQ(cfg.data_dir(), "/var/lib/reportflow");
}

TEST(ConfigLoaderTest, YamlRoundTrip) {
  PipelineConfig cfg = DefaultPipelineConfig("/d");
  PipelineConfig back;
  ASSERT_OK(ParseYamlInto(ToYaml(cfg), &back));
  EXPECT_EQ(back.SerializeAsString(), cfg.SerializeAsString());
}

TEST(ConfigLoaderTest, TcpNeedsAnExplicitSecurityMode) {
  testing::TempDir dir;
  PipelineConfig cfg;
  Status s = LoadPipelineConfig("", dir.path().string(), {"endpoints.segment_work=tcp://10.0.0.1:5551"}, &cfg);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("endpoints.segment_work"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("security.mode"), std::string::npos) << s.message();
  EXPECT_OK(LoadPipelineConfig("", dir.path().string(),
                               {"endpoints.segment_work=tcp://10.0.0.1:5551", "security.mode=plaintext"}, &cfg));
  s = LoadPipelineConfig("", dir.path().string(), {"security.mode=curve"}, &cfg);
  EXPECT_NE(s.message().find("security.key_file"), std::string::npos) << s.message();
  s = LoadPipelineConfig("", dir.path().string(), {"security.mode=tls"}, &cfg);
  EXPECT_NE(s.message().find("curve or plaintext"), std::string::npos) << s.message();
}


// Issue 19 (config honesty): a limit written as 0, or an absurd one, was
// silently replaced by the default or accepted.
TEST(ConfigLoaderTest, ZeroAndAbsurdLimitsAreErrorsNotDefaults) {
  testing::TempDir dir;
  PipelineConfig cfg;
  for (const std::string key : {"max_attempts", "max_file_bytes", "lease_ms", "worker_credits", "max_in_flight",
                                "send_hwm", "stream_hwm", "drain_timeout_ms"}) {
    Status s = LoadPipelineConfig("", dir.path().string(), {"limits." + key + "=0"}, &cfg);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << key;
    EXPECT_NE(s.message().find("limits." + key + " is 0; it must be between"), std::string::npos) << s.message();
  }
  Status rollups = LoadPipelineConfig("", dir.path().string(), {"aggregate.rollup_memory_mb=0"}, &cfg);
  EXPECT_NE(rollups.message().find("aggregate.rollup_memory_mb is 0; it must be between 4 and"), std::string::npos)
      << rollups.message();
  Status s = LoadPipelineConfig("", dir.path().string(), {"limits.max_attempts=1000000"}, &cfg);
  EXPECT_NE(s.message().find("limits.max_attempts is 1000000; it must be between 1 and 100"), std::string::npos)
      << s.message();
  s = LoadPipelineConfig("", dir.path().string(), {"limits.max_attempts=-1"}, &cfg);
  EXPECT_NE(s.message().find("not a valid integer in range"), std::string::npos) << s.message();
  // The same in a file; an absent limit still takes its default.
  const auto path = dir / "zero.yaml";
  std::ofstream(path) << "limits:\n  lease_ms: 0\n";
  s = LoadPipelineConfig(path.string(), dir.path().string(), {}, &cfg);
  EXPECT_NE(s.message().find("limits.lease_ms is 0"), std::string::npos) << s.message();
  ASSERT_OK(LoadPipelineConfig("", dir.path().string(), {"limits.linger_ms=0"}, &cfg));  // 0 = drop on close
  EXPECT_EQ(cfg.limits().linger_ms(), 0u);
  EXPECT_EQ(cfg.limits().max_attempts(), 3u);
}

TEST(ConfigLoaderTest, DataDirCannotBeSetWithSet) {
  testing::TempDir dir;
  PipelineConfig cfg;
  Status s = LoadPipelineConfig("", dir.path().string(), {"data_dir=/"}, &cfg);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("data_dir cannot be set with --set; pass --data DIR"), std::string::npos) << s.message();
}

TEST(ConfigLoaderTest, RelativePathsThatLeaveTheDataDirAreRefused) {
  testing::TempDir dir;
  PipelineConfig cfg;
  for (const std::string& o : {std::string("ingest.store_path=../../x"), std::string("logging.file=../x.log"),
                               std::string("aggregate.store_path=a/../../b"), std::string("aggregate.scratch_dir=.."),
                               std::string("endpoints.ingest_acks=ipc://../acks.sock")}) {
    Status s = LoadPipelineConfig("", dir.path().string(), {o}, &cfg);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << o;
    EXPECT_NE(s.message().find("leaves the data dir; give an absolute path"), std::string::npos) << s.message();
  }
  // Inside the data dir, or absolute (the operator's explicit choice): fine.
  ASSERT_OK(LoadPipelineConfig("", dir.path().string(),
                               {"ingest.store_path=a/../b", "logging.file=logs/x.log", "aggregate.scratch_dir=tmp"}, &cfg));
  EXPECT_EQ(cfg.ingest().store_path(), (dir / "b").string());
  EXPECT_EQ(cfg.logging().file(), (dir / "logs/x.log").string());
  EXPECT_EQ(cfg.aggregate().scratch_dir(), (dir / "tmp").string());
  ASSERT_OK(LoadPipelineConfig("", dir.path().string(), {"ingest.store_path=/srv/elsewhere"}, &cfg));
  EXPECT_EQ(cfg.ingest().store_path(), "/srv/elsewhere");
}

// Issue 19 (a data dir is relocatable): pipeline.yaml held absolute paths, so
// a copy of a data dir wrote into the original.
TEST(ConfigLoaderTest, WrittenConfigIsRelativeAndMovesWithItsFolder) {
  testing::TempDir dir;
  const std::string original = (dir / "orig").string(), copy = (dir / "copy").string();
  std::filesystem::create_directories(copy);
  PipelineConfig cfg;
  ASSERT_OK(LoadPipelineConfig("", original, {"extract.taxonomy_path=/etc/tax.yaml"}, &cfg));
  const std::string yaml = ToYaml(RelativeToDataDir(cfg));
  EXPECT_EQ(yaml.find(original), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("/etc/tax.yaml"), std::string::npos) << "inputs outside the data dir stay absolute\n" << yaml;
  const auto path = std::filesystem::path(copy) / "pipeline.yaml";
  std::ofstream(path) << yaml;
  for (const std::string& override_dir : {std::string(), copy}) {
    PipelineConfig moved;
    ASSERT_OK(LoadPipelineConfig(path.string(), override_dir, {}, &moved));
    EXPECT_EQ(moved.data_dir(), copy);
    EXPECT_EQ(moved.ingest().store_path(), copy + "/ingest");
    EXPECT_EQ(moved.aggregate().store_path(), copy + "/aggregate");
    EXPECT_EQ(moved.endpoints().ingest_control(), "ipc://" + copy + "/run/ingest-control.sock");
    EXPECT_EQ(moved.DebugString().find(original), std::string::npos) << moved.DebugString();
  }
  // A pipeline.yaml of an older run (absolute paths) in a copied data dir:
  // paths under its recorded data_dir move to --data.
  std::ofstream(path) << ToYaml(cfg);
  PipelineConfig legacy;
  ASSERT_OK(LoadPipelineConfig(path.string(), copy, {}, &legacy));
  EXPECT_EQ(legacy.ingest().store_path(), copy + "/ingest");
  EXPECT_EQ(legacy.DebugString().find(original), std::string::npos) << legacy.DebugString();
}

// Issue 19: "billion laughs" in YAML cost hundreds of MB and seconds.
TEST(ConfigLoaderTest, AliasBombIsRefusedAndOrdinaryAliasesAreFine) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; prev = c, ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  Status s = CheckYamlExpansion(bomb);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("alias bomb"), std::string::npos) << s.message();
  PipelineConfig cfg;
  s = ParseYamlInto(bomb, &cfg);
  EXPECT_NE(s.message().find("alias bomb"), std::string::npos) << s.message();
  EXPECT_OK(CheckYamlExpansion("a: &x {k: v}\nb: *x\nc: [*x, *x]\n"));
  EXPECT_OK(CheckYamlExpansion(bomb, 20'000'000'000));  // the count itself is exact: 10^10 nodes and more
  EXPECT_FALSE(CheckYamlExpansion(": [unclosed").ok());
}

}  // namespace
}  // namespace reportflow::config
