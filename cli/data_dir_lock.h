// DataDirLock: one owner per data dir. `reportflow run`, `reextract` and
// `quarantine replay` hold an exclusive flock(2) on <data>/LOCK while they
// write into the data dir, so a second one fails at once with a clear message
// instead of sharing (or fighting over) one set of services and stores.
//
// The lock belongs to the open file description (close-on-exec, so services
// do not inherit it) and is released by the kernel when the holder exits,
// however it exits: a SIGKILLed run leaves no stale lock behind.
#pragma once

#include <string>

#include "common/base/result.h"

namespace reportflow::cli {

class DataDirLock {
 public:
  // Creates `data_dir` (mode 0700) if it does not exist and locks it.
  // Unavailable, naming the holder's pid when another process holds it.
  static Result<DataDirLock> Acquire(const std::string& data_dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace reportflow::cli
