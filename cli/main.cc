// reportflow: the operator's command line.
#include <CLI/CLI.hpp>
#include <archive.h>
#include <sqlite3.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/near_match.h"
#include "common/service/command_line.h"

namespace {

// The first argument that is not an option, when it names no subcommand
// ("stauts"): CLI11 would only say "A subcommand is required".
std::string UnknownCommand(const CLI::App& app, int argc, char** argv, std::vector<std::string>* names) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names->push_back(sub->get_name());
  if (argc < 2 || argv[1][0] == '-') return "";
  for (const auto& n : *names) {
    if (n == argv[1]) return "";
  }
  return argv[1];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"reportflow: structured, auditable metrics from township rule-of-law reports", "reportflow"};
  app.require_subcommand(1);
  app.set_version_flag("--version", reportflow::service::VersionText(
                                        "reportflow", {{"libarchive", ARCHIVE_VERSION_ONLY_STRING},
                                                       {"sqlite", sqlite3_libversion()},
                                                       {"CLI11", CLI11_VERSION}}));
  app.footer("Exit codes: 0 every input became a document; 1 failure; 2 usage error; 3 some inputs rejected; "
             "4 some documents quarantined; 5 nothing to do; 130/143 interrupted (docs/operators.md).");
  int exit_code = 0;
  reportflow::cli::AddRunCommand(app, &exit_code);
  reportflow::cli::AddDocsCommand(app, &exit_code);
  reportflow::cli::AddMetricsCommand(app, &exit_code);
  reportflow::cli::AddAggregatesCommand(app, &exit_code);
  reportflow::cli::AddShowCommand(app, &exit_code);
  reportflow::cli::AddEvalCommand(app, &exit_code);
  reportflow::cli::AddReextractCommand(app, &exit_code);
  reportflow::cli::AddGenCorpusCommand(app, &exit_code);
  reportflow::cli::AddStatusCommand(app, &exit_code);
  reportflow::cli::AddReportCommand(app, &exit_code);
  reportflow::cli::AddExplainCommand(app, &exit_code);
  reportflow::cli::AddKeygenCommand(app, &exit_code);
  reportflow::cli::AddQuarantineCommand(app, &exit_code);
  reportflow::cli::AddSubscribeCommand(app, &exit_code);
  reportflow::cli::AddFindingsCommand(app, &exit_code);
  reportflow::cli::AddCoverageCommand(app, &exit_code);
  reportflow::cli::AddExportCommand(app, &exit_code);
  reportflow::cli::AddServeCommand(app, &exit_code);
  std::vector<std::string> commands;
  if (const std::string unknown = UnknownCommand(app, argc, argv, &commands); !unknown.empty()) {
    std::cerr << "reportflow: unknown command '" << unknown << "'"
              << reportflow::cli::DidYouMean(reportflow::cli::NearMatches(unknown, commands))
              << "\nRun reportflow --help for the list of commands.\n";
    return reportflow::cli::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return reportflow::service::ParseErrorExit(app, e);
  }
  return exit_code;
}
