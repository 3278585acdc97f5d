#include "services/extract/evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/base/macros.h"
#include "common/text/encoding.h"
#include "common/text/utf8.h"

namespace reportflow::extract {

namespace {

namespace cpb = ::reportflow::common::v1;
using json = nlohmann::json;

Result<cpb::Approx> ParseApprox(const std::string& s) {
  if (s == "exact") return cpb::APPROX_EXACT;
  if (s == "more_than") return cpb::APPROX_MORE_THAN;
  if (s == "about") return cpb::APPROX_ABOUT;
  if (s == "less_than") return cpb::APPROX_LESS_THAN;
  if (s == "at_least") return cpb::APPROX_AT_LEAST;
  return Status::InvalidArgument("unknown approx '" + s + "'");
}

Result<cpb::QuantityKind> ParseKind(const std::string& s) {
  if (s == "count") return cpb::QUANTITY_KIND_COUNT;
  if (s == "percent") return cpb::QUANTITY_KIND_PERCENT;
  if (s == "money") return cpb::QUANTITY_KIND_MONEY;
  if (s == "other") return cpb::QUANTITY_KIND_OTHER;
  return Status::InvalidArgument("unknown kind '" + s + "'");
}

std::string ApproxName(cpb::Approx a) {
  switch (a) {
    case cpb::APPROX_EXACT: return "exact";
    case cpb::APPROX_MORE_THAN: return "more_than";
    case cpb::APPROX_ABOUT: return "about";
    case cpb::APPROX_LESS_THAN: return "less_than";
    case cpb::APPROX_AT_LEAST: return "at_least";
    default: return "unspecified";
  }
}

std::string Num(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%g", v);
  }
  return buf;
}

std::string Describe(double value, const std::string& unit, cpb::Approx approx) {
  return "(" + Num(value) + ", " + unit + ", " + ApproxName(approx) + ")";
}

bool SameClaim(const GoldItem& g, const v1::Metric& m) {
  return std::fabs(g.value - m.value()) < 1e-9 && g.unit == m.unit() && g.approx == m.approx();
}

bool Overlaps(const GoldItem& g, const v1::Metric& m) {
  return m.span().begin() < g.end && g.begin < m.span().end();
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return ss.str();
}

}  // namespace

Result<std::vector<GoldItem>> ParseGoldJsonl(std::string_view content) {
  std::vector<GoldItem> out;
  int line_no = 0;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = "gold line " + std::to_string(line_no) + ": ";
    json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument(where + "not a JSON object");
    GoldItem g;
    g.line = line_no;
    for (const char* key : {"file", "text", "unit", "approx", "kind", "subject"}) {
      if (!j.contains(key) || !j[key].is_string()) {
        return Status::InvalidArgument(where + "missing string field '" + key + "'");
      }
    }
    if (!j.contains("value") || !j["value"].is_number()) {
      return Status::InvalidArgument(where + "missing number field 'value'");
    }
    g.file = j["file"].get<std::string>();
    g.text = j["text"].get<std::string>();
    g.unit = j["unit"].get<std::string>();
    g.subject = j["subject"].get<std::string>();
    g.value = j["value"].get<double>();
    if (g.text.empty()) return Status::InvalidArgument(where + "empty text");
    auto approx = ParseApprox(j["approx"].get<std::string>());
    if (!approx.ok()) return approx.status().WithContext(where);
    g.approx = *approx;
    auto kind = ParseKind(j["kind"].get<std::string>());
    if (!kind.ok()) return kind.status().WithContext(where);
    g.kind = *kind;
    if (j.contains("ok_metrics")) {
      if (!j["ok_metrics"].is_array()) return Status::InvalidArgument(where + "'ok_metrics' must be a list");
      for (const auto& id : j["ok_metrics"]) {
        if (!id.is_string()) return Status::InvalidArgument(where + "'ok_metrics' items must be strings");
        g.ok_metrics.push_back(id.get<std::string>());
      }
    }
    if (j.contains("doubtful")) {
      if (!j["doubtful"].is_boolean()) return Status::InvalidArgument(where + "'doubtful' must be a boolean");
      g.doubtful = j["doubtful"].get<bool>();
    }
    out.push_back(std::move(g));
  }
  return out;
}

Status LocateGold(const std::map<std::string, std::string>& texts, std::vector<GoldItem>* gold) {
  for (GoldItem& g : *gold) {
    auto it = texts.find(g.file);
    if (it == texts.end()) {
      return Status::NotFound("gold line " + std::to_string(g.line) + ": no report named " + g.file);
    }
    const std::string& t = it->second;
    const size_t p = t.find(g.text);
    if (p == std::string::npos) {
      return Status::InvalidArgument("gold line " + std::to_string(g.line) + ": span '" + g.text +
                                     "' not found in " + g.file);
    }
    if (t.find(g.text, p + 1) != std::string::npos) {
      return Status::InvalidArgument("gold line " + std::to_string(g.line) + ": span '" + g.text +
                                     "' occurs more than once in " + g.file);
    }
    g.begin = static_cast<uint32_t>(p);
    g.end = static_cast<uint32_t>(p + g.text.size());
  }
  return Status::OK();
}

EvalReport Score(const std::vector<GoldItem>& gold, const std::map<std::string, v1::ExtractionResult>& results) {
  EvalReport report;
  for (const auto& [file, result] : results) {
    FileScore fs;
    fs.file = file;
    std::vector<const GoldItem*> items;
    for (const GoldItem& g : gold) {
      if (g.file == file) items.push_back(&g);
    }
    std::sort(items.begin(), items.end(), [](const GoldItem* a, const GoldItem* b) { return a->begin < b->begin; });
    const int nm = result.metrics_size();
    fs.extracted = nm;
    std::vector<int> metric_gold(nm, -1);  // index into items, or -1
    std::vector<bool> gold_matched(items.size(), false);
    // Pass 1: exact claims first, so a wrong neighbour never steals a match.
    for (size_t gi = 0; gi < items.size(); ++gi) {
      for (int mi = 0; mi < nm; ++mi) {
        const v1::Metric& m = result.metrics(mi);
        if (metric_gold[mi] < 0 && Overlaps(*items[gi], m) && SameClaim(*items[gi], m)) {
          metric_gold[mi] = static_cast<int>(gi);
          gold_matched[gi] = true;
          break;
        }
      }
    }
    for (size_t gi = 0; gi < items.size(); ++gi) {
      const GoldItem& g = *items[gi];
      if (g.doubtful) {
        ++fs.doubtful;
        continue;
      }
      ++fs.gold;
      if (gold_matched[gi]) continue;
      ++fs.misses;
      std::string found;
      for (int mi = 0; mi < nm; ++mi) {
        const v1::Metric& m = result.metrics(mi);
        if (Overlaps(g, m)) {
          found += (found.empty() ? "" : "; ") + std::string("'") + m.text() + "' " +
                   Describe(m.value(), m.unit(), m.approx());
        }
      }
      report.missed.push_back({file, g.text, g.begin,
                               "expected " + Describe(g.value, g.unit, g.approx) + ", " +
                                   (found.empty() ? "nothing extracted" : "found " + found)});
    }
    for (int mi = 0; mi < nm; ++mi) {
      const v1::Metric& m = result.metrics(mi);
      if (metric_gold[mi] >= 0) {
        const GoldItem& g = *items[metric_gold[mi]];
        if (g.doubtful) {
          ++fs.neutral;
        } else {
          ++fs.true_positives;
          if (!g.ok_metrics.empty()) {
            ++fs.metric_scored;
            if (std::find(g.ok_metrics.begin(), g.ok_metrics.end(), m.metric_id()) != g.ok_metrics.end()) {
              ++fs.metric_correct;
            } else {
              std::string ok;
              for (const std::string& id : g.ok_metrics) ok += (ok.empty() ? "" : "|") + id;
              ++report.confusion[{ok, m.metric_id()}];
              report.metric_errors.push_back(
                  {file, g.text, g.begin, "ok " + ok + " → got " + m.metric_id() + " (subject '" + m.subject() + "')"});
            }
          }
        }
        continue;
      }
      bool on_doubtful = false;
      std::string overlapping;
      for (const GoldItem* g : items) {
        if (!Overlaps(*g, m)) continue;
        if (g->doubtful) on_doubtful = true;
        else overlapping = g->text + " " + Describe(g->value, g->unit, g->approx);
      }
      if (on_doubtful) {
        ++fs.neutral;
        continue;
      }
      ++fs.false_positives;
      report.false_positive_list.push_back(
          {file, m.text(), m.span().begin(),
           "extracted " + Describe(m.value(), m.unit(), m.approx()) + " subject '" + m.subject() + "'" +
               (overlapping.empty() ? std::string(", no gold span") : ", gold '" + overlapping + "'")});
    }
    report.gold += fs.gold;
    report.doubtful += fs.doubtful;
    report.extracted += fs.extracted;
    report.true_positives += fs.true_positives;
    report.false_positives += fs.false_positives;
    report.misses += fs.misses;
    report.neutral += fs.neutral;
    report.metric_scored += fs.metric_scored;
    report.metric_correct += fs.metric_correct;
    report.files.push_back(std::move(fs));
  }
  const int predicted = report.true_positives + report.false_positives;
  report.precision = predicted == 0 ? 1.0 : static_cast<double>(report.true_positives) / predicted;
  report.recall = report.gold == 0 ? 1.0 : static_cast<double>(report.gold - report.misses) / report.gold;
  report.metric_accuracy =
      report.metric_scored == 0 ? 1.0 : static_cast<double>(report.metric_correct) / report.metric_scored;
  return report;
}

std::string EvalReport::ToString() const {
  std::ostringstream os;
  char buf[256];
  std::snprintf(buf, sizeof(buf), "precision %.4f (%d/%d)  recall %.4f (%d/%d)\n", precision, true_positives,
                true_positives + false_positives, recall, gold - misses, gold);
  os << buf;
  std::snprintf(buf, sizeof(buf),
                "gold %d (+%d doubtful), extracted %d: %d true positives, %d false positives, %d on doubtful "
                "items, %d misses\n",
                gold, doubtful, extracted, true_positives, false_positives, neutral, misses);
  os << buf;
  if (metric_scored > 0) {
    std::snprintf(buf, sizeof(buf), "metric accuracy %.4f (%d/%d matched quantities with an acceptable metric id)\n",
                  metric_accuracy, metric_correct, metric_scored);
    os << buf;
  }
  os << "\nfile                                   gold  dbt  extr    tp    fp  miss\n";
  for (const FileScore& f : files) {
    std::snprintf(buf, sizeof(buf), "%-38s %4d %4d %5d %5d %5d %5d\n", f.file.c_str(), f.gold, f.doubtful,
                  f.extracted, f.true_positives, f.false_positives, f.misses);
    os << buf;
  }
  if (!missed.empty()) {
    os << "\nmisses:\n";
    for (const EvalIssue& i : missed) os << "  " << i.file << " @" << i.begin << " '" << i.text << "': " << i.detail << "\n";
  }
  if (!confusion.empty()) {
    std::vector<std::pair<int, std::pair<std::string, std::string>>> sorted;
    for (const auto& [key, n] : confusion) sorted.push_back({n, key});
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    os << "\nmetric confusion (gold ok → got, count):\n";
    for (const auto& [n, key] : sorted) os << "  " << key.first << " → " << key.second << "  " << n << "\n";
    os << "\nwrong metric ids:\n";
    const size_t shown = std::min<size_t>(metric_errors.size(), 200);
    for (size_t i = 0; i < shown; ++i) {
      const EvalIssue& e = metric_errors[i];
      os << "  " << e.file << " @" << e.begin << " '" << e.text << "': " << e.detail << "\n";
    }
    if (shown < metric_errors.size()) os << "  … " << metric_errors.size() - shown << " more\n";
  }
  if (!false_positive_list.empty()) {
    os << "\nfalse positives:\n";
    for (const EvalIssue& i : false_positive_list) {
      os << "  " << i.file << " @" << i.begin << " '" << i.text << "': " << i.detail << "\n";
    }
  }
  return os.str();
}

Result<EvalReport> EvaluateReports(const std::string& gold_path, const std::string& reports_dir,
                                   const SegmentFn& segment, const Extractor& extractor) {
  ASSIGN_OR_RETURN(std::string gold_content, ReadFile(gold_path));
  ASSIGN_OR_RETURN(std::vector<GoldItem> gold, ParseGoldJsonl(gold_content));
  std::error_code ec;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(reports_dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") paths.push_back(entry.path());
  }
  if (ec) return Status::IoError("cannot list " + reports_dir + ": " + ec.message());
  if (paths.empty()) return Status::NotFound("no *.txt reports in " + reports_dir);
  std::sort(paths.begin(), paths.end());
  std::map<std::string, std::string> texts;
  std::map<std::string, v1::ExtractionResult> results;
  for (const auto& path : paths) {
    const std::string name = path.filename().string();
    ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
    auto decoded = text::DecodeToUtf8(bytes);
    if (!decoded.ok()) return decoded.status().WithContext(name);
    std::string utf8 = text::NormalizeNewlines(decoded->utf8);
    segment::v1::SegmentedDocument doc;
    doc.set_source(name);
    RETURN_IF_ERROR(segment(utf8, &doc).WithContext("segment " + name));
    v1::ExtractionResult result;
    RETURN_IF_ERROR(extractor.Extract(doc, &result).WithContext("extract " + name));
    texts.emplace(name, doc.text());
    results.emplace(name, std::move(result));
  }
  RETURN_IF_ERROR(LocateGold(texts, &gold));
  return Score(gold, results);
}

}  // namespace reportflow::extract
