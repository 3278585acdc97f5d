#include "cli/input_census.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string_view>

#include "common/files/folder_listing.h"
#include "common/files/unique_fd.h"

namespace reportflow::cli {
namespace {
namespace fs = std::filesystem;

bool IsArchiveName(std::string_view file_name) {
  std::string name(file_name.substr(file_name.rfind('/') + 1));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* ext : {".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz"}) {
    const std::string e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

void Add(InputCensus* c, uint64_t size) {
  ++c->items;
  c->bytes += size;
  c->prefix_bytes.push_back(c->bytes);
}

// Lists an archive's entries as ingest expands them (folders skipped, every
// other entry one item of its stated size), reading headers only. False if
// libarchive cannot read it (ingest then rejects it: one item).
bool AddArchiveEntries(int fd, InputCensus* c) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_zip(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  std::vector<uint64_t> sizes;
  bool ok = archive_read_open_fd(a, fd, 1 << 16) == ARCHIVE_OK;
  archive_entry* entry = nullptr;
  while (ok) {
    const int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      ok = false;
      break;
    }
    if (archive_entry_filetype(entry) != AE_IFDIR) {
      sizes.push_back(archive_entry_size_is_set(entry) ? static_cast<uint64_t>(archive_entry_size(entry)) : 0);
    }
    archive_read_data_skip(a);
  }
  archive_read_free(a);
  if (!ok) return false;
  for (uint64_t size : sizes) Add(c, size);
  return true;
}

// One item, `name` in the folder open at `dir_fd` (AT_FDCWD and a path for a
// root): one lstat gives its type and size (a stat of a link's target when it
// is one), and a folder is listed through its descriptor, so no path is
// resolved from the root again for each of its files.
void Visit(int dir_fd, const char* name, uint32_t depth, uint32_t max_depth, InputCensus* c) {
  struct stat st;
  if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return Add(c, 0);
  if (S_ISLNK(st.st_mode)) {
    if (::fstatat(dir_fd, name, &st, 0) != 0 || S_ISDIR(st.st_mode)) return Add(c, 0);  // rejected by ingest: one item
  }
  if (S_ISDIR(st.st_mode)) {
    if (depth > max_depth) return Add(c, 0);
    Result<files::UniqueFd> dir = files::FolderListing::Open(dir_fd, name);
    Result<files::FolderListing> listing = dir.ok() ? files::FolderListing::Read(dir->get()) : dir.status();
    if (!listing.ok()) return Add(c, 0);  // rejected by ingest: one item
    for (size_t i = 0; i < listing->size(); ++i) Visit(dir->get(), listing->c_name(i), depth + 1, max_depth, c);
    return;
  }
  if (!S_ISREG(st.st_mode)) return Add(c, 0);
  if (IsArchiveName(name)) {
    ++c->archives;
    const files::UniqueFd file(::openat(dir_fd, name, O_RDONLY | O_CLOEXEC));
    if (file.valid() && AddArchiveEntries(file.get(), c)) return;
    ++c->unlisted_archives;
  }
  Add(c, static_cast<uint64_t>(st.st_size));
}

bool Missing(const std::string& path) {
  std::error_code ec;
  return !fs::exists(fs::symlink_status(path, ec));
}

}  // namespace

std::vector<std::string> MissingInputs(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    if (Missing(path)) out.push_back(path);
  }
  return out;
}

uint64_t InputCensus::BytesOfFirst(uint64_t items_read) const {
  if (prefix_bytes.empty()) return 0;
  return prefix_bytes[std::min<uint64_t>(items_read, prefix_bytes.size() - 1)];
}

InputCensus CountInputs(const std::vector<std::string>& paths, uint32_t max_depth) {
  const auto start = std::chrono::steady_clock::now();
  InputCensus c;
  c.prefix_bytes.push_back(0);
  for (const auto& path : paths) {
    if (Missing(path)) {
      Add(&c, 0);
      continue;
    }
    Visit(AT_FDCWD, path.c_str(), 0, max_depth, &c);
  }
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return c;
}

}  // namespace reportflow::cli
