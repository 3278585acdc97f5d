// The HTML report's stylesheet and scripts: cli/report/*.css|js, compiled in
// at build time (cli/report/assets.cmake) so the page needs no other file.
#pragma once

#include <string_view>

namespace reportflow::cli {

extern const std::string_view kReportCss;          // cli/report/report.css
extern const std::string_view kReportErrorHookJs;  // cli/report/error_hook.js: installed first, records script errors
extern const std::string_view kReportJs;           // cli/report/report.js: decodes the data, draws the explorer

}  // namespace reportflow::cli
