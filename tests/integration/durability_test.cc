// Durability (issue 19): each attack an adversarial operator tried, reproduced
// against the real binaries, with the behaviour that now holds.
//   - file names are bytes: a non-UTF-8 name no longer poisons the ledger, a
//     name with a newline or escape codes cannot forge report lines, GBK zip
//     entry names are decoded as the zip's flags say;
//   - one owner per data dir: a second run fails at once; services die with a
//     SIGKILLed run; a signal never aborts run;
//   - a data dir is relocatable: a copy is independent of its original;
//   - config honesty: zero or absurd limits, data_dir through --set, paths
//     leaving the data dir, worker counts, alias bombs, symlinks out of the
//     input tree and file modes.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/pipeline_fixture.h"
#include "tests/testing/processes.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;

// A stored (uncompressed) zip whose entries carry raw name bytes and, per
// entry, the UTF-8 flag (general-purpose bit 11) or not: what zip tools on
// Chinese Windows write (GBK names, no flag) beside modern ones (UTF-8, flag).
struct ZipEntry {
  std::string name;  // raw bytes
  bool utf8_flag;
  std::string data;
};

uint32_t Crc32(const std::string& s) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string StoredZip(const std::vector<ZipEntry>& entries) {
  auto u16 = [](std::string* o, uint16_t v) { o->push_back(static_cast<char>(v & 0xFF)); o->push_back(static_cast<char>(v >> 8)); };
  auto u32 = [&](std::string* o, uint32_t v) { u16(o, static_cast<uint16_t>(v & 0xFFFF)); u16(o, static_cast<uint16_t>(v >> 16)); };
  std::string out, central;
  for (const auto& e : entries) {
    const uint32_t offset = static_cast<uint32_t>(out.size());
    const uint16_t flags = e.utf8_flag ? 0x0800 : 0;
    const uint32_t crc = Crc32(e.data), size = static_cast<uint32_t>(e.data.size());
    u32(&out, 0x04034b50); u16(&out, 20); u16(&out, flags); u16(&out, 0); u16(&out, 0); u16(&out, 0x21);
    u32(&out, crc); u32(&out, size); u32(&out, size); u16(&out, static_cast<uint16_t>(e.name.size())); u16(&out, 0);
    out += e.name + e.data;
    u32(&central, 0x02014b50); u16(&central, 20); u16(&central, 20); u16(&central, flags); u16(&central, 0);
    u16(&central, 0); u16(&central, 0x21); u32(&central, crc); u32(&central, size); u32(&central, size);
    u16(&central, static_cast<uint16_t>(e.name.size())); u16(&central, 0); u16(&central, 0); u16(&central, 0);
    u16(&central, 0); u32(&central, 0); u32(&central, offset);
    central += e.name;
  }
  const uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += central;
  u32(&out, 0x06054b50); u16(&out, 0); u16(&out, 0); u16(&out, static_cast<uint16_t>(entries.size()));
  u16(&out, static_cast<uint16_t>(entries.size())); u32(&out, static_cast<uint32_t>(central.size()));
  u32(&out, cd_offset); u16(&out, 0);
  return out;
}

bool HasControlCharacter(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

class DurabilityTest : public PipelineFixture {
 protected:
  // A batch that ran to its end: exit 0, or the non-zero code `run` gives a
  // batch with rejected or quarantined inputs (not 1, failure, nor 2, usage).
  static void ExpectBatchEnded(int rc, const std::string& out) {
    EXPECT_NE(out.find(" complete in "), std::string::npos) << out;
    EXPECT_TRUE(rc != 1 && rc != 2 && rc < 128) << "exit " << rc << "\n" << out;
  }
  std::string Sample(int i) const {
    for (const auto& e : fs::directory_iterator(Samples())) {
      if (e.path().filename().string().rfind("00" + std::to_string(i) + "_", 0) == 0) return ReadFileOrDie(e.path());
    }
    ADD_FAILURE() << "no sample " << i;
    return "";
  }
  // A run of the samples that stays busy: segment waits on every document.
  std::string SlowRun(const std::string& data) const {
    return Reportflow() + " run " + Samples() + " --data " + data +
           " --quiet --set fault_injection.stage=segment --set fault_injection.mode=delay"
           " --set fault_injection.delay_ms=600000 --set fault_injection.source_substring=_ >/dev/null 2>&1";
  }
  // Every file under `dir` with its size and modification time.
  static std::map<std::string, std::pair<uintmax_t, int64_t>> Tree(const fs::path& dir) {
    std::map<std::string, std::pair<uintmax_t, int64_t>> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      struct stat st {};
      ::stat(e.path().c_str(), &st);
      out[e.path().string()] = {static_cast<uintmax_t>(st.st_size),
                                static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
    }
    return out;
  }
};

// 1. Paths are bytes.
TEST_F(DurabilityTest, NonUtf8AndControlCharacterNamesNeitherPoisonTheLedgerNorForgeLines) {
  const fs::path in = dir_ / "in";
  fs::create_directories(in);
  std::ofstream(in / "\xFF.txt") << Sample(0);                                // not UTF-8
  std::ofstream(in / "evil\n    - forged.txt: fake\x1B[2J.bin") << "\x01\x02\x03 binary";  // rejected, so listed
  std::ofstream(in / "报告.txt") << Sample(1);
  const std::string data = (dir_ / "data").string();
  std::string out;
  ExpectBatchEnded(Cli("run " + in.string() + " --data " + data + " --quiet --timeout 120", &out), out);
  for (const auto& line : Lines(out)) {
    EXPECT_EQ(line.rfind("    - forged", 0), std::string::npos) << "a file name forged a report line:\n" << out;
    EXPECT_EQ(line.find('\x1B'), std::string::npos) << "an escape code reached the terminal:\n" << out;
  }
  EXPECT_NE(out.find("evil\\x0A    - forged.txt: fake\\x1B[2J.bin: "), std::string::npos) << out;
  // The ledger stays readable by every command.
  const auto docs = Query("docs", data);
  ASSERT_EQ(docs.size(), 2u);
  std::set<std::string> sources;
  for (const auto& d : docs) {
    const std::string source = d["source"].get<std::string>();
    EXPECT_FALSE(HasControlCharacter(source)) << source;
    sources.insert(fs::path(source).filename().string());
    EXPECT_EQ(d["status"].get<std::string>(), "complete") << source;
  }
  EXPECT_EQ(sources, (std::set<std::string>{"\\xFF.txt", "报告.txt"}));
  EXPECT_EQ(Query("quarantine list", data).size(), 0u);
  ASSERT_EQ(Cli("report --data " + data + " --out " + (dir_ / "r.html").string(), &out), 0) << out;
  ASSERT_EQ(Cli("quarantine replay --all --data " + data, &out), 0) << out;
}

TEST_F(DurabilityTest, ZipEntryNamesAreDecodedAsTheZipsFlagsSay) {
  const fs::path in = dir_ / "in";
  fs::create_directories(in);
  const std::string gbk_name = "\xB1\xA8\xB8\xE6\xB6\xFE.txt";  // 报告二.txt in GBK, no UTF-8 flag
  std::ofstream(in / "batch.zip", std::ios::binary)
      << StoredZip({{gbk_name, false, Sample(2)}, {"报告一.txt", true, Sample(3)}, {"plain.txt", false, Sample(4)}});
  const std::string data = (dir_ / "data").string();
  std::string out;
  ASSERT_EQ(Cli("run " + in.string() + " --data " + data + " --quiet --timeout 120", &out), 0) << out;
  std::set<std::string> entries;
  for (const auto& d : Query("docs", data)) {
    const std::string source = d["source"].get<std::string>();
    entries.insert(source.substr(source.find("!/") + 2));
  }
  EXPECT_EQ(entries, (std::set<std::string>{"报告二.txt", "报告一.txt", "plain.txt"})) << out;
}

// 5. One owner per data dir; services die with their launcher; no abort on a signal.
TEST_F(DurabilityTest, OneRunPerDataDirAndServicesDieWithAKilledRun) {
  const std::string data = (dir_ / "data").string();
  const pid_t first = Spawn(SlowRun(data));
  ASSERT_TRUE(WaitFor([&] { return ProcessesMentioning(data + "/pipeline.yaml").size() >= 4; }))
      << "the services of the first run did not start";
  std::string out;
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = Cli("run " + Samples() + " --data " + data + " --quiet --timeout 60", &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("is in use by another reportflow process (pid " + std::to_string(first) + ")"), std::string::npos)
      << out;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30)) << "the second run must fail at once";

  ASSERT_EQ(kill(first, SIGKILL), 0);
  EXPECT_EQ(Wait(first), 128 + SIGKILL);
  EXPECT_TRUE(WaitFor([&] { return ProcessesMentioning(data + "/pipeline.yaml").empty(); }))
      << "services outlived their run";
  // The lock died with its holder: the data dir is usable again, and resumes.
  ASSERT_EQ(Cli("run " + Samples() + " --data " + data + " --quiet --timeout 120", &out), 0) << out;
  EXPECT_EQ(CompleteDocuments(data), 5);
}

TEST_F(DurabilityTest, ASignalDuringAControlCallStopsRunCleanly) {
  const std::string data = (dir_ / "data").string();
  const pid_t run = Spawn(Reportflow() + " run " + Samples() + " --data " + data +
                          " --set fault_injection.stage=segment --set fault_injection.mode=delay"
                          " --set fault_injection.delay_ms=600000 --set fault_injection.source_substring=_"
                          " --set limits.drain_timeout_ms=1000 > " +
                          (dir_ / "out.txt").string() + " 2>&1");
  // run polls ingest's control socket almost all the time: the signal lands in that call.
  ASSERT_TRUE(WaitFor([&] { return ProcessesMentioning(data + "/pipeline.yaml").size() >= 4; }));
  ASSERT_TRUE(WaitFor([&] { return ReadFileOrDie(dir_ / "out.txt").find("reportflow: batch") != std::string::npos; }));
  ASSERT_EQ(kill(run, SIGTERM), 0);
  EXPECT_EQ(Wait(run), 128 + SIGTERM);
  const std::string out = ReadFileOrDie(dir_ / "out.txt");
  EXPECT_NE(out.find("INTERRUPTED"), std::string::npos) << out;
  EXPECT_EQ(out.find("zmq::error_t"), std::string::npos) << out;
  EXPECT_TRUE(WaitFor([&] { return ProcessesMentioning(data + "/pipeline.yaml").empty(); }));
}

// 6. A copied data dir is independent of its original.
TEST_F(DurabilityTest, CommandsOnACopiedDataDirWriteOnlyIntoTheCopy) {
  const fs::path original = dir_ / "original", copy = dir_ / "copy";
  std::string out;
  ExpectBatchEnded(Cli("run " + Samples() + " --data " + original.string() +
                           " --quiet --timeout 120 --set fault_injection.stage=segment --set fault_injection.mode=error"
                           " --set fault_injection.source_substring=002_ --set limits.max_attempts=1",
                       &out),
                   out);
  const std::string yaml = ReadFileOrDie(original / "pipeline.yaml");
  EXPECT_EQ(yaml.find(original.string()), std::string::npos) << "pipeline.yaml names its own folder:\n" << yaml;
  // The copy an operator makes (cp -r): folders and files; socket files left
  // by the stopped services are not data.
  for (const auto& e : fs::recursive_directory_iterator(original)) {
    const fs::path target = copy / e.path().lexically_relative(original);
    if (e.is_directory()) fs::create_directories(target);
    if (e.is_regular_file()) fs::copy_file(e.path(), target);
  }
  const auto before = Tree(original);
  ASSERT_EQ(Cli("quarantine replay --all --data " + copy.string(), &out), 0) << out;
  EXPECT_NE(out.find("1 document(s) released"), std::string::npos) << out;
  ASSERT_EQ(Cli("reextract --data " + copy.string(), &out), 0) << out;
  EXPECT_EQ(Tree(original), before) << "a command on the copy changed the original";
  EXPECT_EQ(Query("quarantine list", original.string()).size(), 1u);
  EXPECT_EQ(Query("quarantine list", copy.string()).size(), 0u);
}

// 8. Config honesty.
TEST_F(DurabilityTest, ZeroAbsurdAndEscapingSettingsAreErrors) {
  const std::string data = (dir_ / "data").string();
  const std::pair<std::string, std::string> cases[] = {
      {"--set limits.max_attempts=0", "limits.max_attempts is 0; it must be between 1 and 100"},
      {"--set limits.max_file_bytes=0", "limits.max_file_bytes is 0"},
      {"--set limits.lease_ms=0", "limits.lease_ms is 0"},
      {"--set limits.worker_credits=0", "limits.worker_credits is 0"},
      {"--set limits.max_in_flight=0", "limits.max_in_flight is 0"},
      {"--set limits.max_attempts=1000000", "limits.max_attempts is 1000000"},
      {"--set data_dir=/", "data_dir cannot be set with --set; pass --data DIR"},
      {"--set ingest.store_path=../../x", "ingest.store_path '../../x' leaves the data dir"},
      {"--set logging.file=../x.log", "logging.file '../x.log' leaves the data dir"},
  };
  for (const auto& [flags, message] : cases) {
    std::string out;
    EXPECT_EQ(Cli("run " + Samples() + " --data " + data + " --quiet " + flags, &out), 2) << flags << "\n" << out;
    EXPECT_NE(out.find(message), std::string::npos) << flags << "\n" << out;
  }
  EXPECT_FALSE(fs::exists(dir_ / "x")) << "nothing was written outside the data dir";
  EXPECT_FALSE(fs::exists(dir_ / "x.log"));
  std::string out;
  EXPECT_EQ(Cli("run " + Samples() + " --data " + data + " --quiet --segment-workers 1000000", &out), 1) << out;
  EXPECT_NE(out.find("--segment-workers 1000000 exceeds"), std::string::npos) << out;
  EXPECT_NE(out.find("pass --force"), std::string::npos) << out;
  EXPECT_TRUE(ProcessesMentioning(data + "/pipeline.yaml").empty()) << "no service was started";
}

TEST_F(DurabilityTest, StoresAndLogsArePrivateAndAnAliasBombTaxonomyIsRefused) {
  const std::string data = (dir_ / "data").string();
  RunBatch(Samples(), data);
  auto mode = [](const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  };
  for (const char* store : {"ingest", "segment", "extract", "aggregate", "logs"}) {
    EXPECT_EQ(mode(fs::path(data) / store), 0700u) << store;
  }
  EXPECT_EQ(mode(fs::path(data)), 0700u);
  for (const auto& e : fs::directory_iterator(fs::path(data) / "logs")) EXPECT_EQ(mode(e.path()), 0600u) << e.path();
  for (const auto& e : fs::directory_iterator(fs::path(data) / "ingest")) {
    EXPECT_EQ(mode(e.path()) & 077, 0u) << e.path();
  }

  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
    bomb += "]\n";
  }
  std::ofstream(dir_ / "bomb.yaml") << bomb;
  std::string out;
  EXPECT_EQ(Cli("reextract --data " + data + " --taxonomy " + (dir_ / "bomb.yaml").string(), &out), 2) << out;
  EXPECT_NE(out.find("taxonomy: YAML aliases expand to more than"), std::string::npos) << out;
}

TEST_F(DurabilityTest, SymlinksLeavingTheInputTreeAreNotFollowedUnlessAllowed) {
  const fs::path in = dir_ / "in", outside = dir_ / "outside";
  fs::create_directories(in);
  fs::create_directories(outside);
  std::ofstream(outside / "secret.txt") << Sample(0);
  std::ofstream(in / "inside.txt") << Sample(1);
  fs::create_symlink(outside / "secret.txt", in / "to-outside.txt");
  fs::create_symlink(in / "inside.txt", in / "to-inside.txt");  // a duplicate of inside.txt
  std::string out;
  const std::string data = (dir_ / "data").string();
  ExpectBatchEnded(Cli("run " + in.string() + " --data " + data + " --quiet --timeout 120", &out), out);
  EXPECT_NE(out.find("to-outside.txt: symlink to "), std::string::npos) << out;
  EXPECT_NE(out.find("secret.txt leads outside the input"), std::string::npos) << out;
  EXPECT_EQ(CompleteDocuments(data), 1);
  const std::string allowed = (dir_ / "allowed").string();
  ExpectBatchEnded(Cli("run " + in.string() + " --data " + allowed + " --quiet --timeout 120"
                       " --set ingest.follow_external_symlinks=true", &out),
                   out);
  EXPECT_EQ(CompleteDocuments(allowed), 2) << out;
}

}  // namespace
}  // namespace reportflow::testing
