// `reportflow eval --gold FILE --reports DIR`: precision and recall of the
// extractor against hand-checked (or generated) gold annotations, and the
// metric accuracy when the gold names acceptable metric ids (ok_metrics).
#include <iostream>

#include "cli/commands.h"
#include "services/extract/evaluation.h"
#include "services/segment/segmenter.h"

namespace reportflow::cli {
namespace {

struct EvalArgs {
  std::string gold, reports, taxonomy;
  double min_precision = 0, min_recall = 0, min_metric_accuracy = 0;
};

int Eval(const EvalArgs& args) {
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
  CLI::App* cmd = app.add_subcommand("eval", "score extraction against a gold file (devset format)");
  cmd->add_option("--gold", args->gold, "gold.jsonl")->required();
  cmd->add_option("--reports", args->reports, "folder with the reports the gold file names")->required();
  cmd->add_option("--taxonomy", args->taxonomy, "taxonomy YAML (default: built in)");
  cmd->add_option("--min-precision", args->min_precision, "exit 1 below this precision");
  cmd->add_option("--min-recall", args->min_recall, "exit 1 below this recall");
  cmd->add_option("--min-metric-accuracy", args->min_metric_accuracy,
                  "exit 1 below this metric accuracy (gold lines with ok_metrics)");
  cmd->callback([args, exit_code] { *exit_code = Eval(*args); });
}

}  // namespace reportflow::cli
