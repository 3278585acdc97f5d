#include "common/files/folder_listing.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/files/unique_fd.h"
#include "tests/testing/test_util.h"

namespace reportflow::files {
namespace {

TEST(FolderListingTest, NamesInByteOrderWithWhatTheListingShowsAsFiles) {
  testing::TempDir dir;
  for (const char* name : {"b.txt", "B.txt", "a0", "a.b", "\xE4\xB9\xA1.txt"}) std::ofstream(dir / name) << "x";
  std::filesystem::create_directory(dir / "a");
  std::filesystem::create_symlink(dir / "b.txt", dir / "link");
  const UniqueFd fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  Result<FolderListing> listing = FolderListing::Read(fd.get());
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  std::vector<std::string> names;
  std::vector<bool> files;
  for (size_t i = 0; i < listing->size(); ++i) {
    names.emplace_back(listing->name(i));
    EXPECT_EQ(std::string(listing->c_name(i)), names.back());
    files.push_back(listing->listed_as_file(i));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"B.txt", "a", "a.b", "a0", "b.txt", "link", "\xE4\xB9\xA1.txt"}));
  // tmpfs and ext4 give d_type: regular files only, not the folder or the link.
  EXPECT_EQ(files, (std::vector<bool>{true, false, true, true, true, false, true}));
  // The descriptor stays the caller's and can be listed again.
  Result<FolderListing> again = FolderListing::Read(fd.get());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), names.size());
}

TEST(FolderListingTest, SaysWhyAFolderCannotBeListed) {
  testing::TempDir dir;
  std::ofstream(dir / "file") << "x";
  const UniqueFd file(::open((dir / "file").c_str(), O_RDONLY | O_CLOEXEC));
  Result<FolderListing> not_a_folder = FolderListing::Read(file.get());
  ASSERT_FALSE(not_a_folder.ok());
  EXPECT_EQ(not_a_folder.status().message(), "cannot list folder: Not a directory");
  Result<FolderListing> no_descriptor = FolderListing::Read(-1);
  ASSERT_FALSE(no_descriptor.ok());
  EXPECT_EQ(no_descriptor.status().message(), "cannot list folder: Bad file descriptor");
  // Open names why a folder cannot be opened, and what it opens can be listed.
  Result<UniqueFd> missing = FolderListing::Open(AT_FDCWD, (dir / "missing").c_str());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "cannot list folder: No such file or directory");
  Result<UniqueFd> file_as_folder = FolderListing::Open(AT_FDCWD, (dir / "file").c_str());
  ASSERT_FALSE(file_as_folder.ok());
  EXPECT_EQ(file_as_folder.status().message(), "cannot list folder: Not a directory");
  Result<UniqueFd> opened = FolderListing::Open(AT_FDCWD, dir.path().c_str());
  ASSERT_TRUE(opened.ok());
  Result<FolderListing> listed = FolderListing::Read(opened->get());
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

}  // namespace
}  // namespace reportflow::files
