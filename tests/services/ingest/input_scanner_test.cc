#include "services/ingest/input_scanner.h"

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/text/escaped_name.h"
#include "tests/testing/test_util.h"

namespace reportflow::ingest {
namespace {
namespace fs = std::filesystem;

std::vector<ScanItem> ScanAll(std::vector<std::string> paths, ScanLimits limits = {}) {
  InputScanner scanner(std::move(paths), limits);
  std::vector<ScanItem> items;
  ScanItem item;
  while (scanner.Next(&item)) items.push_back(item);
  return items;
}

void Write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// Writes a zip (or tar.gz) with the given entries through libarchive.
void WriteArchive(const fs::path& p, const std::vector<std::pair<std::string, std::string>>& entries, bool zip) {
  archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
  }
  ASSERT_EQ(archive_write_open_filename(a, p.c_str()), ARCHIVE_OK);
  for (const auto& [name, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

TEST(InputScannerTest, WalksFoldersInSortedOrder) {
  testing::TempDir dir;
  Write(dir / "b/2.txt", "two");
  Write(dir / "a/1.txt", "one");
  Write(dir / "a/sub/3.txt", "three");
  auto items = ScanAll({dir.path().string()});
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].bytes, "one");
  EXPECT_EQ(items[1].bytes, "three");
  EXPECT_EQ(items[2].bytes, "two");
}

// The scanner opens (and, when cached, reads) the next files of a folder
// ahead of their turn. What comes out is what reading each in turn gave: the
// order, every byte, a FIFO rejected without blocking, a link followed, a
// sub-folder walked in its place, a file over the read-ahead size read whole.
// A file changed or removed during the walk comes out as it was before or
// after the change, never a mix, and nothing else moves.
TEST(InputScannerTest, ReadingAheadChangesNothingThatIsRead) {
  testing::TempDir dir;
  std::map<std::string, std::string> expected;  // by path below `dir`
  for (int i = 0; i < 100; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "%03d.txt", i);
    expected[name] = "report " + std::to_string(i) + std::string(static_cast<size_t>(i) * 37, 'x');
    Write(dir / name, expected[name]);
  }
  std::string large(3u << 20, 'l');  // over the 1 MB read ahead
  for (size_t i = 0; i < large.size(); i += 4093) large[i] = static_cast<char>('a' + i % 26);
  Write(dir / "040_large.txt", large);
  expected["040_large.txt"] = large;
  ASSERT_EQ(mkfifo((dir / "050_fifo").c_str(), 0644), 0);
  expected["050_fifo"] = "";
  Write(dir / "060_sub/inner.txt", "inner");
  expected["060_sub/inner.txt"] = "inner";
  fs::create_symlink("001.txt", dir / "070_link.txt");
  expected["070_link.txt"] = expected["001.txt"];
  // The next 32 files hold more than the 8 MB kept read ahead at once: past
  // it, files are only asked for.
  for (int i = 0; i < 40; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "080_many/%03d.txt", i);
    expected[name] = std::string(400 << 10, static_cast<char>('a' + i % 26)) + std::to_string(i);
    Write(dir / name, expected[name]);
  }
  const std::string before = expected["002.txt"], after = "changed during the walk";

  InputScanner scanner({dir.path().string()}, {});
  std::vector<std::string> order;
  ScanItem item;
  while (scanner.Next(&item)) {
    const std::string name = fs::path(item.source).lexically_relative(dir.path()).string();
    order.push_back(name);
    if (order.size() == 2) {  // 002.txt and 003.txt are read ahead by now
      Write(dir / "002.txt", after);
      fs::remove(dir / "003.txt");
    }
    if (name == "050_fifo") {
      EXPECT_TRUE(item.rejected);
      EXPECT_EQ(item.rejection.code(), v1::REJECTION_CODE_NOT_A_FILE);
    } else if (name == "002.txt") {
      ASSERT_FALSE(item.rejected);
      EXPECT_TRUE(item.bytes == before || item.bytes == after);
    } else if (name == "003.txt") {
      if (item.rejected) {
        EXPECT_EQ(item.rejection.code(), v1::REJECTION_CODE_UNREADABLE);
      } else {
        EXPECT_EQ(item.bytes, expected[name]);
      }
    } else {
      ASSERT_FALSE(item.rejected) << name << ": " << item.rejection.reason();
      EXPECT_EQ(item.bytes, expected[name]) << name;
    }
  }
  std::vector<std::string> want;
  for (const auto& [name, bytes] : expected) want.push_back(name);  // std::map: sorted as the walk goes
  EXPECT_EQ(order, want);
}

TEST(InputScannerTest, ReportsMissingTooLargeAndSymlinkedFolders) {
  testing::TempDir dir;
  Write(dir / "big.txt", std::string(2000, 'x'));
  fs::create_directories(dir / "loop");
  fs::create_directory_symlink(dir.path(), dir / "loop/back");
  ScanLimits limits;
  limits.max_file_bytes = 1000;
  auto items = ScanAll({dir.path().string(), (dir / "missing.txt").string()}, limits);
  ASSERT_EQ(items.size(), 3u);
  for (const auto& item : items) EXPECT_TRUE(item.rejected) << item.source;
  EXPECT_EQ(items[0].rejection.code(), v1::REJECTION_CODE_TOO_LARGE);
  EXPECT_EQ(items[1].rejection.code(), v1::REJECTION_CODE_NOT_A_FILE);
  EXPECT_EQ(items[2].rejection.code(), v1::REJECTION_CODE_UNREADABLE);
}

// Files are read whole up to the limit, across the reader's internal chunks:
// exactly the limit is accepted byte for byte, one byte more is too large.
TEST(InputScannerTest, ReadsFilesWholeUpToTheSizeLimit) {
  testing::TempDir dir;
  std::string at_limit(200000, 'a');
  for (size_t i = 0; i < at_limit.size(); i += 7) at_limit[i] = static_cast<char>('b' + i % 20);
  Write(dir / "a_at_limit.txt", at_limit);
  Write(dir / "b_over_limit.txt", at_limit + "z");
  Write(dir / "c_small.txt", "small");
  Write(dir / "d_empty.txt", "");
  ScanLimits limits;
  limits.max_file_bytes = at_limit.size();
  auto items = ScanAll({dir.path().string()}, limits);
  ASSERT_EQ(items.size(), 4u);
  std::map<std::string, ScanItem> by_name;
  for (const auto& item : items) by_name[fs::path(item.source).filename().string()] = item;
  ASSERT_FALSE(by_name["a_at_limit.txt"].rejected);
  EXPECT_EQ(by_name["a_at_limit.txt"].bytes, at_limit);
  ASSERT_TRUE(by_name["b_over_limit.txt"].rejected);
  EXPECT_EQ(by_name["b_over_limit.txt"].rejection.code(), v1::REJECTION_CODE_TOO_LARGE);
  EXPECT_EQ(by_name["c_small.txt"].bytes, "small");
  EXPECT_EQ(by_name["d_empty.txt"].bytes, "");
}

TEST(InputScannerTest, ExpandsZipAndTarGzAndRejectsTraversal) {
  testing::TempDir dir;
  WriteArchive(dir / "r.zip", {{"x/a.txt", "甲"}, {"../evil.txt", "bad"}, {"b.txt", "乙"}}, true);
  WriteArchive(dir / "r.tar.gz", {{"c.txt", "丙"}}, false);
  auto items = ScanAll({(dir / "r.zip").string(), (dir / "r.tar.gz").string()});
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].bytes, "甲");
  EXPECT_EQ(items[0].source, (dir / "r.zip").string() + "!/x/a.txt");
  EXPECT_TRUE(items[1].rejected);
  EXPECT_NE(items[1].rejection.reason().find("unsafe"), std::string::npos);
  EXPECT_EQ(items[2].bytes, "乙");
  EXPECT_EQ(items[3].bytes, "丙");
}

TEST(InputScannerTest, StopsArchiveBombs) {
  testing::TempDir dir;
  WriteArchive(dir / "bomb.zip", {{"zeros.txt", std::string(8u << 20, '0')}}, true);
  ScanLimits limits;
  limits.max_file_bytes = 64u << 20;
  limits.max_archive_ratio = 100;
  auto items = ScanAll({(dir / "bomb.zip").string()}, limits);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(items[0].rejected);
  EXPECT_NE(items[0].rejection.reason().find("bomb"), std::string::npos);
}


// Issue 19: file names are bytes; the scanner's sources are their escaped form.
TEST(InputScannerTest, NamesAreEscapedReversiblyAndOutsideSymlinksRejected) {
  testing::TempDir dir;
  fs::create_directories(dir / "in");
  const std::string raw = "a\xFF\nb\x1B[2J\\c\xE2\x80\xAE\xE6\x8A\xA5.txt";  // bad byte, LF, ESC, \\, RLO, 报
  std::ofstream(dir / "in" / raw) << "甲";
  std::ofstream(dir / "outside.txt") << "乙";
  fs::create_symlink(dir / "outside.txt", dir / "in" / "link.txt");
  auto items = ScanAll({(dir / "in").string()});
  ASSERT_EQ(items.size(), 2u);
  const std::string shown = fs::path(items[0].source).filename().string();
  EXPECT_EQ(shown, "a\\xFF\\x0Ab\\x1B[2J\\\\c\\u{202E}报.txt");
  ASSERT_OK(text::UnescapeName(items[0].source).status());
  EXPECT_EQ(*text::UnescapeName(items[0].source), (dir / "in" / raw).string());
  EXPECT_EQ(items[0].bytes, "甲");
  EXPECT_TRUE(items[1].rejected);
  EXPECT_NE(items[1].rejection.reason().find("leads outside the input"), std::string::npos) << items[1].rejection.reason();
  ScanLimits follow;
  follow.follow_external_symlinks = true;
  items = ScanAll({(dir / "in").string()}, follow);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].bytes, "乙");
  EXPECT_FALSE(text::UnescapeName("bad \\q escape").ok());
  EXPECT_FALSE(text::UnescapeName("cut \\x4").ok());
}

}  // namespace
}  // namespace reportflow::ingest
