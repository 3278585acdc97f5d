// The command-line conventions every reportflow binary shares: what it prints
// for --version (its version, the git revision it was built from, and the
// versions of the libraries it runs with: run-time versions where the library
// reports one, else the headers'), and exit code 2 for every usage error.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <utility>
#include <vector>

namespace reportflow::service {

// "reportflow-segment 0.1.0 (git 0600dd1a2b3c)\nlibraries: zeromq 4.3.4, ..."
// `extra` (name, version) pairs are appended to the libraries line.
std::string VersionText(const std::string& program,
                        const std::vector<std::pair<std::string, std::string>>& extra = {});

// For a CLI11 parse error: --help and --version print and return 0; any
// other error is printed with a pointer to --help and returns 2 (CLI11's own
// codes, 106 or 109, would hide that it is a usage error).
int ParseErrorExit(const CLI::App& app, const CLI::ParseError& error);

}  // namespace reportflow::service
