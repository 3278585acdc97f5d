// Clock: the seam for time, so tests can use a manual clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace reportflow {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
  // Monotonic milliseconds, for deadlines and leases.
  virtual int64_t MonotonicMillis() const = 0;

  // The process-wide real clock. Thread-safe.
  static const Clock& Real();
};

class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 0) : now_(start_ms) {}
  int64_t NowMillis() const override { return now_; }
  int64_t MonotonicMillis() const override { return now_; }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  int64_t now_;
};

}  // namespace reportflow
