// `reportflow report --data DIR --out report.html`: the batch report as one
// self-contained HTML page (cli/report_html.h) of what cli/report_reader.h
// reads. Works while the pipeline runs (a snapshot as of opening).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/report_reader.h"

namespace reportflow::cli {
namespace {

struct ReportArgs {
  std::string data_dir;
  std::string out = "report.html";
  ReportReadOptions read;
};

int Report(const ReportArgs& args) {
  std::string warning;
  auto input = ReadReportInput(args.data_dir, args.read, &warning);
  if (!input.ok()) {
    std::cerr << "reportflow report: " << input.status().message() << "\n";
    return input.status().code() == StatusCode::kNotFound ? 2 : 1;
  }
  if (!warning.empty()) std::cerr << "reportflow report: warning: " << warning << "\n";
  auto html = RenderReportHtml(*input);
  if (!html.ok()) {
    std::cerr << "reportflow report: " << html.status().message() << "\n";
    return 1;
  }
  const std::filesystem::path out(args.out);
  const std::filesystem::path tmp = out.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << *html;
    if (!f) {
      std::cerr << "reportflow report: cannot write " << tmp.string() << "\n";
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out, ec);
  if (ec) {
    std::cerr << "reportflow report: cannot write " << out.string() << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "wrote " << out.string() << " (" << input->documents.size() << " documents, " << html->size() / 1024
            << " KiB)\n";
  return 0;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "write a self-contained HTML report of the data directory's batches");
  cmd->add_option("--data,-d", args->data_dir, "data directory")->required();
  cmd->add_option("--out,-o", args->out, "HTML file to write")->capture_default_str();
  cmd->add_option("--title", args->read.title, "page title")->capture_default_str();
  cmd->add_flag("--full-text", args->read.full_text,
                "include each document's whole stored text (default: only the sentences with metrics)");
  cmd->callback([args, exit_code] { *exit_code = Report(*args); });
}

}  // namespace reportflow::cli
