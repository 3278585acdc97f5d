// Hostile input at ingest (issue 10): every case of the corpus in
// tests/hostile/cases.tsv ends as a document or a rejection with the
// expected code and a reason naming the problem; nothing is skipped
// silently, nothing crashes. The committed files are in tests/hostile/corpus
// (make_corpus.py); cases too large or odd to commit are made here in the
// test's temp dir.
//
// The batch is read the way the ingest service reads it: InputScanner, then
// DecodeDocument, then the batch rule that a second file with the text of an
// earlier one is a REJECTION_CODE_DUPLICATE of it.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include "services/ingest/document_decoder.h"
#include "services/ingest/input_scanner.h"
#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {

namespace fs = std::filesystem;
using ::reportflow::testing::ReadFileOrDie;
using ::reportflow::testing::SourceDir;
using ::reportflow::testing::TempDir;

struct Outcome {
  std::string source;   // relative to the corpus root
  std::string outcome;  // "document:<format>" or a RejectionCode name
  std::string reason;
};

std::string CodeName(v1::RejectionCode code) { return v1::RejectionCode_Name(code); }

std::vector<Outcome> IngestBatch(const fs::path& root, const ScanLimits& limits) {
  std::vector<Outcome> out;
  std::map<std::string, std::string> first_source;  // doc_id -> source
  InputScanner scanner({root.string()}, limits);
  ScanItem item;
  const std::string prefix = root.string() + "/";
  auto rel = [&](const std::string& s) { return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : s; };
  while (scanner.Next(&item)) {
    if (item.rejected) {
      out.push_back({rel(item.source), CodeName(item.rejection.code()), item.rejection.reason()});
      continue;
    }
    DecodeOutcome d = DecodeDocument(item.source, item.bytes);
    if (!d.ok) {
      out.push_back({rel(item.source), CodeName(d.rejection.code()), d.rejection.reason()});
      continue;
    }
    auto [it, inserted] = first_source.emplace(d.doc_id, rel(item.source));
    if (!inserted) {
      out.push_back({rel(item.source), "REJECTION_CODE_DUPLICATE", "same text as " + it->second});
      continue;
    }
    out.push_back({rel(item.source), "document:" + d.document.source_format(), d.document.source_encoding()});
  }
  return out;
}

struct Case {
  std::string path;  // exact source, or a prefix ending in "*"
  std::string outcome;
  std::string reason_part;
};

std::vector<Case> LoadCases() {
  std::vector<Case> cases;
  std::istringstream in(ReadFileOrDie(SourceDir() / "tests/hostile/cases.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    size_t start = 0;
    while (true) {
      const size_t tab = line.find('\t', start);
      cols.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    EXPECT_EQ(cols.size(), 3u) << "cases.tsv: " << line;
    if (cols.size() == 3) cases.push_back({cols[0], cols[1], cols[2]});
  }
  return cases;
}

bool Matches(const Case& c, const Outcome& o) {
  if (!c.path.empty() && c.path.back() == '*') return o.source.rfind(c.path.substr(0, c.path.size() - 1), 0) == 0;
  return o.source == c.path;
}

// Makes the cases that are not committed.
void MakeGeneratedCases(const fs::path& root) {
  // A 100 MB file over the 16 MB limit: sparse, so it costs no disk.
  {
    std::ofstream(root / "huge.txt").put('x');
    fs::resize_file(root / "huge.txt", 100u << 20);
  }
  // A 2 MB line without a line break.
  {
    std::string line;
    while (line.size() < (2u << 20)) line += "全年开展普法宣传活动12场次覆盖群众3000余人";
    std::ofstream(root / "long_line.txt", std::ios::binary) << line;
  }
  // Folders nested 70 deep (the limit is 64), with a report at the bottom.
  {
    fs::path p = root / "deep";
    for (int i = 0; i < 70; ++i) p /= "d";
    fs::create_directories(p);
    std::ofstream(p / "report.txt") << "深处的报告。\n";
  }
  // Symlink loops: a folder linking to its parent, and two links to each other.
  fs::create_directories(root / "loops");
  fs::create_directory_symlink("..", root / "loops/parent");
  fs::create_symlink("b", root / "loops/a");
  fs::create_symlink("a", root / "loops/b");
  fs::create_symlink("missing.txt", root / "loops/dangling");
  // Not a regular file.
  fs::create_directories(root / "special");
  ASSERT_EQ(mkfifo((root / "special/fifo").c_str(), 0644), 0);
}

class HostileIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_ / "corpus";
    fs::copy(SourceDir() / "tests/hostile/corpus", root_, fs::copy_options::recursive);
    MakeGeneratedCases(root_);
  }
  TempDir dir_;
  fs::path root_;
};

TEST_F(HostileIngestTest, EveryCaseEndsAsExpected) {
  const std::vector<Case> cases = LoadCases();
  EXPECT_GE(cases.size(), 30u);
  const std::vector<Outcome> outcomes = IngestBatch(root_, ScanLimits());
  std::string all;
  for (const auto& o : outcomes) all += "  " + o.source + "\t" + o.outcome + "\t" + o.reason + "\n";
  SCOPED_TRACE("outcomes:\n" + all);
  std::vector<bool> used(outcomes.size(), false);
  for (const Case& c : cases) {
    size_t matches = 0;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!Matches(c, outcomes[i])) continue;
      ++matches;
      used[i] = true;
      EXPECT_EQ(outcomes[i].outcome, c.outcome) << c.path;
      EXPECT_NE(outcomes[i].reason.find(c.reason_part), std::string::npos)
          << c.path << ": reason '" << outcomes[i].reason << "' lacks '" << c.reason_part << "'";
    }
    EXPECT_EQ(matches, 1u) << c.path << " should yield exactly one outcome";
  }
  // Nothing the scanner produced is unaccounted for, and every rejection says why.
  for (size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_TRUE(used[i]) << "no case in cases.tsv for " << outcomes[i].source << " (" << outcomes[i].outcome << ")";
    EXPECT_FALSE(outcomes[i].reason.empty()) << outcomes[i].source;
  }
}

TEST_F(HostileIngestTest, SizeLimitIsConfigurable) {
  ScanLimits limits;
  limits.max_file_bytes = 1000;
  InputScanner scanner({(root_ / "good/report.txt").string()}, limits);
  ScanItem item;
  ASSERT_TRUE(scanner.Next(&item));
  ASSERT_TRUE(item.rejected);
  EXPECT_EQ(item.rejection.code(), v1::REJECTION_CODE_TOO_LARGE);
  EXPECT_NE(item.rejection.reason().find("exceeds the limit of 1000 bytes"), std::string::npos);
  EXPECT_FALSE(scanner.Next(&item));
}

TEST_F(HostileIngestTest, UnreadableFileIsRejectedAndTheRestIsRead) {
  // Tests run as root in CI, and root reads mode-000 files: the scan then runs
  // in a child process that has dropped to an unprivileged user ("nobody").
  const fs::path dir = dir_ / "perm";
  fs::create_directories(dir);
  std::ofstream(dir / "a_unreadable.txt") << "不可读。\n";
  std::ofstream(dir / "b_readable.txt") << "石门镇开展普法宣传活动12场次。\n";
  fs::permissions(dir / "a_unreadable.txt", fs::perms::none);
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    std::string report;
    InputScanner scanner({dir.string()}, ScanLimits());
    ScanItem item;
    while (scanner.Next(&item)) {
      report += fs::path(item.source).filename().string() + "\t" +
                (item.rejected ? CodeName(item.rejection.code()) + "\t" + item.rejection.reason() : "bytes\t") + "\n";
    }
    const ssize_t n = write(fds[1], report.data(), report.size());
    _exit(n == static_cast<ssize_t>(report.size()) ? 0 : 4);
  }
  close(fds[1]);
  std::string report;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) report.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "child could not drop privileges or report";
  EXPECT_EQ(report,
            "a_unreadable.txt\tREJECTION_CODE_UNREADABLE\tcannot open: permission denied or unreadable\n"
            "b_readable.txt\tbytes\t\n");
}

}  // namespace
}  // namespace reportflow::ingest
