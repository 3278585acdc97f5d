#include "common/storage/scratch_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/base/macros.h"
#include "common/storage/store.h"

namespace reportflow::storage {

Result<std::unique_ptr<ScratchFile>> ScratchFile::Create(const std::string& dir) {
  std::string path = dir + "/scratch-XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOSPC) return NoSpaceError(dir, "cannot create a scratch file");
    return Status::IoError("cannot create a scratch file in " + dir + ": " + std::strerror(err));
  }
  ::unlink(name.data());  // nameless from now on: it goes when the descriptor does
  auto file = std::unique_ptr<ScratchFile>(new ScratchFile(fd, dir));
  file->buffer_.reserve(kBufferBytes);
  return file;
}

ScratchFile::~ScratchFile() { ::close(fd_); }

Status ScratchFile::Error(std::string_view what, int err) const {
  if (err == ENOSPC) return NoSpaceError(dir_, std::string(what) + " a scratch file");
  return Status::IoError(std::string(what) + " a scratch file in " + dir_ + ": " + std::strerror(err));
}

Status ScratchFile::Flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::pwrite(fd_, buffer_.data() + done, buffer_.size() - done, static_cast<off_t>(flushed_ + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error("cannot write", errno);
    }
    done += static_cast<size_t>(n);
  }
  flushed_ += buffer_.size();
  buffer_.clear();
  return Status::OK();
}

Result<uint64_t> ScratchFile::Append(std::string_view bytes) {
  if (buffer_.size() + bytes.size() > kBufferBytes && !buffer_.empty()) RETURN_IF_ERROR(Flush());
  const uint64_t at = size();
  buffer_.append(bytes);
  if (buffer_.size() >= kBufferBytes) RETURN_IF_ERROR(Flush());
  return at;
}

Status ScratchFile::Read(uint64_t offset, size_t size, void* out) const {
  if (offset + size > this->size()) return Status::Internal("a scratch file read past its end");
  char* dst = static_cast<char*>(out);
  // The part in the file, then the part still in the buffer.
  while (size > 0 && offset < flushed_) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(size, flushed_ - offset));
    const ssize_t n = ::pread(fd_, dst, want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error("cannot read", errno);
    if (n == 0) return Status::IoError("a scratch file in " + dir_ + " is shorter than written");
    dst += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
  if (size > 0) std::memcpy(dst, buffer_.data() + (offset - flushed_), size);
  return Status::OK();
}

Status ScratchFile::Clear() {
  buffer_.clear();
  flushed_ = 0;
  if (::ftruncate(fd_, 0) != 0) return Error("cannot truncate", errno);
  return Status::OK();
}

}  // namespace reportflow::storage
