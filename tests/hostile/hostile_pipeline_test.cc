// Hostile input through the real pipeline (issue 10): `reportflow run` over
// the hostile corpus finishes, lists every rejection of tests/hostile/cases.tsv
// with its reason in the completion report, processes the good documents, and
// `reportflow show DOC --text` prints what ingest stored for them (issue 11).
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "services/ingest/document_decoder.h"
#include "tests/testing/test_util.h"

namespace reportflow {
namespace {

namespace fs = std::filesystem;
using ::reportflow::testing::BinDir;
using ::reportflow::testing::ReadFileOrDie;
using ::reportflow::testing::RunCommand;
using ::reportflow::testing::SourceDir;
using ::reportflow::testing::TempDir;

struct Case {
  std::string path, outcome, reason_part;
};

std::vector<Case> LoadCases() {
  std::vector<Case> cases;
  std::istringstream in(ReadFileOrDie(SourceDir() / "tests/hostile/cases.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    cases.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1)});
  }
  return cases;
}

TEST(HostilePipelineTest, RunReportsEveryRejectionAndProcessesTheRest) {
  TempDir dir;
  const fs::path root = dir / "corpus";
  fs::copy(SourceDir() / "tests/hostile/corpus", root, fs::copy_options::recursive);
  // A few of the generated cases (the ingest test has them all).
  std::ofstream(root / "huge.txt").put('x');
  fs::resize_file(root / "huge.txt", 100u << 20);
  fs::create_directories(root / "loops");
  fs::create_directory_symlink("..", root / "loops/parent");
  fs::create_symlink("b", root / "loops/a");
  fs::create_symlink("a", root / "loops/b");
  fs::create_symlink("missing.txt", root / "loops/dangling");
  fs::create_directories(root / "special");
  ASSERT_EQ(mkfifo((root / "special/fifo").c_str(), 0644), 0);

  const fs::path data = dir / "data";
  std::string out;
  const int rc = RunCommand((BinDir() / "reportflow").string() + " run " + root.string() + " --data " +
                                data.string() + " --quiet --timeout 120 2>&1",
                            &out);
  ASSERT_EQ(rc, 3) << "exit 3: some inputs rejected\n" << out;
  // "    - <source>: <reason>" per rejection.
  std::map<std::string, std::string> rejected;
  std::istringstream lines(out);
  std::string line;
  const std::string prefix = "    - " + root.string() + "/";
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    const std::string rest = line.substr(prefix.size());
    // Sources may contain ": " only after the archive marker; split at the first ": " after it.
    const size_t bang = rest.find("!/");
    const size_t colon = rest.find(": ", bang == std::string::npos ? 0 : bang);
    ASSERT_NE(colon, std::string::npos) << line;
    rejected[rest.substr(0, colon)] = rest.substr(colon + 2);
  }
  size_t documents = 0, rejections = 0;
  const std::set<std::string> generated_here = {"huge.txt", "loops/parent", "loops/a", "loops/b", "loops/dangling",
                                                "special/fifo"};
  for (const Case& c : LoadCases()) {
    const bool committed = fs::exists(fs::symlink_status(root / c.path.substr(0, c.path.find('!'))));
    if (!committed && !generated_here.count(c.path)) continue;  // made only by the ingest test
    if (c.outcome.rfind("document:", 0) == 0) {
      ++documents;
      EXPECT_EQ(rejected.count(c.path), 0u) << c.path << " was rejected: " << rejected[c.path];
      continue;
    }
    ++rejections;
    auto it = rejected.find(c.path);
    ASSERT_NE(it, rejected.end()) << c.path << " missing from the completion report:\n" << out;
    if (c.outcome != "REJECTION_CODE_DUPLICATE") {
      EXPECT_NE(it->second.find(c.reason_part), std::string::npos) << c.path << ": " << it->second;
    } else {
      EXPECT_NE(it->second.find("same text as another file"), std::string::npos) << c.path << ": " << it->second;
    }
  }
  EXPECT_EQ(rejected.size(), rejections) << out;
  EXPECT_NE(out.find("  documents          " + std::to_string(documents) + " "), std::string::npos) << out;
  EXPECT_NE(out.find("  quarantined        0"), std::string::npos) << out;

  // The stored text of the .docx is its extracted text.
  std::string docs;
  ASSERT_EQ(RunCommand((BinDir() / "reportflow").string() + " docs --data " + data.string() + " --format jsonl", &docs),
            0);
  std::string docx_id;
  for (const auto& l : testing::Lines(docs)) {
    if (l.find("formats/report.docx") == std::string::npos) continue;
    const size_t at = l.find("\"doc_id\":\"");
    ASSERT_NE(at, std::string::npos) << l;
    docx_id = l.substr(at + 10, 32);
  }
  ASSERT_EQ(docx_id.size(), 32u) << docs;
  std::string text;
  ASSERT_EQ(RunCommand((BinDir() / "reportflow").string() + " show " + docx_id + " --text --data " + data.string(),
                       &text),
            0);
  // Exactly the extracted text ingest stored (format_extraction_test checks it
  // gives the sample's metrics).
  auto decoded = ingest::DecodeDocument("report.docx", ReadFileOrDie(root / "formats/report.docx"));
  ASSERT_TRUE(decoded.ok);
  EXPECT_EQ(text, decoded.document.text());
  EXPECT_EQ(text.rfind("花台乡2023年法治政府建设工作报告\n", 0), 0u) << text;
}

}  // namespace
}  // namespace reportflow
