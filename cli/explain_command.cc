// `reportflow explain DOC_ID --data DIR`: a document's journey through the
// pipeline (stage times and attempts from the ingest ledger, the last error),
// its metrics with their source sentences highlighted (terminal colours when
// stdout is a terminal), its consistency findings, its audit findings (the
// other report of each near-duplicate pair with the similarity and this
// report's shared passages; year-over-year jumps with each year's documents
// and values), and the log lines that mention it (services log per-document
// lines as "doc=<id> trace=<id>").
#include <google/protobuf/util/time_util.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/audit_data.h"
#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/output.h"
#include "cli/records.h"
#include "common/results/section_path.h"

namespace reportflow::cli {
namespace {

using google::protobuf::util::TimeUtil;

struct ExplainArgs {
  std::string data_dir;
  std::string doc_id;
  std::string color = "auto";
  int log_lines = 20;
};

struct Style {
  bool color = false;
  std::string Mark(const std::string& s) const { return color ? "\033[1;30;43m" + s + "\033[0m" : "[[" + s + "]]"; }
  std::string Bold(const std::string& s) const { return color ? "\033[1m" + s + "\033[0m" : s; }
  std::string Dim(const std::string& s) const { return color ? "\033[2m" + s + "\033[0m" : s; }
  std::string Warn(const std::string& s) const { return color ? "\033[33m" + s + "\033[0m" : s; }
};

bool IsBoundary(const std::string& text, size_t pos) {
  return pos == text.size() || (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80);
}

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

// The stage timeline from the ledger entry's timestamps.
void PrintJourney(const ingest::v1::LedgerEntry& e, const Style& st) {
  std::cout << st.Bold("journey") << "  (ledger state " << DocStateName(e.state()) << ", " << e.attempts()
            << (e.attempts() == 1 ? " attempt" : " attempts") << ")\n";
  struct Step {
    const char* name;
    const google::protobuf::Timestamp* at;
    const char* took;  // what the time since the previous step was spent on
  };
  const Step steps[] = {
      {"ingested", e.has_ingested_at() ? &e.ingested_at() : nullptr, nullptr},
      {"dispatched", e.has_dispatched_at() ? &e.dispatched_at() : nullptr, "queued for a segment worker"},
      {"segmented", e.has_segmented_at() ? &e.segmented_at() : nullptr, "segment"},
      {"completed", e.has_completed_at() ? &e.completed_at() : nullptr, "extract + aggregate"},
  };
  int64_t first = -1, prev = -1;
  for (const auto& s : steps) {
    if (s.at == nullptr) {
      std::cout << "  " << s.name << std::string(12 - std::string(s.name).size(), ' ') << st.Dim("-") << "\n";
      continue;
    }
    const int64_t ms = TimeUtil::TimestampToMilliseconds(*s.at);
    std::cout << "  " << s.name << std::string(12 - std::string(s.name).size(), ' ') << TimeUtil::ToString(*s.at);
    if (first < 0) first = ms;
    if (prev >= 0 && s.took != nullptr) {
      std::cout << "  +" << Seconds(ms - prev) << "  " << st.Dim(s.took);
      if (std::string(s.name) == "dispatched" && e.attempts() > 1) std::cout << st.Dim(" (last of the attempts)");
    }
    std::cout << "\n";
    prev = ms;
  }
  if (e.has_completed_at() && first >= 0) {
    std::cout << "  total       " << Seconds(TimeUtil::TimestampToMilliseconds(e.completed_at()) - first) << "\n";
  }
  if (!e.last_error().empty()) {
    std::cout << "  " << st.Warn("last error") << "  " << e.last_error_stage() << ": " << e.last_error() << "\n";
  }
}

int Explain(const ExplainArgs& args) {
  auto reader = DataReader::Open(args.data_dir);
  if (!reader.ok()) {
    std::cerr << "reportflow explain: " << reader.status().message() << "\n";
    return 2;
  }
  DataReader& r = **reader;
  auto resolved = r.ResolveDocId(args.doc_id);
  if (!resolved.ok()) {
    std::cerr << "reportflow explain: " << resolved.status().message() << "\n";
    return 2;
  }
  const std::string doc_id = *resolved;
  Style st;
  if (args.color == "always") st.color = true;
  else if (args.color == "auto") st.color = isatty(STDOUT_FILENO);
  else if (args.color != "never") {
    std::cerr << "reportflow explain: --color must be auto, always or never\n";
    return 2;
  }
  ingest::v1::LedgerEntry entry;
  if (Status s = r.ingest().GetLedger(doc_id, &entry); !s.ok()) {
    std::cerr << "reportflow explain: " << s.message() << "\n";
    return 1;
  }
  std::cout << st.Bold("doc") << "      " << doc_id << "\n" << st.Bold("source") << "   " << entry.source() << "\n";
  if (!entry.batch_id().empty()) std::cout << st.Bold("batch") << "    " << entry.batch_id() << "\n";
  aggregate::v1::DocContribution c;
  const bool has = r.aggregator().GetContribution(doc_id, &c).ok();
  if (has) {
    const auto& m = c.metadata();
    std::cout << st.Bold("unit") << "     " << (m.township().empty() ? "(unknown)" : m.township()) << "  "
              << m.county() << (m.has_year() ? "  " + std::to_string(m.year()) : "") << "\n";
    if (!m.title().empty()) std::cout << st.Bold("title") << "    " << m.title() << "\n";
    std::cout << st.Bold("version") << "  " << c.processing_version() << "\n";
  }
  std::cout << "\n";
  PrintJourney(entry, st);

  ingest::v1::RawDocument raw;
  const bool has_text = r.ingest().GetDocument(doc_id, &raw).ok();
  const std::string& text = raw.text();
  std::cout << "\n" << st.Bold("metrics") << " (" << (has ? c.metrics_size() : 0) << ")\n";
  if (!has) std::cout << "  " << st.Dim("no aggregate contribution (not complete yet, or quarantined)") << "\n";
  // Metrics grouped by sentence, in text order.
  std::map<std::pair<uint32_t, uint32_t>, std::vector<int>> sentences;
  for (int i = 0; has && i < c.metrics_size(); ++i) {
    const auto& m = c.metrics(i);
    sentences[{m.sentence_span().begin(), m.sentence_span().end()}].push_back(i);
  }
  for (const auto& [range, idxs] : sentences) {
    const bool ok = has_text && range.first < range.second && range.second <= text.size() &&
                    IsBoundary(text, range.first) && IsBoundary(text, range.second);
    if (ok) {
      std::string line;
      size_t pos = range.first;
      for (int i : idxs) {
        const auto& sp = c.metrics(i).span();
        if (sp.begin() < pos || sp.end() > range.second || sp.begin() >= sp.end() || !IsBoundary(text, sp.begin()) ||
            !IsBoundary(text, sp.end())) {
          continue;
        }
        line += text.substr(pos, sp.begin() - pos) + st.Mark(text.substr(sp.begin(), sp.end() - sp.begin()));
        pos = sp.end();
      }
      line += text.substr(pos, range.second - pos);
      for (auto& ch : line) {
        if (ch == '\n') ch = ' ';
      }
      std::cout << "  “" << line << "”\n";
    } else {
      std::cout << "  " << st.Dim("(sentence text unavailable)") << "\n";
    }
    for (int i : idxs) {
      const auto& m = c.metrics(i);
      const std::string section = results::JoinedSectionPath(c.sections(), m, " › ");
      auto rec = MetricRecord(doc_id, entry.source(), c.metadata(), m, c.sections());
      std::cout << "    #" << i + 1 << " " << st.Bold(m.metric_id()) << " = " << PlainText(rec["value"])
                << (m.has_value_max() ? "–" + PlainText(rec["value_max"]) : "") << " " << m.unit() << "  ("
                << ApproxName(m.approx()) << ")  subject " << m.subject() << "  bytes [" << m.span().begin() << ","
                << m.span().end() << ")" << (section.empty() ? "" : "  § " + section) << "\n";
    }
  }
  if (has && c.findings_size() > 0) {
    std::cout << "\n" << st.Bold("findings") << " (" << c.findings_size() << ")\n";
    for (const auto& f : c.findings()) {
      std::string refs;
      for (uint32_t idx : f.metric_indexes()) refs += " #" + std::to_string(idx + 1);
      std::cout << "  " << st.Warn(f.code()) << ": " << f.message() << (refs.empty() ? "" : "  (metrics" + refs + ")")
                << "\n";
    }
  }
  // Audit: other reports sharing most of this one's masked text, and its year-over-year jumps.
  std::vector<aggregate::v1::AuditFinding> audit_findings;
  Status audited = Status::OK();
  for (const char* kind : {"near_duplicate", "yoy_jump"}) {
    if (!audited.ok()) break;
    audited = ForEachFinding(r, kind, "", [&](const aggregate::v1::AuditFinding& f) {
      for (const auto& d : f.documents()) {
        if (d.doc_id() == doc_id) {
          audit_findings.push_back(f);
          return;
        }
      }
    });
  }
  if (!audited.ok()) {
    std::cout << "\n" << st.Warn("audit findings unavailable") << ": " << audited.message() << "\n";
  } else if (!audit_findings.empty()) {
    std::cout << "\n" << st.Bold("audit") << " (" << audit_findings.size() << ")\n";
    for (const auto& f : audit_findings) {
      std::cout << "  " << st.Warn(f.kind() + "/" + f.code()) << ": " << f.message() << "\n";
      if (f.kind() == "near_duplicate") {
        for (const auto& d : f.documents()) {
          if (d.doc_id() != doc_id) {
            std::cout << "    " << st.Dim("copy pair with") << " " << d.doc_id().substr(0, 12) << "  " << d.source()
                      << "  (" << (d.region().empty() ? "unknown unit" : d.region())
                      << (d.year() ? " " + std::to_string(d.year()) : "") << ")  similarity "
                      << static_cast<int>(f.similarity() * 100 + 0.5) << "%"
                      << (f.numbers_differ() ? ", numbers differ" : ", same numbers") << "\n";
            continue;
          }
          // This report's shared passages, the first one quoted.
          std::string spans;
          for (int i = 0; i < d.spans_size() && i < 6; ++i) {
            spans += " [" + std::to_string(d.spans(i).begin()) + "," + std::to_string(d.spans(i).end()) + ")";
          }
          if (d.spans_size() > 6) spans += " ... " + std::to_string(d.spans_size() - 6) + " more";
          if (!spans.empty()) std::cout << "    " << st.Dim("shared here: bytes") << spans << "\n";
          if (has_text && d.spans_size() > 0) {
            const auto& sp = d.spans(0);
            size_t end = std::min<size_t>(sp.end(), text.size());
            size_t cut = std::min<size_t>(end, sp.begin() + 180);
            while (cut > sp.begin() && !IsBoundary(text, cut)) --cut;
            if (sp.begin() < cut && IsBoundary(text, sp.begin())) {
              std::string quote = text.substr(sp.begin(), cut - sp.begin());
              for (auto& ch : quote) {
                if (ch == '\n') ch = ' ';
              }
              std::cout << "    “" << quote << (cut < end ? "…" : "") << "”\n";
            }
          }
        }
      } else {  // yoy_jump: each year's documents with their values
        for (const auto& d : f.documents()) {
          std::cout << "    " << d.year() << "  "
                    << (d.has_value() ? PlainText(nlohmann::ordered_json(d.value())) : std::string("-")) << "  "
                    << d.doc_id().substr(0, 12) << "  " << d.source()
                    << (d.doc_id() == doc_id ? st.Dim("  (this report)") : "") << "\n";
        }
      }
    }
  }
  // Log lines about this document (services log "doc=<id> trace=<id> ...").
  if (args.log_lines > 0) {
    const auto log_dir = std::filesystem::path(r.config().data_dir()) / "logs";
    std::vector<std::string> lines;
    size_t total = 0;
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& f : std::filesystem::directory_iterator(log_dir, ec)) {
      if (f.path().extension() == ".log") files.push_back(f.path());
    }
    std::sort(files.begin(), files.end());
    const std::string needle = "doc=" + doc_id;
    for (const auto& f : files) {
      std::ifstream in(f);
      std::string line;
      while (std::getline(in, line)) {
        if (line.find(needle) == std::string::npos) continue;
        ++total;
        if (lines.size() < static_cast<size_t>(args.log_lines)) lines.push_back(f.stem().string() + ": " + line);
      }
    }
    std::cout << "\n" << st.Bold("log lines") << " (" << total << " in " << log_dir.string() << ")\n";
    for (const auto& l : lines) std::cout << "  " << l << "\n";
    if (total == 0) {
      std::cout << "  " << st.Dim("none: per-document lines are logged at debug level (reportflow run --set logging.level=debug)")
                << "\n";
    }
    if (total > lines.size()) std::cout << "  " << st.Dim("... " + std::to_string(total - lines.size()) + " more") << "\n";
  }
  return 0;
}

}  // namespace

void AddExplainCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd =
      app.add_subcommand("explain", "a document's journey (stage times, attempts) and its metrics in their sentences");
  cmd->add_option("doc_id", args->doc_id, "document id (or a unique prefix of at least 6 characters)")->required();
  cmd->add_option("--data,-d", args->data_dir, "data directory")->required();
  cmd->add_option("--color", args->color, "auto, always or never")->capture_default_str();
  cmd->add_option("--logs", args->log_lines, "log lines about the document to show (0: none)")->capture_default_str();
  cmd->callback([args, exit_code] { *exit_code = Explain(*args); });
}

}  // namespace reportflow::cli
