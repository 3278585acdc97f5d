// A strict parser of the Prometheus text exposition format (version 0.0.4),
// written for the tests independently of the code under test
// (common/metrics/registry.cc renders; cli/service_status.cc reads leniently).
//
// Rejects what Prometheus would reject, and what its linter (promtool check
// metrics) flags: lines not ending in \n, \r, bad metric/label names, reserved
// "__" labels, duplicate labels, bad escapes, unparsable values, a TYPE after
// samples of its family, HELP/TYPE given twice, families interleaved, duplicate
// series; histograms without le, with decreasing or unsorted buckets, without
// +Inf, or whose +Inf bucket differs from _count; counters that are negative or
// whose name does not end in _total; families without HELP.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace reportflow::testing {

struct PromSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  std::string Label(const std::string& key) const {
    for (const auto& [k, v] : labels) {
      if (k == key) return v;
    }
    return "";
  }
};

struct PromFamily {
  std::string name, type = "untyped", help;
  bool has_help = false, has_type = false;
  std::vector<PromSample> samples;
};

struct PromExposition {
  std::vector<PromFamily> families;
  const PromFamily* Find(const std::string& name) const {
    for (const auto& f : families) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }
  // Value of the series `name` with exactly `labels`; NaN when absent.
  double Value(const std::string& name, const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
    for (const auto& f : families) {
      for (const auto& s : f.samples) {
        if (s.name == name && s.labels == labels) return s.value;
      }
    }
    return NAN;
  }
};

class PromStrictParser {
 public:
  // Returns false and sets *error ("line N: why") on the first violation.
  static bool Parse(const std::string& text, PromExposition* out, std::string* error) {
    PromStrictParser p(out, error);
    return p.Run(text);
  }

 private:
  PromStrictParser(PromExposition* out, std::string* error) : out_(out), error_(error) {}

  bool Fail(const std::string& why) {
    *error_ = "line " + std::to_string(line_no_) + ": " + why;
    return false;
  }
  static bool IsMetricName(const std::string& n) {
    if (n.empty()) return false;
    for (size_t i = 0; i < n.size(); ++i) {
      const char c = n[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                      (i > 0 && c >= '0' && c <= '9');
      if (!ok) return false;
    }
    return true;
  }
  static bool IsLabelName(const std::string& n) {
    if (n.empty() || n.rfind("__", 0) == 0) return false;
    for (size_t i = 0; i < n.size(); ++i) {
      const char c = n[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
      if (!ok) return false;
    }
    return true;
  }
  // Go strconv.ParseFloat syntax as Prometheus accepts it (decimal forms).
  static bool ParseValue(const std::string& s, double* v) {
    if (s == "+Inf" || s == "Inf") return *v = HUGE_VAL, true;
    if (s == "-Inf") return *v = -HUGE_VAL, true;
    if (s == "NaN") return *v = NAN, true;
    if (s.empty()) return false;
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-') ++i;
    size_t digits = 0;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      size_t exp = 0;
      while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
      if (exp == 0) return false;
    }
    if (i != s.size()) return false;
    *v = std::strtod(s.c_str(), nullptr);
    return true;
  }

  PromFamily& FamilyFor(const std::string& name) {
    if (auto it = index_.find(name); it != index_.end()) return out_->families[it->second];
    index_[name] = out_->families.size();
    out_->families.push_back(PromFamily{});
    out_->families.back().name = name;
    return out_->families.back();
  }

  // The family a sample name belongs to (histogram series carry suffixes).
  std::string FamilyNameOf(const std::string& sample) const {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (sample.size() > s.size() && sample.compare(sample.size() - s.size(), s.size(), s) == 0) {
        const std::string base = sample.substr(0, sample.size() - s.size());
        auto it = index_.find(base);
        if (it != index_.end() && out_->families[it->second].type == "histogram") return base;
      }
    }
    return sample;
  }

  bool Comment(const std::string& line) {
    if (line.rfind("# HELP ", 0) != 0 && line.rfind("# TYPE ", 0) != 0) return true;  // plain comment
    const bool help = line[2] == 'H';
    const std::string rest = line.substr(7);
    const size_t sp = rest.find(' ');
    const std::string name = rest.substr(0, sp);
    if (!IsMetricName(name)) return Fail("bad metric name in HELP/TYPE: '" + name + "'");
    if (sp == std::string::npos) return Fail("HELP/TYPE without text");
    const std::string text = rest.substr(sp + 1);
    if (seen_samples_.count(name)) return Fail("HELP/TYPE for " + name + " after its samples");
    if (closed_.count(name)) return Fail("family " + name + " interleaved with another");
    if (!current_.empty() && current_ != name) closed_.insert(current_);
    current_ = name;
    PromFamily& f = FamilyFor(name);
    if (help) {
      if (f.has_help) return Fail("second HELP for " + name);
      for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\') {
          if (i + 1 >= text.size() || (text[i + 1] != '\\' && text[i + 1] != 'n')) return Fail("bad escape in HELP");
          ++i;
        }
      }
      f.has_help = true;
      f.help = text;
    } else {
      if (f.has_type) return Fail("second TYPE for " + name);
      static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary", "untyped"};
      if (!kTypes.count(text)) return Fail("unknown type '" + text + "'");
      f.has_type = true;
      f.type = text;
    }
    return true;
  }

  bool Sample(const std::string& line) {
    PromSample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!IsMetricName(s.name)) return Fail("bad metric name '" + s.name + "'");
    std::set<std::string> keys;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i >= line.size()) return Fail("unterminated label set");
        if (line[i] == '}') {
          ++i;
          break;
        }
        size_t eq = line.find('=', i);
        if (eq == std::string::npos) return Fail("label without '='");
        const std::string key = line.substr(i, eq - i);
        if (!IsLabelName(key)) return Fail("bad label name '" + key + "'");
        if (!keys.insert(key).second) return Fail("duplicate label '" + key + "'");
        if (eq + 1 >= line.size() || line[eq + 1] != '"') return Fail("label value not quoted");
        std::string value;
        size_t j = eq + 2;
        for (;; ++j) {
          if (j >= line.size()) return Fail("unterminated label value");
          if (line[j] == '"') break;
          if (line[j] == '\\') {
            if (j + 1 >= line.size()) return Fail("dangling escape");
            const char e = line[++j];
            if (e == '\\') value.push_back('\\');
            else if (e == '"') value.push_back('"');
            else if (e == 'n') value.push_back('\n');
            else return Fail("bad escape \\" + std::string(1, e) + " in label value");
          } else {
            value.push_back(line[j]);
          }
        }
        s.labels.emplace_back(key, value);
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
        else if (i < line.size() && line[i] != '}') return Fail("expected ',' or '}' after a label");
      }
    }
    if (i >= line.size() || line[i] != ' ') return Fail("expected one space before the value");
    ++i;
    std::string rest = line.substr(i);
    std::string value = rest, ts;
    if (const size_t sp = rest.find(' '); sp != std::string::npos) {
      value = rest.substr(0, sp);
      ts = rest.substr(sp + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string::npos) return Fail("bad timestamp");
    }
    if (!ParseValue(value, &s.value)) return Fail("bad value '" + value + "'");
    const std::string family = FamilyNameOf(s.name);
    if (closed_.count(family)) return Fail("family " + family + " interleaved with another");
    if (!current_.empty() && current_ != family) closed_.insert(current_);
    current_ = family;
    seen_samples_.insert(family);
    std::string series = s.name;
    auto sorted = s.labels;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [k, v] : sorted) series += "|" + k + "=" + v;
    if (!series_.insert(series).second) return Fail("duplicate series " + series);
    FamilyFor(family).samples.push_back(std::move(s));
    return true;
  }

  bool CheckFamilies() {
    line_no_ = 0;
    for (const auto& f : out_->families) {
      if (!f.has_help) return Fail("family " + f.name + " has no HELP");
      if (!f.has_type) return Fail("family " + f.name + " has no TYPE");
      if (f.type == "counter") {
        if (f.name.size() < 6 || f.name.compare(f.name.size() - 6, 6, "_total") != 0) {
          return Fail("counter " + f.name + " does not end in _total");
        }
        for (const auto& s : f.samples) {
          if (s.name != f.name) return Fail("counter sample " + s.name + " in family " + f.name);
          if (!(s.value >= 0)) return Fail("counter " + f.name + " negative or NaN");
        }
      } else if (f.type == "gauge") {
        for (const auto& s : f.samples) {
          if (s.name != f.name) return Fail("gauge sample " + s.name + " in family " + f.name);
        }
      } else if (f.type == "histogram") {
        // Per label set (without le): buckets sorted by le, cumulative, +Inf == _count.
        struct Series {
          std::vector<std::pair<double, double>> buckets;
          double count = NAN, sum = NAN;
        };
        std::map<std::string, Series> by_labels;
        for (const auto& s : f.samples) {
          std::string key;
          double le = NAN;
          bool has_le = false;
          for (const auto& [k, v] : s.labels) {
            if (k == "le") {
              has_le = true;
              if (!ParseValue(v, &le) || std::isnan(le)) return Fail("bad le '" + v + "' in " + f.name);
            } else {
              key += k + "=" + v + ",";
            }
          }
          Series& series = by_labels[key];
          if (s.name == f.name + "_bucket") {
            if (!has_le) return Fail("bucket without le in " + f.name);
            series.buckets.emplace_back(le, s.value);
          } else if (s.name == f.name + "_count") {
            if (has_le) return Fail("le on _count in " + f.name);
            series.count = s.value;
          } else if (s.name == f.name + "_sum") {
            if (has_le) return Fail("le on _sum in " + f.name);
            series.sum = s.value;
          } else {
            return Fail("sample " + s.name + " in histogram " + f.name);
          }
        }
        for (const auto& [key, series] : by_labels) {
          if (series.buckets.empty() || !std::isinf(series.buckets.back().first)) {
            return Fail("histogram " + f.name + " lacks a final le=\"+Inf\" bucket");
          }
          for (size_t b = 1; b < series.buckets.size(); ++b) {
            if (!(series.buckets[b - 1].first < series.buckets[b].first)) return Fail("buckets of " + f.name + " unsorted");
            if (series.buckets[b - 1].second > series.buckets[b].second) {
              return Fail("buckets of " + f.name + " not cumulative");
            }
          }
          if (std::isnan(series.count) || std::isnan(series.sum)) return Fail("histogram " + f.name + " lacks _count/_sum");
          if (series.count != series.buckets.back().second) return Fail("+Inf bucket of " + f.name + " != _count");
        }
      }
    }
    return true;
  }

  bool Run(const std::string& text) {
    if (!text.empty() && text.back() != '\n') return Fail("exposition does not end with a newline");
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t nl = text.find('\n', pos);
      const std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no_;
      if (line.find('\r') != std::string::npos) return Fail("carriage return");
      if (line.empty()) continue;
      if (line[0] == '#') {
        if (!Comment(line)) return false;
      } else if (!Sample(line)) {
        return false;
      }
    }
    return CheckFamilies();
  }

  PromExposition* out_;
  std::string* error_;
  int line_no_ = 0;
  std::map<std::string, size_t> index_;
  std::set<std::string> seen_samples_, closed_, series_;
  std::string current_;
};

}  // namespace reportflow::testing
