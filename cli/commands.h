// The CLI's subcommands. Each Add*Command registers one subcommand on `app`;
// when it runs, it stores its process exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>

namespace reportflow::cli {

void AddRunCommand(CLI::App& app, int* exit_code);
void AddDocsCommand(CLI::App& app, int* exit_code);
void AddMetricsCommand(CLI::App& app, int* exit_code);
void AddAggregatesCommand(CLI::App& app, int* exit_code);
void AddShowCommand(CLI::App& app, int* exit_code);
void AddEvalCommand(CLI::App& app, int* exit_code);
void AddReextractCommand(CLI::App& app, int* exit_code);
void AddGenCorpusCommand(CLI::App& app, int* exit_code);
void AddStatusCommand(CLI::App& app, int* exit_code);
void AddReportCommand(CLI::App& app, int* exit_code);
void AddExplainCommand(CLI::App& app, int* exit_code);
void AddKeygenCommand(CLI::App& app, int* exit_code);
void AddQuarantineCommand(CLI::App& app, int* exit_code);
void AddSubscribeCommand(CLI::App& app, int* exit_code);
void AddFindingsCommand(CLI::App& app, int* exit_code);
void AddCoverageCommand(CLI::App& app, int* exit_code);
void AddExportCommand(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);

}  // namespace reportflow::cli
