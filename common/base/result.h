// Result<T>: either a value or a non-OK Status (see Arrow result.h).
#pragma once

#include <cstdlib>
#include <iostream>
#include <utility>
#include <variant>

#include "common/base/status.h"

namespace reportflow {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : repr_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : repr_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(repr_).ok()) {
      repr_ = Status::Internal("Result constructed from an OK status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(repr_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(repr_); }

  // Preconditions: ok(). Aborts otherwise (a broken invariant, not an input error).
  const T& value() const& { CheckOk(); return std::get<T>(repr_); }
  T& value() & { CheckOk(); return std::get<T>(repr_); }
  T&& value() && { CheckOk(); return std::get<T>(std::move(repr_)); }
  T ValueOr(T fallback) const& { return ok() ? std::get<T>(repr_) : std::move(fallback); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  void CheckOk() const {
    if (!ok()) {
      std::cerr << "Result::value() on error: " << std::get<Status>(repr_) << std::endl;
      std::abort();
    }
  }
  std::variant<T, Status> repr_;
};

}  // namespace reportflow
