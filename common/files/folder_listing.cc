#include "common/files/folder_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace reportflow::files {

Result<UniqueFd> FolderListing::Open(int at_fd, const char* path) {
  UniqueFd fd(::openat(at_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::IoError(std::string("cannot list folder: ") + std::strerror(errno));
  return fd;
}

Result<FolderListing> FolderListing::Read(int dir_fd) {
  const int list_fd = dir_fd >= 0 ? ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0) : -1;
  DIR* listing = list_fd >= 0 ? ::fdopendir(list_fd) : nullptr;  // closedir closes list_fd
  if (listing == nullptr) {
    const int err = dir_fd >= 0 ? errno : EBADF;
    if (list_fd >= 0) ::close(list_fd);
    return Status::IoError(std::string("cannot list folder: ") + std::strerror(err));
  }
  ::rewinddir(listing);  // the duplicate shares the caller's read position: from the start, whatever it was
  FolderListing out;
  int err = 0;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(listing);
    if (entry == nullptr) {
      err = errno;
      break;
    }
    const std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    if (out.names_.size() > UINT32_MAX - 4096) {
      err = EOVERFLOW;  // 4 GB of names in one folder
      break;
    }
    out.names_ += entry->d_type == DT_REG ? 'f' : '?';
    out.entries_.push_back(static_cast<uint32_t>(out.names_.size()));
    out.names_ += name;
    out.names_ += '\0';  // file names never hold a NUL
  }
  ::closedir(listing);
  if (err != 0) return Status::IoError(std::string("error while listing folder: ") + std::strerror(err));
  out.names_.shrink_to_fit();
  out.entries_.shrink_to_fit();
  const char* names = out.names_.data();
  std::sort(out.entries_.begin(), out.entries_.end(),
            [names](uint32_t a, uint32_t b) { return std::string_view(names + a) < std::string_view(names + b); });
  return out;
}

}  // namespace reportflow::files
