// The walking pipeline end to end: four processes, ZeroMQ, RocksDB, real samples.
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "common/storage/store.h"
#include "common/text/encoding.h"
#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class PipelineTest : public PipelineFixture {};

TEST_F(PipelineTest, SamplesEndToEnd) {
  const std::string data = (dir_ / "data").string();
  std::string out;
  ASSERT_EQ(Cli("run " + Samples() + " --data " + data + " --quiet --timeout 120", &out), 0) << out;
  EXPECT_NE(out.find("documents          5"), std::string::npos) << out;

  auto docs = Query("docs", data);
  ASSERT_EQ(docs.size(), 5u);
  std::set<std::string> townships;
  for (const auto& d : docs) {
    EXPECT_EQ(d["status"], "complete") << d.dump();
    EXPECT_EQ(d["doc_id"].get<std::string>().size(), 32u);
    if (d["township"].is_string()) townships.insert(d["township"].get<std::string>());
  }
  EXPECT_EQ(townships, (std::set<std::string>{"花台乡", "娘子神乡", "柱山乡", "大桥瑶族乡", "东关镇"}));

  auto metrics = Query("metrics", data);
  bool found = false;
  for (const auto& m : metrics) {
    for (const char* field : {"doc_id", "source", "township", "year", "metric", "subject", "value", "unit", "approx",
                              "kind", "text", "span", "section"}) {
      ASSERT_TRUE(m.contains(field)) << field << " missing in " << m.dump();
    }
    if (m["township"] == "花台乡" && m["value"] == 90 && m["unit"] == "件" && m["approx"] == "more_than") {
      EXPECT_NE(m["subject"].get<std::string>().find("调解矛盾纠纷"), std::string::npos) << m.dump();
      EXPECT_EQ(m["year"], 2023);
      // The span points at the quoted text in the stored document.
      EXPECT_LT(m["span"][0].get<int>(), m["span"][1].get<int>());
      found = true;
    }
  }
  EXPECT_TRUE(found) << "花台乡 调解矛盾纠纷 90 件 more_than not extracted";

  auto aggregates = Query("aggregates", data);
  bool township_row = false;
  for (const auto& a : aggregates) {
    if (a["level"] == "township" && a["region"] == "花台乡" && a["metric"] == "mediation.disputes_handled") {
      EXPECT_EQ(a["sum"], 90);
      EXPECT_EQ(a["documents"], 1);
      township_row = true;
    }
  }
  EXPECT_TRUE(township_row);
}

TEST_F(PipelineTest, RerunningTheSameBatchCreatesNoDuplicates) {
  const std::string data = (dir_ / "data").string();
  RunBatch(Samples(), data);
  const auto docs1 = Query("docs", data);
  const auto metrics1 = Query("metrics", data);
  const auto aggs1 = Query("aggregates", data);
  std::string out;
  ASSERT_EQ(Cli("run " + Samples() + " --data " + data + " --quiet --timeout 120", &out), 0) << out;
  EXPECT_NE(out.find("(5 already complete"), std::string::npos) << out;
  EXPECT_NE(out.find("processed          0"), std::string::npos) << out;
  EXPECT_EQ(Query("docs", data), docs1);
  EXPECT_EQ(Query("metrics", data), metrics1);
  EXPECT_EQ(Query("aggregates", data), aggs1);
}

TEST_F(PipelineTest, AggregatesFiltersSelectExactlyTheMatchingRows) {
  const std::string data = (dir_ / "data").string();
  RunBatch(Samples(), data);
  const auto all = Query("aggregates", data);
  ASSERT_FALSE(all.empty());
  // Every filter keeps exactly the rows of the unfiltered output that match it.
  auto expect = [&](const std::string& args, const std::function<bool(const json&)>& keep) {
    std::vector<json> want;
    for (const auto& r : all) {
      if (keep(r)) want.push_back(r);
    }
    EXPECT_FALSE(want.empty()) << args;
    EXPECT_EQ(Query("aggregates " + args, data), want) << args;
  };
  expect("--by county", [](const json& r) { return r["level"] == "county"; });
  expect("--metric mediation.", [](const json& r) { return r["metric"].get<std::string>().rfind("mediation.", 0) == 0; });
  expect("--region 花台乡", [](const json& r) { return r["region"] == "花台乡"; });
  expect("--year 2023 --by township", [](const json& r) { return r["year"] == 2023 && r["level"] == "township"; });
  std::string out;
  ASSERT_EQ(Cli("aggregates --data " + data + " --by county --format csv", &out), 0) << out;
  // CSV starts with a UTF-8 byte order mark (Excel reads the Chinese as UTF-8).
  EXPECT_EQ(Lines(out).front().rfind("\xEF\xBB\xBFlevel,region,year,metric,", 0), 0u) << out;
  EXPECT_NE(Cli("aggregates --data " + data + " --by galaxy", &out), 0);
}

TEST_F(PipelineTest, Gb18030CopyHasTheSameIdAndMetrics) {
  const fs::path original = fs::path(Samples()) / "000_dcd7630493403724.txt";
  const std::string utf8 = ReadFileOrDie(original);
  auto gb = text::ConvertFromUtf8(utf8, "GB18030");
  ASSERT_TRUE(gb.ok());
  fs::create_directories(dir_ / "gb");
  std::ofstream(dir_ / "gb/report-gb18030.txt", std::ios::binary) << *gb;

  const std::string data_utf8 = (dir_ / "d1").string(), data_gb = (dir_ / "d2").string();
  RunBatch(original.string(), data_utf8);
  RunBatch((dir_ / "gb").string(), data_gb);
  const auto docs_utf8 = Query("docs", data_utf8), docs_gb = Query("docs", data_gb);
  ASSERT_EQ(docs_utf8.size(), 1u);
  ASSERT_EQ(docs_gb.size(), 1u);
  EXPECT_EQ(docs_utf8[0]["doc_id"], docs_gb[0]["doc_id"]);
  auto strip_source = [](std::vector<json> v) {
    for (auto& m : v) m.erase("source");
    return v;
  };
  const auto m1 = strip_source(Query("metrics", data_utf8));
  EXPECT_FALSE(m1.empty());
  EXPECT_EQ(m1, strip_source(Query("metrics", data_gb)));

  // Both copies in one batch: one document, the other reported as a duplicate.
  std::string out;
  ASSERT_EQ(Cli("run " + original.string() + " " + (dir_ / "gb").string() + " --data " + (dir_ / "d3").string() +
                    " --quiet --timeout 120", &out), 0) << out;
  EXPECT_NE(out.find("documents          1"), std::string::npos) << out;
  EXPECT_NE(out.find("1 duplicates"), std::string::npos) << out;
}

TEST_F(PipelineTest, BadFilesAreRejectedWithReasonsAndTheBatchGoesOn) {
  fs::create_directories(dir_ / "in");
  fs::copy_file(fs::path(Samples()) / "003_1c944b72cf063491.txt", dir_ / "in/good.txt");
  std::ofstream(dir_ / "in/empty.txt") << "";
  std::ofstream(dir_ / "in/image.txt", std::ios::binary) << std::string("\x89PNG\r\n\x1a\n\0\0\0\0IHDR", 16);
  std::string out;
  // Exit 3: the batch completed, but not every input became a document (cli/exit_codes.h).
  ASSERT_EQ(Cli("run " + (dir_ / "in").string() + " --data " + (dir_ / "data").string() + " --quiet --timeout 120",
                &out), 3) << out;
  EXPECT_NE(out.find("files found        3"), std::string::npos) << out;
  EXPECT_NE(out.find("rejected           2"), std::string::npos) << out;
  EXPECT_NE(out.find("empty.txt: empty file"), std::string::npos) << out;
  EXPECT_NE(out.find("image.txt: binary content"), std::string::npos) << out;
  EXPECT_EQ(Query("docs", (dir_ / "data").string()).size(), 1u);
}

TEST_F(PipelineTest, ReextractWithAChangedTaxonomyReplacesWithoutDoubleCounting) {
  const std::string data = (dir_ / "data").string();
  RunBatch(Samples(), data);
  const auto before = Query("aggregates", data);
  auto total_count = [](const std::vector<json>& rows, const std::string& level) {
    uint64_t n = 0;
    for (const auto& r : rows) {
      if (r["level"] == level) n += r["mentions"].get<uint64_t>();
    }
    return n;
  };
  ASSERT_GT(total_count(before, "township"), 0u);
  // The operator renames the mediation metrics.
  std::string yaml = ReadFileOrDie(SourceDir() / "deploy/config/taxonomy.yaml");
  size_t renamed = 0;
  for (size_t pos = 0; (pos = yaml.find("id: mediation.", pos)) != std::string::npos; ++renamed) {
    yaml.replace(pos, 14, "id: disputes.");
  }
  ASSERT_GT(renamed, 0u);
  std::ofstream(dir_ / "taxonomy.yaml") << yaml;
  std::string out;
  ASSERT_EQ(Cli("reextract --data " + data + " --taxonomy " + (dir_ / "taxonomy.yaml").string(), &out), 0) << out;
  const auto after = Query("aggregates", data);
  bool has_new = false;
  for (const auto& r : after) {
    EXPECT_EQ(r["metric"].get<std::string>().rfind("mediation.", 0), std::string::npos) << r.dump();
    has_new |= r["metric"].get<std::string>().rfind("disputes.", 0) == 0;
  }
  EXPECT_TRUE(has_new);
  for (const char* level : {"township", "county", "province"}) {
    EXPECT_EQ(total_count(after, level), total_count(before, level)) << level;
  }
  // Back to the built-in taxonomy: exactly the original rollups.
  ASSERT_EQ(Cli("reextract --data " + data, &out), 0) << out;
  EXPECT_EQ(Query("aggregates", data), before);
  // ... checkpointed, so readers load them rather than derive them again
  // (common/storage/README.md: the mark equals the stream sequence).
  auto store = storage::OpenRocksDbStore((fs::path(data) / "aggregate").string(), {"meta"}, storage::OpenMode::kReadOnly);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::string mark, sequence;
  ASSERT_TRUE((*store)->Get("meta", "rollups_checkpoint", &mark).ok());
  ASSERT_TRUE((*store)->Get("meta", "stream_sequence", &sequence).ok());
  EXPECT_EQ(mark, sequence);
}

TEST_F(PipelineTest, DataDirInsideAnInputIsRefused) {
  fs::create_directories(dir_ / "in");
  fs::copy_file(fs::path(Samples()) / "003_1c944b72cf063491.txt", dir_ / "in/good.txt");
  std::string out;
  EXPECT_EQ(Cli("run " + (dir_ / "in").string() + " --data " + (dir_ / "in/data").string() + " --quiet", &out), 2);
  EXPECT_NE(out.find("is inside the input"), std::string::npos) << out;
}

TEST_F(PipelineTest, BadConfigIsAClearError) {
  std::ofstream(dir_ / "bad.yaml") << "limits:\n  max_atempts: 3\n";
  std::string out;
  EXPECT_EQ(Cli("run " + Samples() + " --data " + (dir_ / "data").string() + " --config " + (dir_ / "bad.yaml").string(),
                &out), 2);
  EXPECT_NE(out.find("unknown config key 'limits.max_atempts'"), std::string::npos) << out;
}

}  // namespace
}  // namespace reportflow::testing
