// ScratchFile: an append-only file for data a process rebuilds at every start
// and reads back at random, so that the page cache holds it (reclaimable under
// memory pressure) instead of the heap. The file is created in a given
// directory and unlinked at once: it has no name, and vanishes with the
// process however it ends.
//
// Appends are buffered (kBufferBytes) and written in one pwrite; a read of
// bytes still in the buffer is served from it. Offsets are stable until
// Clear().
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace reportflow::storage {

class ScratchFile {
 public:
  static constexpr size_t kBufferBytes = 256 << 10;

  // A new empty file in `dir` (an existing directory). IoError when it cannot be
  // created; ResourceExhausted (NoSpaceError) when the disk is full.
  static Result<std::unique_ptr<ScratchFile>> Create(const std::string& dir);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Appends `bytes`; returns where they start.
  Result<uint64_t> Append(std::string_view bytes);
  // Copies `size` bytes at `offset` (all appended before) to `out`.
  Status Read(uint64_t offset, size_t size, void* out) const;
  // Forgets everything (the file is truncated): offsets start at 0 again.
  Status Clear();

  // Bytes appended.
  uint64_t size() const { return flushed_ + buffer_.size(); }
  // Heap bytes (the write buffer).
  size_t MemoryBytes() const { return buffer_.capacity(); }

 private:
  ScratchFile(int fd, std::string dir) : fd_(fd), dir_(std::move(dir)) {}
  // Writes the buffer out.
  Status Flush();
  Status Error(std::string_view what, int err) const;

  int fd_;
  std::string dir_;       // for messages
  uint64_t flushed_ = 0;  // bytes in the file; the buffer follows them
  std::string buffer_;
};

}  // namespace reportflow::storage
