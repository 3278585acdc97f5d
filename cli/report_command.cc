// `reportflow report --data DIR --out report.html`: the batch report as one
// self-contained HTML page (see cli/report_html.h). Reads the stores read-only,
// so it works while the pipeline runs (a snapshot as of opening).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/report_html.h"

namespace reportflow::cli {
namespace {

struct ReportArgs {
  std::string data_dir;
  std::string out = "report.html";
  std::string title = "reportflow batch report";
  bool full_text = false;
};

std::string NowUtc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

int Report(const ReportArgs& args) {
  auto reader = DataReader::Open(args.data_dir);
  if (!reader.ok()) {
    std::cerr << "reportflow report: " << reader.status().message() << "\n";
    return 2;
  }
  DataReader& r = **reader;
  ReportInput input;
  input.title = args.title;
  input.data_dir = r.config().data_dir();
  input.generated_at = NowUtc();
  input.full_text = args.full_text;
  Status text_error;
  Status s = r.ForEachDocument([&](const ingest::v1::LedgerEntry& e, const aggregate::v1::DocContribution* c) {
    ReportDocument d;
    d.entry = e;
    if (c != nullptr) {
      d.has_contribution = true;
      d.contribution = *c;
    }
    ingest::v1::RawDocument raw;
    if (Status ts = r.ingest().GetDocument(e.doc_id(), &raw); ts.ok()) {
      d.text = std::move(*raw.mutable_text());
    } else if (text_error.ok()) {
      text_error = ts;
    }
    input.documents.push_back(std::move(d));
  });
  if (s.ok()) s = r.ingest().ForEachBatch([&](const ingest::v1::BatchRecord& b) { input.batches.push_back(b); });
  for (const auto& b : input.batches) {
    if (!s.ok()) break;
    google::protobuf::RepeatedPtrField<ingest::v1::Rejection> rejections;
    s = r.ingest().ListRejections(b.batch_id(), &rejections);
    for (const auto& rej : rejections) input.rejections.emplace_back(b.batch_id(), rej);
  }
  if (!s.ok()) {
    std::cerr << "reportflow report: cannot read the stores: " << s.message() << "\n";
    return 1;
  }
  if (!text_error.ok()) {
    std::cerr << "reportflow report: warning: some stored texts are unreadable (" << text_error.message()
              << "); their metrics are shown without sentences\n";
  }
  // Regions together: county, township, then year.
  std::stable_sort(input.documents.begin(), input.documents.end(), [](const ReportDocument& a, const ReportDocument& b) {
    const auto& ma = a.contribution.metadata();
    const auto& mb = b.contribution.metadata();
    return std::tie(ma.county(), ma.township(), a.entry.doc_id()) < std::tie(mb.county(), mb.township(), b.entry.doc_id());
  });
  const std::string html = RenderReportHtml(input);
  const std::filesystem::path out(args.out);
  const std::filesystem::path tmp = out.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << html;
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
  std::cout << "wrote " << out.string() << " (" << input.documents.size() << " documents, " << html.size() / 1024
            << " KiB)\n";
  return 0;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "write a self-contained HTML report of the data directory's batches");
  cmd->add_option("--data,-d", args->data_dir, "data directory")->required();
  cmd->add_option("--out,-o", args->out, "HTML file to write")->capture_default_str();
  cmd->add_option("--title", args->title, "page title")->capture_default_str();
  cmd->add_flag("--full-text", args->full_text,
                "include each document's whole stored text (default: only the sentences with metrics)");
  cmd->callback([args, exit_code] { *exit_code = Report(*args); });
}

}  // namespace reportflow::cli
