#include "cli/input_census.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace reportflow::cli {
namespace {
namespace fs = std::filesystem;

bool IsArchiveName(const fs::path& p) {
  std::string name = p.filename().string();
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
bool AddArchiveEntries(const fs::path& p, InputCensus* c) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_zip(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  std::vector<uint64_t> sizes;
  bool ok = archive_read_open_filename(a, p.c_str(), 1 << 16) == ARCHIVE_OK;
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

// One lstat per file gives its type and size (a stat of a link's target
// when it is one).
void Visit(const fs::path& p, uint32_t depth, uint32_t max_depth, InputCensus* c) {
  std::error_code ec;
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) return Add(c, 0);
  if (S_ISLNK(st.st_mode)) {
    if (::stat(p.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return Add(c, 0);  // rejected by ingest: one item
  }
  if (S_ISDIR(st.st_mode)) {
    if (depth > max_depth) return Add(c, 0);
    std::vector<fs::path> entries;
    fs::directory_iterator it(p, ec);
    if (ec) return Add(c, 0);
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      entries.push_back(it->path());
    }
    if (ec) return Add(c, 0);
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) Visit(e, depth + 1, max_depth, c);
    return;
  }
  if (!S_ISREG(st.st_mode)) return Add(c, 0);
  if (IsArchiveName(p)) {
    ++c->archives;
    if (AddArchiveEntries(p, c)) return;
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
    Visit(path, 0, max_depth, &c);
  }
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return c;
}

}  // namespace reportflow::cli
