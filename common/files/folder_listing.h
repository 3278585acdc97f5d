// FolderListing: the names in one folder, in byte order, as ingest walks its
// inputs (services/ingest/input_scanner.h) and `run` counts them first
// (cli/input_census.h), so both see the same items in the same order.
//
// The names are packed: one buffer of the names, each ended by a NUL, and
// where each starts. A folder of 10^5 reports costs its names' bytes and 5
// more each, not 10^5 fs::path objects with their component lists (~360 bytes
// each) nor 10^5 std::string (32 bytes each before their growth slack).
// Each name also keeps whether the listing showed it as a regular file (not a
// link; readdir's d_type), so a caller can open it without a stat first.
// Thread-safety: immutable once read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/files/unique_fd.h"

namespace reportflow::files {

class FolderListing {
 public:
  // Lists the folder open at `dir_fd` ("." and ".." left out), from its
  // start. The descriptor stays the caller's (the listing reads a duplicate). IoError, naming the
  // system's reason, when the folder cannot be listed ("cannot list folder:
  // ...") or its listing fails midway ("error while listing folder: ...").
  static Result<FolderListing> Read(int dir_fd);
  // Opens the folder `path` (relative to the folder open at `at_fd`, or to
  // the working directory with AT_FDCWD) to list it and open its files:
  // IoError "cannot list folder: ..." when it cannot be opened.
  static Result<UniqueFd> Open(int at_fd, const char* path);

  size_t size() const { return entries_.size(); }
  std::string_view name(size_t i) const { return std::string_view(names_.data() + entries_[i]); }
  // A NUL-terminated name, for the *at() system calls.
  const char* c_name(size_t i) const { return names_.data() + entries_[i]; }
  // True when the listing showed a regular file; false for anything else,
  // links included, or when the file system does not say.
  bool listed_as_file(size_t i) const { return names_[entries_[i] - 1] == 'f'; }

 private:
  std::string names_;              // per name: 'f' or '?', the name, a NUL
  std::vector<uint32_t> entries_;  // where each name starts, in name order
};

}  // namespace reportflow::files
