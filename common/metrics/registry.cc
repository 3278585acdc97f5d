#include "common/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/base/macros.h"

namespace reportflow::metrics {

void Gauge::Add(double d) {
  double cur = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    RF_CHECK(std::isfinite(bounds_[i]));
    RF_CHECK(i == 0 || bounds_[i - 1] < bounds_[i]);
  }
}

void Histogram::Observe(double value) {
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t running = 0;
  for (uint64_t c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

Registry::Child& Registry::GetChild(std::string_view name, std::string_view help, Type type, const Labels& labels,
                                    const std::vector<double>& bounds) {
  RF_CHECK(IsValidMetricName(name));
  RF_CHECK(type != Type::kCounter || (name.size() > 6 && name.substr(name.size() - 6) == "_total"));
  for (const auto& [k, v] : labels) {
    RF_CHECK(IsValidLabelName(k));
    RF_CHECK(type != Type::kHistogram || k != "le");
  }
  std::lock_guard<std::mutex> lock(mu_);
  Family* family = nullptr;
  for (auto& f : families_) {
    if (f->name == name) family = f.get();
  }
  if (family == nullptr) {
    auto f = std::make_unique<Family>();
    f->name = std::string(name);
    f->help = std::string(help);
    f->type = type;
    f->bounds = bounds;
    family = f.get();
    families_.push_back(std::move(f));
  }
  // One family = one type, one help text, one set of label names, one bucket layout.
  RF_CHECK(family->type == type && family->help == help && family->bounds == bounds);
  for (auto& child : family->children) {
    if (child->labels == labels) return *child;
    RF_CHECK(child->labels.size() == labels.size());
    for (size_t i = 0; i < labels.size(); ++i) RF_CHECK(child->labels[i].first == labels[i].first);
  }
  auto child = std::make_unique<Child>();
  child->labels = labels;
  switch (type) {
    case Type::kCounter: child->counter = std::make_unique<Counter>(); break;
    case Type::kGauge: child->gauge = std::make_unique<Gauge>(); break;
    case Type::kHistogram: child->histogram = std::make_unique<Histogram>(bounds); break;
  }
  family->children.push_back(std::move(child));
  return *family->children.back();
}

Counter& Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  return *GetChild(name, help, Type::kCounter, labels, {}).counter;
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  return *GetChild(name, help, Type::kGauge, labels, {}).gauge;
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                                  const Labels& labels) {
  return *GetChild(name, help, Type::kHistogram, labels, bounds).histogram;
}

namespace {

void AppendLabels(const Labels& labels, const std::pair<std::string, std::string>* extra, std::string* out) {
  if (labels.empty() && extra == nullptr) return;
  out->push_back('{');
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!first) out->push_back(',');
    first = false;
    *out += k;
    *out += "=\"";
    *out += EscapeLabelValue(v);
    out->push_back('"');
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (extra) add(extra->first, extra->second);
  out->push_back('}');
}

void AppendSample(const std::string& name, const Labels& labels, const std::pair<std::string, std::string>* extra,
                  double value, std::string* out) {
  *out += name;
  AppendLabels(labels, extra, out);
  out->push_back(' ');
  *out += FormatSampleValue(value);
  out->push_back('\n');
}

}  // namespace

std::string Registry::Exposition() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_) {
    out += "# HELP " + f->name + " " + EscapeHelp(f->help) + "\n";
    out += "# TYPE " + f->name + " ";
    out += f->type == Type::kCounter ? "counter" : f->type == Type::kGauge ? "gauge" : "histogram";
    out += "\n";
    for (const auto& c : f->children) {
      switch (f->type) {
        case Type::kCounter:
          AppendSample(f->name, c->labels, nullptr, static_cast<double>(c->counter->value()), &out);
          break;
        case Type::kGauge:
          AppendSample(f->name, c->labels, nullptr, c->gauge->value(), &out);
          break;
        case Type::kHistogram: {
          const Histogram::Snapshot s = c->histogram->Take();
          for (size_t i = 0; i <= s.bounds.size(); ++i) {
            const std::pair<std::string, std::string> le{
                "le", i < s.bounds.size() ? FormatSampleValue(s.bounds[i]) : std::string("+Inf")};
            AppendSample(f->name + "_bucket", c->labels, &le, static_cast<double>(s.cumulative[i]), &out);
          }
          AppendSample(f->name + "_sum", c->labels, nullptr, s.sum, &out);
          AppendSample(f->name + "_count", c->labels, nullptr, static_cast<double>(s.count), &out);
          break;
        }
      }
    }
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    char buf[32];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(value));
    return std::string(buf, ptr);
  }
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, ptr);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

}  // namespace reportflow::metrics
