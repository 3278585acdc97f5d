#include "common/config/config_loader.h"

#include <fstream>

#include "tests/testing/test_util.h"

namespace reportflow::config {
namespace {

TEST(ConfigLoaderTest, DefaultsAreValid) {
  PipelineConfig cfg = DefaultPipelineConfig("/data");
  ApplyDefaults(&cfg);
  EXPECT_OK(Validate(cfg));
  EXPECT_EQ(cfg.ingest().store_path(), "/data/ingest");
  EXPECT_EQ(cfg.endpoints().segment_work(), "ipc:///data/run/segment-work.sock");
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
  EXPECT_EQ(cfg.limits().worker_credits(), 16u);  // default kept
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

}  // namespace
}  // namespace reportflow::config
