// reportflow: the operator's command line.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"reportflow: structured, auditable metrics from township rule-of-law reports", "reportflow"};
  app.require_subcommand(1);
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
