// Status: the result of an operation that returns no value.
//
// Errors are values (see Arrow status.h, LevelDB status.h). Third-party error
// types (rocksdb::Status, UErrorCode, zmq::error_t) are converted to Status in
// the one wrapper that calls them. Status is [[nodiscard]]: a deliberate
// ignore is written IgnoreError(), which grep finds.
//
// Thread-safety: a Status is a value; distinct objects may be used concurrently.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace reportflow {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // bad input or config; retrying cannot help
  kNotFound,
  kAlreadyExists,
  kIoError,           // file system, RocksDB
  kCorruption,        // undecodable stored or received data
  kUnavailable,       // a peer or resource is gone; retrying may help
  kDeadlineExceeded,
  kResourceExhausted, // a size or rate limit was hit
  kCancelled,         // shutdown in progress
  kInternal,          // a broken invariant
  kUnimplemented,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status IoError(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) { return {StatusCode::kDeadlineExceeded, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status Unimplemented(std::string msg) { return {StatusCode::kUnimplemented, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context`.
  Status WithContext(std::string_view context) const;

  // Explicitly drops the status; use only where failure is truly irrelevant.
  void IgnoreError() const {}

  bool operator==(const Status& other) const { return code() == other.code() && message() == other.message(); }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const State> state_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

}  // namespace reportflow
