// Durability of the stores (issue 19, items 2 and 3): each store knows what it
// should hold.
//   - each stage's store (ingest, segment, extract, aggregate) deleted or
//     damaged in turn (directory deleted; bytes flipped in the middle of a WAL
//     or of a table file; MANIFEST garbled; CURRENT garbled): `run` again
//     either rebuilds it and ends with the documents and aggregates of an
//     uninterrupted run, or stops with exit != 0 and a message naming the
//     store. Never exit 0 with missing results;
//   - `reextract` refuses to report success with missing segmentations;
//   - with a slow extract stage, the summary, the ledger and `quarantine list`
//     agree on what is quarantined, and `quarantine replay` (twice, and
//     `--all` after a later run) double-counts nothing.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;

constexpr int kDocs = 40;

std::vector<std::string> Sorted(std::vector<nlohmann::json> records) {
  std::vector<std::string> lines;
  for (auto& r : records) {
    r.erase("attempts");  // delivery history, not results
    r.erase("error");
    lines.push_back(r.dump());
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// The largest file of `dir` whose name ends with `suffix` (or starts with it, for MANIFEST).
fs::path LargestFile(const fs::path& dir, const std::string& pattern) {
  fs::path best;
  uintmax_t best_size = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const bool match = pattern == "MANIFEST" ? name.rfind("MANIFEST-", 0) == 0
                                             : name.size() > pattern.size() &&
                                                   name.compare(name.size() - pattern.size(), pattern.size(), pattern) == 0;
    if (match && e.file_size() > best_size) {
      best = e.path();
      best_size = e.file_size();
    }
  }
  return best;
}

// Copies the folders and regular files of `from` (not the sockets of a data dir's run/).
void CopyTree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& e : fs::recursive_directory_iterator(from)) {
    const fs::path target = to / fs::relative(e.path(), from);
    if (e.is_directory()) {
      fs::create_directories(target);
    } else if (e.is_regular_file()) {
      fs::copy_file(e.path(), target);
    }
  }
}

// Overwrites `n` bytes in the middle of `file` with their complement.
void FlipMiddle(const fs::path& file, size_t n = 16) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << file;
  f.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(f.tellg());
  ASSERT_GT(size, 2 * n) << file;
  std::string bytes(n, '\0');
  f.seekg(static_cast<std::streamoff>(size / 2));
  f.read(bytes.data(), static_cast<std::streamsize>(n));
  for (char& c : bytes) c = static_cast<char>(~c);
  f.seekp(static_cast<std::streamoff>(size / 2));
  f.write(bytes.data(), static_cast<std::streamsize>(n));
}

class DurabilityStoreTest : public PipelineFixture {
 protected:
  static void SetUpTestSuite() {
    corpus_ = new TempDir();
    const fs::path in = corpus_->path() / "in";
    fs::create_directories(in);
    std::vector<std::string> samples;
    for (const auto& e : fs::directory_iterator(SourceDir() / "samples/reports")) {
      if (e.path().extension() == ".txt") samples.push_back(ReadFileOrDie(e.path()));
    }
    ASSERT_FALSE(samples.empty());
    std::sort(samples.begin(), samples.end());
    for (int i = 0; i < kDocs; ++i) {
      std::ofstream(in / ("r" + std::to_string(i) + ".txt"))
          << samples[i % samples.size()] << "\n附注：本报告第" << i << "号副本。\n";
    }
  }
  static void TearDownTestSuite() {
    delete corpus_;
    corpus_ = nullptr;
  }
  static std::string Input() { return (corpus_->path() / "in").string(); }

  struct Result {
    std::vector<std::string> docs, aggregates;
  };
  Result Collect(const std::string& data) { return {Sorted(Query("docs", data)), Sorted(Query("aggregates", data))}; }

  int RunAgain(const std::string& data, std::string* out, const std::string& extra = "") {
    return Cli("run " + Input() + " --data " + data + " --quiet --timeout 240" + extra, out);
  }

  static TempDir* corpus_;
};
TempDir* DurabilityStoreTest::corpus_ = nullptr;

// 2. Lost or damaged stores are detected, and rebuilt or named.
TEST_F(DurabilityStoreTest, EachStoreDeletedOrDamagedIsRebuiltOrNamed) {
  // Two prepared data dirs: after one run the results are in the stores'
  // write-ahead logs; a second run (which opens each store, replaying and
  // flushing its log into a table file) leaves them in table files.
  const std::string fresh = (dir_ / "fresh").string(), tabled = (dir_ / "tabled").string();
  std::string out;
  ASSERT_EQ(RunAgain(fresh, &out), 0) << out;
  const Result ref = Collect(fresh);
  ASSERT_EQ(ref.docs.size(), static_cast<size_t>(kDocs));
  ASSERT_FALSE(ref.aggregates.empty());
  CopyTree(fresh, tabled);
  ASSERT_EQ(RunAgain(tabled, &out), 0) << out;
  EXPECT_NE(out.find(std::to_string(kDocs) + " already complete"), std::string::npos) << out;

  const std::vector<std::string> damages = {"delete", "wal", "sst", "manifest", "current"};
  int case_no = 0;
  for (const char* store : {"segment", "extract", "aggregate", "ingest"}) {
    for (const std::string& damage : damages) {
      SCOPED_TRACE(std::string(store) + " store: " + damage);
      const std::string data = (dir_ / ("case" + std::to_string(case_no++))).string();
      CopyTree(damage == "sst" ? tabled : fresh, data);
      fs::remove_all(fs::path(data) / "logs");
      const fs::path store_dir = fs::path(data) / store;
      if (damage == "delete") {
        fs::remove_all(store_dir);
      } else if (damage == "wal") {
        const fs::path wal = LargestFile(store_dir, ".log");
        ASSERT_FALSE(wal.empty()) << "no write-ahead log in " << store_dir;
        FlipMiddle(wal);
      } else if (damage == "sst") {
        const fs::path sst = LargestFile(store_dir, ".sst");
        ASSERT_FALSE(sst.empty()) << "no table file in " << store_dir;
        FlipMiddle(sst);
      } else if (damage == "manifest") {
        const fs::path manifest = LargestFile(store_dir, "MANIFEST");
        ASSERT_FALSE(manifest.empty()) << store_dir;
        FlipMiddle(manifest, 8);
      } else {
        std::ofstream(store_dir / "CURRENT", std::ios::trunc | std::ios::binary) << "\x13garbled\x00\x7f";
      }
      const int rc = RunAgain(data, &out);
      if (rc == 0) {
        // Rebuilt: the results of an uninterrupted run, and the summary says what happened.
        const Result got = Collect(data);
        EXPECT_TRUE(got.docs == ref.docs) << out;
        EXPECT_TRUE(got.aggregates == ref.aggregates) << out;
        if (std::string(store) != "ingest") {
          EXPECT_NE(out.find("reprocessed        " + std::to_string(kDocs) + " documents"), std::string::npos) << out;
          EXPECT_NE(out.find(std::string(store) + " store "), std::string::npos) << out;
        }
      } else {
        // Stopped: never quietly, and the message names the store.
        EXPECT_NE(out.find(store_dir.string()), std::string::npos) << "exit " << rc << ":\n" << out;
        EXPECT_NE(out.find("damaged"), std::string::npos) << out;
      }
      // Downstream stores are always rebuilt; only ingest's may stop the batch.
      if (std::string(store) != "ingest") {
        EXPECT_EQ(rc, 0) << out;
      } else if (damage != "delete") {
        EXPECT_NE(rc, 0) << out;
      }
      fs::remove_all(data);
    }
  }
}

// `reextract` does not report success when segmentations are missing.
TEST_F(DurabilityStoreTest, ReextractRefusesMissingSegmentations) {
  const std::string data = (dir_ / "data").string();
  std::string out;
  ASSERT_EQ(RunAgain(data, &out), 0) << out;
  ASSERT_EQ(Cli("reextract --data " + data, &out), 0) << out;
  fs::remove_all(fs::path(data) / "segment");
  EXPECT_EQ(Cli("reextract --data " + data, &out), 1) << out;
  EXPECT_TRUE(out.find(std::to_string(kDocs) + " complete documents have no stored segmentation") != std::string::npos ||
              out.find("no segment store under " + data) != std::string::npos)
      << out;
  // `run` rebuilds them; then reextract works again.
  ASSERT_EQ(RunAgain(data, &out), 0) << out;
  EXPECT_NE(out.find("reprocessed        " + std::to_string(kDocs) + " documents"), std::string::npos) << out;
  ASSERT_EQ(Cli("reextract --data " + data, &out), 0) << out;
  EXPECT_NE(out.find("re-extracted " + std::to_string(kDocs) + " documents"), std::string::npos) << out;
}

// 3. A slow extract stage: documents quarantined while their extraction still
// runs. Summary, ledger and `quarantine list` agree; the late results are
// ignored; replay is idempotent and a later run double-counts nothing.
TEST_F(DurabilityStoreTest, QuarantineCountsAgreeAndReplayIsIdempotent) {
  const std::string ref_data = (dir_ / "ref").string(), data = (dir_ / "slow").string();
  std::string out;
  ASSERT_EQ(RunAgain(ref_data, &out), 0) << out;
  const Result ref = Collect(ref_data);
  // Extraction of r1, r10..r19 takes 1.5 s, the lease is 0.5 s, one attempt.
  const std::string slow =
      " --set fault_injection.stage=extract --set fault_injection.mode=delay --set fault_injection.delay_ms=1500"
      " --set fault_injection.source_substring=/in/r1 --set limits.lease_ms=500 --set limits.max_attempts=1";
  EXPECT_EQ(RunAgain(data, &out, slow), 4) << out;  // quarantined documents (cli/exit_codes.h)
  const std::string key = "  quarantined        ";
  const size_t at = out.find(key);
  ASSERT_NE(at, std::string::npos) << out;
  const int summary = std::stoi(out.substr(at + key.size()));
  int ledger = 0;
  for (const auto& d : Query("docs", data)) ledger += d["status"] == "quarantined";
  const size_t listed = Query("quarantine list", data).size();
  EXPECT_GT(summary, 0) << out;
  EXPECT_EQ(summary, ledger) << out;
  EXPECT_EQ(static_cast<size_t>(ledger), listed) << out;

  // Replay twice: the second releases nothing and is no error.
  ASSERT_EQ(Cli("quarantine replay --all --data " + data, &out), 0) << out;
  EXPECT_NE(out.find(std::to_string(ledger) + " document(s) released"), std::string::npos) << out;
  std::string one;
  for (const auto& line : Lines(out)) {
    if (line.rfind("released ", 0) == 0) one = line.substr(std::string("released ").size());
  }
  ASSERT_FALSE(one.empty()) << out;
  ASSERT_EQ(Cli("quarantine replay --all --data " + data, &out), 0) << out;
  EXPECT_NE(out.find("0 document(s) released"), std::string::npos) << out;
  ASSERT_EQ(Cli("quarantine replay --data " + data + " " + one, &out), 0) << out;
  EXPECT_NE(out.find("not quarantined"), std::string::npos) << out;
  EXPECT_TRUE(Query("quarantine list", data).empty());

  // A run without the slowdown processes them: the results of an uninterrupted run.
  ASSERT_EQ(RunAgain(data, &out), 0) << out;
  Result got = Collect(data);
  EXPECT_TRUE(got.docs == ref.docs) << out;
  EXPECT_TRUE(got.aggregates == ref.aggregates) << out;
  // Replay after that later run: nothing to release, and still nothing counted twice.
  ASSERT_EQ(Cli("quarantine replay --all --data " + data, &out), 0) << out;
  EXPECT_NE(out.find("0 document(s) released"), std::string::npos) << out;
  ASSERT_EQ(RunAgain(data, &out), 0) << out;
  EXPECT_NE(out.find(std::to_string(kDocs) + " already complete"), std::string::npos) << out;
  got = Collect(data);
  EXPECT_TRUE(got.docs == ref.docs);
  EXPECT_TRUE(got.aggregates == ref.aggregates);
}

}  // namespace
}  // namespace reportflow::testing
