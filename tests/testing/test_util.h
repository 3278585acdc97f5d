// Test helpers: Status assertions, hermetic temp dirs, repository paths.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/base/macros.h"
#include "common/base/result.h"
#include "common/base/status.h"

#define ASSERT_OK(expr)                                   \
  do {                                                    \
    ::reportflow::Status rf_s_ = (expr);                  \
    ASSERT_TRUE(rf_s_.ok()) << rf_s_.ToString();          \
  } while (0)
#define EXPECT_OK(expr)                                   \
  do {                                                    \
    ::reportflow::Status rf_s_ = (expr);                  \
    EXPECT_TRUE(rf_s_.ok()) << rf_s_.ToString();          \
  } while (0)
#define RF_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)     \
  auto tmp = (rexpr);                                     \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();       \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  RF_ASSERT_OK_AND_ASSIGN_IMPL(RF_CONCAT(rf_test_result_, __COUNTER__), lhs, rexpr)

namespace reportflow::testing {

// The repository root (REPORTFLOW_SOURCE_DIR, set by ctest; else the cwd).
std::filesystem::path SourceDir();
// build/bin with the executables (REPORTFLOW_BIN_DIR, set by ctest).
std::filesystem::path BinDir();
// Reads a whole file; fails the test if it cannot.
std::string ReadFileOrDie(const std::filesystem::path& path);
// The file's bytes, or "" when it cannot be read (a log not written yet).
std::string ReadFileOrEmpty(const std::filesystem::path& path);

// Runs a shell command; returns its exit status and stores stdout in *out.
int RunCommand(const std::string& command, std::string* out);

// Parses JSON-lines text: returns one string per non-empty line.
std::vector<std::string> Lines(const std::string& text);

// Polls `ready()` every 20 ms until it holds or `limit` passes; true if it
// held. For waiting on another process (a service's state, a process exiting),
// never as a timing assertion: the limit is a generous deadline.
template <typename Fn>
bool WaitFor(Fn ready, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
}

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace reportflow::testing
