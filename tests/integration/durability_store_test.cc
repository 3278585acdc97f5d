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
//     `--all` after a later run) double-counts nothing;
//   - a quarantined document never contributes: quarantined after aggregate
//     counted it (aggregate killed between commit and ack) or while its
//     extraction still ran, `docs` and `aggregates` equal a run without it;
//     replayed, it counts again, once;
//   - records lost inside a store that still opens (the tail of aggregate's
//     write-ahead log cut off) are found by the store's document count and
//     processed again;
//   - a document acknowledged to a restarted ingest has its extract store
//     recorded: losing that store later sends it through again.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <signal.h>

#include "tests/integration/pipeline_fixture.h"
#include "tests/testing/processes.h"

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

// The complete documents' records, sources reduced to file names (a reference
// run reads the same files from another folder).
std::vector<std::string> CompleteDocs(const std::vector<nlohmann::json>& docs) {
  std::vector<nlohmann::json> complete;
  for (auto d : docs) {
    if (d["status"] != "complete") continue;
    d["source"] = fs::path(d["source"].get<std::string>()).filename().string();
    complete.push_back(d);
  }
  return Sorted(complete);
}

// The file names of `data`'s quarantined documents.
std::set<std::string> QuarantinedNames(const std::vector<nlohmann::json>& docs) {
  std::set<std::string> names;
  for (const auto& d : docs) {
    if (d["status"] == "quarantined") names.insert(fs::path(d["source"].get<std::string>()).filename().string());
  }
  return names;
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

class DurabilityStoreTest : public SampleCopiesFixture<kDocs> {
 protected:

  struct Result {
    std::vector<std::string> docs, aggregates;
  };
  Result Collect(const std::string& data) { return {Sorted(Query("docs", data)), Sorted(Query("aggregates", data))}; }

  int RunAgain(const std::string& data, std::string* out, const std::string& extra = "") {
    return Cli("run " + Input() + " --data " + data + " --quiet --timeout 240" + extra, out);
  }

  // `docs` (complete documents) and `aggregates` of a run of the corpus without the files `names`.
  Result ReferenceWithout(const std::set<std::string>& names, const std::string& tag) {
    const fs::path in = dir_ / (tag + "-in");
    fs::create_directories(in);
    for (const auto& e : fs::directory_iterator(Input())) {
      if (!names.count(e.path().filename().string())) fs::copy_file(e.path(), in / e.path().filename());
    }
    const std::string data = (dir_ / (tag + "-data")).string();
    std::string out;
    EXPECT_EQ(Cli("run " + in.string() + " --data " + data + " --quiet --timeout 240", &out), 0) << out;
    return {CompleteDocs(Query("docs", data)), Sorted(Query("aggregates", data))};
  }

  // Runs into `data` with aggregate's fault `fault` (mode and its settings)
  // on the group holding r9, with small groups, one attempt and `lease_ms`:
  // that group is quarantined (exit 4) after aggregate counted it, so its
  // contribution is withdrawn; then it contributes nothing.
  void QuarantineR9AfterAggregateCountedIt(const std::string& data, const std::string& fault, int lease_ms,
                                           const std::string& tag, std::string* out) {
    const std::string args = " --set fault_injection.stage=aggregate" + fault +
                             " --set fault_injection.source_substring=/in/r9.txt --set limits.max_in_flight=4"
                             " --set limits.lease_ms=" + std::to_string(lease_ms) + " --set limits.max_attempts=1";
    EXPECT_EQ(RunAgain(data, out, args), 4) << *out;  // quarantined documents (cli/exit_codes.h)
    const std::string log = ReadFileOrDie(fs::path(data) / "logs" / "aggregate.log");
    EXPECT_NE(log.find("its contribution removed"), std::string::npos)
        << "no document was withdrawn after aggregate counted it:\n" << *out;
    ExpectQuarantinedContributeNothing(data, tag);
  }

  // A quarantined document contributes nothing: `docs` shows no metadata for
  // it, and the complete documents and the aggregates are those of a run
  // without the quarantined files.
  void ExpectQuarantinedContributeNothing(const std::string& data, const std::string& tag) {
    const auto docs = Query("docs", data);
    const std::set<std::string> quarantined = QuarantinedNames(docs);
    ASSERT_FALSE(quarantined.empty());
    ASSERT_LT(quarantined.size(), static_cast<size_t>(kDocs));
    for (const auto& d : docs) {
      if (d["status"] != "quarantined") continue;
      EXPECT_TRUE(d["county"].is_null() && d["title"].is_null() && d["year"].is_null()) << d.dump();
    }
    // Nor does it appear in a near-duplicate finding (the corpus is eight
    // copies of each sample: every document has near-duplicates).
    std::set<std::string> quarantined_ids;
    for (const auto& d : docs) {
      if (d["status"] == "quarantined") quarantined_ids.insert(d["doc_id"].get<std::string>());
    }
    size_t pairs = 0;
    for (const auto& f : Query("findings --kind near_duplicate", data)) {
      ++pairs;
      for (const auto& d : f["documents"]) EXPECT_FALSE(quarantined_ids.count(d["doc_id"].get<std::string>())) << f.dump();
    }
    EXPECT_GT(pairs, 0u);
    const Result without = ReferenceWithout(quarantined, tag);
    EXPECT_TRUE(CompleteDocs(docs) == without.docs);
    EXPECT_TRUE(Sorted(Query("aggregates", data)) == without.aggregates) << "quarantined: " << quarantined.size();
  }
};

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
  // A worker takes 32 documents at once: the batch's other 8 are dispatched
  // after the first group and complete (with the default 64, all 40 would be
  // held behind the slow ones and expire together).
  const std::string slow =
      " --set fault_injection.stage=extract --set fault_injection.mode=delay --set fault_injection.delay_ms=1500"
      " --set fault_injection.source_substring=/in/r1 --set limits.lease_ms=500 --set limits.max_attempts=1"
      " --set limits.worker_credits=32";
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
  // Their late results were refused: they count nowhere.
  ExpectQuarantinedContributeNothing(data, "without");

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

// 3. A quarantined document never contributes, also when aggregate counted
// it before it was quarantined: aggregate dies inside the group commit of the
// group holding r9, the last file scanned (committed, not acknowledged; at
// most 4 documents in flight keep groups small); with one attempt, the
// group's documents are quarantined when their leases run out, and withdrawn.
TEST_F(DurabilityStoreTest, ADocumentQuarantinedAfterAggregateCountedItIsWithdrawnAndReplayCountsItOnce) {
  const std::string ref_data = (dir_ / "ref").string(), data = (dir_ / "crash").string();
  std::string out;
  ASSERT_EQ(RunAgain(ref_data, &out), 0) << out;
  const Result ref = Collect(ref_data);
  QuarantineR9AfterAggregateCountedIt(data, " --set fault_injection.mode=crash", 2000, "without", &out);

  // Replayed, they count again, once: the results of an uninterrupted run.
  ASSERT_EQ(Cli("quarantine replay --all --data " + data, &out), 0) << out;
  ASSERT_EQ(RunAgain(data, &out), 0) << out;
  const Result got = Collect(data);
  EXPECT_TRUE(got.docs == ref.docs) << out;
  EXPECT_TRUE(got.aggregates == ref.aggregates) << out;
}

// 3. A document aggregate has counted and the audit has indexed, then
// quarantined: aggregate's acknowledgements of the group holding r9 wait past
// the lease (fault_injection mode delay), with one attempt. Withdrawn, it
// leaves the aggregates and the near-duplicate findings.
TEST_F(DurabilityStoreTest, ADocumentQuarantinedAfterItWasIndexedLeavesTheFindings) {
  const std::string data = (dir_ / "slow-ack").string();
  std::string out;
  QuarantineR9AfterAggregateCountedIt(data, " --set fault_injection.mode=delay --set fault_injection.delay_ms=3000",
                                      1000, "slow-ack-without", &out);
}

// 2. Records lost inside a store that opens and passes its checksums: the
// tail of a stage store's write-ahead log cut off in the middle of its last
// groups (what kTolerateCorruptedTailRecords drops without a word). The
// store's document count (aggregate: with its acks; segment and extract:
// with their WorkerReady) falls short of the ledger's complete documents, so
// they are processed again, and the summary says so.
TEST_F(DurabilityStoreTest, RecordsLostInsideAStoreAreFoundByItsCountAndReprocessed) {
  for (const char* stage : {"aggregate", "segment", "extract"}) {
    SCOPED_TRACE(stage);
    const std::string data = (dir_ / (std::string("data-") + stage)).string();
    std::string out;
    ASSERT_EQ(RunAgain(data, &out), 0) << out;
    const Result ref = Collect(data);
    // Cut the log where the last document's record starts (the first place
    // its id appears: a group's records are written in one batch).
    const fs::path wal = LargestFile(fs::path(data) / stage, ".log");
    ASSERT_FALSE(wal.empty());
    const std::string bytes = ReadFileOrDie(wal);
    // (An id split by a log block boundary is not found whole: skipped.)
    size_t cut = 0;
    for (const auto& d : Query("docs", data)) {
      const size_t at = bytes.find(d["doc_id"].get<std::string>());
      if (at != std::string::npos) cut = std::max(cut, at);
    }
    ASSERT_GT(cut, 0u);
    fs::resize_file(wal, cut);
    fs::remove_all(fs::path(data) / "logs");
    ASSERT_EQ(RunAgain(data, &out), 0) << out;
    EXPECT_NE(out.find("reprocessed        " + std::to_string(kDocs) + " documents"), std::string::npos) << out;
    EXPECT_NE(out.find("records lost inside the store"), std::string::npos) << out;
    const Result got = Collect(data);
    EXPECT_TRUE(got.docs == ref.docs) << out;
    EXPECT_TRUE(got.aggregates == ref.aggregates) << out;
  }
}

// The pids of `data`'s ingest service.
std::set<pid_t> IngestPids(const std::string& data) {
  std::set<pid_t> pids;
  for (pid_t pid : ProcessesMentioning(data + "/pipeline.yaml")) {
    const std::string cmdline = ReadProcFile("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmdline.find("reportflow-ingest") != std::string::npos) pids.insert(pid);
  }
  return pids;
}

// 3 (bug). A document whose ack reaches a restarted ingest still has its
// extract store recorded. Ingest is killed while one document (X) sleeps in
// extract; the restarted ingest gets X's ack before dispatching X to extract
// again (one credit per worker; X's id sorts last, so it is queued last).
// Losing the extract store later must send all documents through again.
TEST_F(DurabilityStoreTest, AnAckAfterAnIngestRestartRecordsTheExtractStore) {
  const std::string ref_data = (dir_ / "ref").string(), data = (dir_ / "data").string();
  std::string out;
  ASSERT_EQ(RunAgain(ref_data, &out), 0) << out;
  const Result ref = Collect(ref_data);
  // X: of the first half of the files in scan order, the one whose doc_id sorts last.
  std::vector<std::pair<std::string, std::string>> by_name;  // file name, doc_id
  for (const auto& d : Query("docs", ref_data)) {
    by_name.emplace_back(fs::path(d["source"].get<std::string>()).filename().string(), d["doc_id"]);
  }
  std::sort(by_name.begin(), by_name.end());
  std::pair<std::string, std::string> x;
  for (size_t i = 0; i < by_name.size() / 2; ++i) {
    if (by_name[i].second > x.second) x = by_name[i];
  }
  const pid_t run = Spawn(Reportflow() + " run " + Input() + " --data " + data +
                          " --quiet --timeout 240 --set logging.level=debug --set limits.worker_credits=1"
                          " --set fault_injection.stage=extract --set fault_injection.mode=delay"
                          " --set fault_injection.delay_ms=3000 --set fault_injection.source_substring=/in/" +
                          x.first + " > " + (dir_ / "run.txt").string() + " 2>&1");
  const fs::path ingest_log = fs::path(data) / "logs" / "ingest.log";
  // Ingest logs each dispatch at debug level: wait for X's dispatch to extract.
  auto dispatched = [&] {
    if (!fs::exists(ingest_log)) return false;
    const std::string text = ReadFileOrDie(ingest_log);
    for (size_t at = text.find("doc=" + x.second); at != std::string::npos; at = text.find("doc=" + x.second, at + 1)) {
      const size_t eol = text.find('\n', at);
      if (text.substr(at, eol - at).find("dispatched to extract worker") != std::string::npos) return true;
    }
    return false;
  };
  ASSERT_TRUE(WaitFor(dispatched)) << "X was never dispatched to extract";
  {  // The worker is named in hex (its routing identity is binary): the log stays text.
    const std::string text = ReadFileOrDie(ingest_log);
    const std::string said = "dispatched to extract worker ";
    const size_t from = text.find(said) + said.size();
    const std::string worker = text.substr(from, text.find(' ', from) - from);
    EXPECT_FALSE(worker.empty());
    EXPECT_EQ(worker.find_first_not_of("0123456789abcdef"), std::string::npos) << worker;
  }
  const std::set<pid_t> ingest = IngestPids(data);
  ASSERT_EQ(ingest.size(), 1u);
  ASSERT_EQ(kill(*ingest.begin(), SIGKILL), 0);
  EXPECT_EQ(Wait(run), 0) << ReadFileOrDie(dir_ / "run.txt");
  EXPECT_TRUE(Collect(data).aggregates == ref.aggregates);

  fs::remove_all(fs::path(data) / "extract");
  ASSERT_EQ(RunAgain(data, &out), 0) << out;
  EXPECT_NE(out.find("reprocessed        " + std::to_string(kDocs) + " documents"), std::string::npos) << out;
  const Result got = Collect(data);
  EXPECT_TRUE(got.docs == ref.docs) << out;
  EXPECT_TRUE(got.aggregates == ref.aggregates) << out;
}

}  // namespace
}  // namespace reportflow::testing
