// `reportflow eval --gold FILE --reports DIR`: precision and recall of the
// extractor against hand-checked (or generated) gold annotations, and the
// metric accuracy when the gold names acceptable metric ids (ok_metrics).
// `reportflow eval --copies gold_copies.jsonl --data DIR`: precision and
// recall of the near-duplicate findings against the copies gen-corpus planted.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/audit_data.h"
#include "cli/commands.h"
#include "cli/data_reader.h"
#include "common/audit/near_duplicate.h"
#include "common/storage/store.h"
#include "services/aggregate/audit_keeper.h"
#include "services/extract/evaluation.h"
#include "services/segment/segmenter.h"

namespace reportflow::cli {
namespace {

struct EvalArgs {
  std::string gold, reports, taxonomy;
  std::string copies, data;
  bool distribution = false;
  double min_precision = 0, min_recall = 0, min_metric_accuracy = 0;
};

// A report's file name: the last component of its source (archive members too).
std::string FileOf(const std::string& source) {
  const size_t cut = source.find_last_of("/!");
  return cut == std::string::npos ? source : source.substr(cut + 1);
}

// Planted pairs: every two reports of one family (a source and its copies,
// joined through shared sources), as "a|b" with a < b.
Result<std::set<std::string>> PlantedPairs(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::map<std::string, std::string> parent;
  auto find = [&](std::string x) {
    while (parent.count(x) && parent[x] != x) x = parent[x];
    return x;
  };
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("file") || !j.contains("source")) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": not a gold_copies line");
    }
    const std::string a = j["file"], b = j["source"];
    for (const auto& x : {a, b}) {
      if (!parent.count(x)) parent[x] = x;
    }
    parent[find(a)] = find(b);
  }
  std::map<std::string, std::vector<std::string>> families;
  for (const auto& [x, p] : parent) families[find(x)].push_back(x);
  std::set<std::string> pairs;
  for (const auto& [root, members] : families) {
    for (size_t i = 0; i < members.size(); ++i) {
      for (size_t k = i + 1; k < members.size(); ++k) {
        pairs.insert(std::min(members[i], members[k]) + "|" + std::max(members[i], members[k]));
      }
    }
  }
  return pairs;
}

std::string Quantiles(std::vector<double> v) {
  if (v.empty()) return "(none)";
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))]; };
  char buf[160];
  std::snprintf(buf, sizeof(buf), "n=%zu min %.3f p50 %.3f p99 %.3f p99.9 %.3f max %.3f", v.size(), v.front(), q(0.5),
                q(0.99), q(0.999), v.back());
  return buf;
}

// The exact similarity of every planted pair, of every pair of unplanted
// reports of one county (template siblings with the county's boilerplate) and
// of 200,000 random unplanted pairs; and the index's memory.
Status PrintDistribution(DataReader& reader, const std::set<std::string>& planted) {
  auto store = storage::OpenRocksDbStore(reader.config().aggregate().store_path(),
                                         aggregate::Aggregator::ColumnFamilies(), storage::OpenMode::kReadOnly);
  if (!store.ok()) return store.status();
  aggregate::AuditKeeper keeper(store->get(), audit::AuditOptions());
  if (Status s = keeper.Load(); !s.ok()) return s;
  std::vector<aggregate::v1::AuditDocument> docs;
  if (Status s = keeper.ForEachDocument([&](const aggregate::v1::AuditDocument& d) { docs.push_back(d); }); !s.ok()) {
    return s;
  }
  std::map<std::string, size_t> by_file;
  std::set<std::string> in_family;
  for (const auto& p : planted) {
    in_family.insert(p.substr(0, p.find('|')));
    in_family.insert(p.substr(p.find('|') + 1));
  }
  std::map<std::string, std::vector<size_t>> by_county;
  for (size_t i = 0; i < docs.size(); ++i) {
    by_file[FileOf(docs[i].source())] = i;
    if (!in_family.count(FileOf(docs[i].source()))) by_county[docs[i].county_code()].push_back(i);
  }
  auto sim = [&](size_t a, size_t b) { return keeper.Compare(docs[a].fingerprint(), docs[b].fingerprint()).similarity; };
  std::vector<double> planted_sims, county_sims, random_sims;
  for (const auto& p : planted) {
    auto a = by_file.find(p.substr(0, p.find('|'))), b = by_file.find(p.substr(p.find('|') + 1));
    if (a != by_file.end() && b != by_file.end()) planted_sims.push_back(sim(a->second, b->second));
  }
  for (const auto& [county, members] : by_county) {
    for (size_t i = 0; i < members.size(); ++i) {
      for (size_t k = i + 1; k < members.size(); ++k) county_sims.push_back(sim(members[i], members[k]));
    }
  }
  std::vector<size_t> unplanted;
  for (const auto& [county, members] : by_county) unplanted.insert(unplanted.end(), members.begin(), members.end());
  uint64_t state = 42;
  for (int i = 0; i < 200000 && unplanted.size() > 1; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const size_t a = unplanted[(state >> 33) % unplanted.size()];
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const size_t b = unplanted[(state >> 33) % unplanted.size()];
    if (a != b) random_sims.push_back(sim(a, b));
  }
  std::cout << "similarity of planted pairs:              " << Quantiles(planted_sims) << "\n"
            << "similarity of unplanted same-county pairs: " << Quantiles(county_sims) << "\n"
            << "similarity of random unplanted pairs:      " << Quantiles(random_sims) << "\n"
            << "duplicate index: " << keeper.indexed() << " documents, " << keeper.IndexMemoryBytes() / 1024 / 1024.0
            << " MB\n";
  return Status::OK();
}

int EvalCopies(const EvalArgs& args) {
  auto planted = PlantedPairs(args.copies);
  auto reader = planted.ok() ? DataReader::Open(args.data) : Result<std::unique_ptr<DataReader>>(planted.status());
  if (!reader.ok()) {
    std::cerr << "reportflow eval: " << reader.status().message() << "\n";
    return 2;
  }
  std::set<std::string> found;
  std::map<std::string, int> by_code;
  std::vector<double> true_sims, false_sims;
  Status s = ForEachFinding(**reader, "near_duplicate", "", [&](const aggregate::v1::AuditFinding& f) {
    if (f.documents_size() != 2) return;
    const std::string a = FileOf(f.documents(0).source()), b = FileOf(f.documents(1).source());
    const std::string key = std::min(a, b) + "|" + std::max(a, b);
    found.insert(key);
    (planted->count(key) ? true_sims : false_sims).push_back(f.similarity());
    ++by_code[f.code()];
  });
  if (!s.ok()) {
    std::cerr << "reportflow eval: " << s.message() << "\n";
    return 2;
  }
  size_t hits = 0;
  for (const auto& p : found) hits += planted->count(p);
  const double precision = found.empty() ? 1.0 : static_cast<double>(hits) / found.size();
  const double recall = planted->empty() ? 1.0 : static_cast<double>(hits) / planted->size();
  std::cout << "near-duplicate pairs: planted " << planted->size() << ", found " << found.size() << ", both " << hits
            << "\nprecision " << precision << "  recall " << recall << "\n";
  for (const auto& [code, n] : by_code) std::cout << "  " << code << ": " << n << "\n";
  std::sort(true_sims.begin(), true_sims.end());
  std::sort(false_sims.begin(), false_sims.end());
  if (!true_sims.empty()) std::cout << "similarity of planted pairs found: min " << true_sims.front() << ", median " << true_sims[true_sims.size() / 2] << "\n";
  if (!false_sims.empty()) std::cout << "similarity of other pairs found: max " << false_sims.back() << "\n";
  for (const auto& p : *planted) {
    if (!found.count(p)) std::cout << "  missed " << p << "\n";
  }
  if (args.distribution) {
    Status d = PrintDistribution(**reader, *planted);
    if (!d.ok()) {
      std::cerr << "reportflow eval: " << d.message() << "\n";
      return 2;
    }
  }
  if (precision < args.min_precision || recall < args.min_recall) {
    std::cerr << "reportflow eval: below the required precision " << args.min_precision << " / recall "
              << args.min_recall << "\n";
    return 1;
  }
  return 0;
}

int Eval(const EvalArgs& args) {
  if (!args.copies.empty()) {
    if (args.data.empty()) {
      std::cerr << "reportflow eval: --copies needs --data (the data directory of a run over the corpus)\n";
      return 2;
    }
    return EvalCopies(args);
  }
  if (args.gold.empty() || args.reports.empty()) {
    std::cerr << "reportflow eval: give --gold and --reports (or --copies and --data)\n";
    return 2;
  }
  auto segmenter = segment::Segmenter::Create();
  auto taxonomy = args.taxonomy.empty() ? extract::Taxonomy::Default() : extract::Taxonomy::LoadFile(args.taxonomy);
  if (!segmenter.ok() || !taxonomy.ok()) {
    std::cerr << "reportflow eval: " << (segmenter.ok() ? taxonomy.status() : segmenter.status()).message() << "\n";
    return 2;
  }
  auto extractor = extract::Extractor::Create(*taxonomy);
  if (!extractor.ok()) {
    std::cerr << "reportflow eval: " << extractor.status().message() << "\n";
    return 2;
  }
  segment::Segmenter* seg = segmenter->get();
  auto report = extract::EvaluateReports(
      args.gold, args.reports,
      [seg](std::string_view text, segment::v1::SegmentedDocument* out) { return seg->Segment(text, out); },
      **extractor);
  if (!report.ok()) {
    std::cerr << "reportflow eval: " << report.status().message() << "\n";
    return 2;
  }
  std::cout << report->ToString();
  if (report->precision < args.min_precision || report->recall < args.min_recall) {
    std::cerr << "reportflow eval: below the required precision " << args.min_precision << " / recall "
              << args.min_recall << "\n";
    return 1;
  }
  if (report->metric_accuracy < args.min_metric_accuracy) {
    std::cerr << "reportflow eval: metric accuracy below the required " << args.min_metric_accuracy << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void AddEvalCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "score extraction against a gold file (devset format), or near-duplicates against planted copies");
  cmd->add_option("--gold", args->gold, "gold.jsonl");
  cmd->add_option("--reports", args->reports, "folder with the reports the gold file names");
  cmd->add_option("--copies", args->copies, "gold_copies.jsonl of gen-corpus --copies: score the near-duplicate findings");
  cmd->add_option("--data,-d", args->data, "with --copies: the data directory of a run over that corpus");
  cmd->add_flag("--distribution", args->distribution,
                "with --copies: the similarity of planted, same-county and random pairs, and the index memory");
  cmd->add_option("--taxonomy", args->taxonomy, "taxonomy YAML (default: built in)");
  cmd->add_option("--min-precision", args->min_precision, "exit 1 below this precision");
  cmd->add_option("--min-recall", args->min_recall, "exit 1 below this recall");
  cmd->add_option("--min-metric-accuracy", args->min_metric_accuracy,
                  "exit 1 below this metric accuracy (gold lines with ok_metrics)");
  cmd->callback([args, exit_code] { *exit_code = Eval(*args); });
}

}  // namespace reportflow::cli
