// `reportflow gen-corpus --reports N --seed S --out DIR`: a deterministic
// synthetic province with ground truth (see cli/corpus_generator.h).
#include <iostream>

#include "cli/commands.h"
#include "cli/corpus_generator.h"

namespace reportflow::cli {

void AddGenCorpusCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<CorpusOptions>();
  CLI::App* cmd = app.add_subcommand("gen-corpus", "generate synthetic reports with gold annotations (deterministic)");
  cmd->add_option("--reports,-n", options->reports, "number of reports")->required();
  cmd->add_option("--seed", options->seed, "random seed")->capture_default_str();
  cmd->add_option("--out,-o", options->out_dir, "output folder (reports/, gold.jsonl, gold_meta.jsonl, gold_copies.jsonl)")->required();
  cmd->add_option("--copies", options->copies_percent,
                  "percentage of reports planted as near-copies of another report (listed in gold_copies.jsonl)")
      ->capture_default_str();
  cmd->callback([options, exit_code] {
    auto stats = GenerateCorpus(*options);
    if (!stats.ok()) {
      std::cerr << "reportflow gen-corpus: " << stats.status().message() << "\n";
      *exit_code = 1;
      return;
    }
    std::cout << "wrote " << stats->text_files << " report files and " << stats->archives << " archives ("
              << stats->archived << " reports), " << stats->bytes << " bytes, " << stats->gold_items
              << " gold quantities";
    if (stats->copies > 0) std::cout << ", " << stats->copies << " planted copies";
    std::cout << " to " << options->out_dir << "\n"
              << "score: reportflow eval --gold " << options->out_dir << "/gold.jsonl --reports " << options->out_dir
              << "/reports\n";
  });
}

}  // namespace reportflow::cli
