// Logging: spdlog setup and one named logger per component.
//
// All loggers share the process-wide sinks configured by InitLogging(); the
// pattern carries the process name so lines of different services interleave
// readably in one terminal. Per-document lines should carry doc_id and trace
// id as "doc=<id> trace=<id>".
//
// Thread-safety: spdlog loggers are thread-safe; InitLogging() must run once,
// before other threads start.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace reportflow::logging {

// Configures the default sinks. `level` is trace|debug|info|warn|error|off
// (empty = info); `file` empty = stderr.
Status InitLogging(std::string_view process_name, std::string_view level, std::string_view file);

// The logger named `component` (created on first use with the shared sinks).
std::shared_ptr<spdlog::logger> GetLogger(const std::string& component);

}  // namespace reportflow::logging
