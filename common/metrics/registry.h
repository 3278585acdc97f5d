// Registry: process metrics in the Prometheus text exposition format (0.0.4).
//
// A service creates its counters, gauges and histograms once at start (names
// are code constants, so a name that breaks the Prometheus rules is a bug and
// aborts via RF_CHECK), keeps the returned references, and updates them from
// its loop. The HTTP endpoint thread renders Exposition() concurrently.
//
// Naming (https://prometheus.io/docs/practices/naming/): reportflow_<service>_
// <what>_<unit>; counters end in _total, durations are _seconds; metric names
// and labels are listed in docs/operators.md.
//
// Thread-safety: every method is thread-safe. Counter/Gauge updates are single
// atomic operations; Histogram::Observe takes a short mutex.
// Lifetime: references returned by Get* stay valid as long as the Registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reportflow::metrics {

// Label name/value pairs, in the order they are rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

// The Content-Type of Registry::Exposition().
inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative histogram with fixed upper bounds (an implicit +Inf bucket).
class Histogram {
 public:
  // Precondition: `bounds` strictly increasing and finite.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Take() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative), last = +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Returns the child of family `name` with `labels`, creating family and child
  // on first use. The same name must keep the same type, help and label names
  // (checked). Counter names must end in "_total".
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                          const Labels& labels = {});

  // The whole registry in the text exposition format, families in
  // registration order, children in creation order.
  std::string Exposition() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Child {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<double> bounds;
    std::vector<std::unique_ptr<Child>> children;
  };
  Child& GetChild(std::string_view name, std::string_view help, Type type, const Labels& labels,
                  const std::vector<double>& bounds);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

// Bucket bounds in seconds for per-document processing times (1 ms .. 60 s).
std::vector<double> LatencyBuckets();

// Prometheus name rules: [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]*
// (label names starting with "__" are reserved).
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);
// A sample value as Prometheus writes it: integers without a fraction, else
// shortest round-trip form; +Inf, -Inf, NaN.
std::string FormatSampleValue(double value);
// Escapes \ " and newline in label values; \ and newline in HELP text.
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);

}  // namespace reportflow::metrics
