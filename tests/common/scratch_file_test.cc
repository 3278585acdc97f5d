#include "common/storage/scratch_file.h"

#include <filesystem>
#include <random>
#include <string>

#include "tests/testing/test_util.h"

namespace reportflow::storage {
namespace {

TEST(ScratchFileTest, ReadsBackWhatWasAppendedFromTheFileAndTheBufferAlike) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto file, ScratchFile::Create(dir.path().string()));
  // The file has no name: nothing is left in the directory, whatever happens next.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  std::mt19937 rng(7);
  std::string all;
  std::vector<std::pair<uint64_t, std::string>> records;
  // Records of up to 70 KB: several buffers' worth, some larger than what is left of the buffer.
  while (all.size() < 3 * ScratchFile::kBufferBytes) {
    std::string r(rng() % (70 << 10), '\0');
    for (char& c : r) c = static_cast<char>(rng());
    ASSERT_OK_AND_ASSIGN(uint64_t at, file->Append(r));
    EXPECT_EQ(at, all.size());
    all += r;
    records.emplace_back(at, std::move(r));
  }
  EXPECT_EQ(file->size(), all.size());
  for (const auto& [at, r] : records) {
    std::string back(r.size(), '\0');
    ASSERT_OK(file->Read(at, back.size(), back.data()));
    EXPECT_EQ(back, r);
  }
  // A read across the end of what was written and the start of what is buffered.
  std::string span(ScratchFile::kBufferBytes, '\0');
  const uint64_t from = all.size() - span.size();
  ASSERT_OK(file->Read(from, span.size(), span.data()));
  EXPECT_EQ(span, all.substr(from));
  // Past the end: an error, never bytes from elsewhere.
  char c;
  EXPECT_FALSE(file->Read(all.size(), 1, &c).ok());

  ASSERT_OK(file->Clear());
  EXPECT_EQ(file->size(), 0u);
  ASSERT_OK_AND_ASSIGN(uint64_t at, file->Append("again"));
  EXPECT_EQ(at, 0u);
  std::string back(5, '\0');
  ASSERT_OK(file->Read(0, 5, back.data()));
  EXPECT_EQ(back, "again");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(ScratchFileTest, AMissingDirectoryIsAnErrorThatNamesIt) {
  testing::TempDir dir;
  auto file = ScratchFile::Create((dir / "absent").string());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kIoError);
  EXPECT_NE(file.status().message().find("absent"), std::string::npos) << file.status().ToString();
}

}  // namespace
}  // namespace reportflow::storage
