// `reportflow findings --data DIR [--kind K] [--region R]`: every audit
// finding (consistency, near_duplicate, yoy_jump, missing_filer) in one model
// (cli/audit_data.h). A near-duplicate is one record with both documents.
#include <iostream>

#include "cli/audit_data.h"
#include "cli/audit_records.h"
#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/output.h"

namespace reportflow::cli {

void AddFindingsCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto kind = std::make_shared<std::string>();
  auto region = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("findings", "audit findings: consistency, near_duplicate, yoy_jump, missing_filer");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--kind,-k", *kind, "only this kind (consistency, near_duplicate, yoy_jump, missing_filer)");
  cmd->add_option("--region,-r", *region, "only findings about this region (name or code; a county or city takes its townships)");
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  cmd->callback([=] {
    Format fmt;
    Status s = ParseFormat(*format, &fmt);
    auto reader = s.ok() ? DataReader::Open(*data) : Result<std::unique_ptr<DataReader>>(s);
    if (!reader.ok()) {
      std::cerr << "reportflow findings: " << reader.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    RecordWriter out(FindingColumns(fmt == Format::kTable), fmt, std::cout);
    size_t n = 0;
    s = ForEachFinding(**reader, *kind, *region, [&](const aggregate::v1::AuditFinding& f) {
      out.Add(FindingRecord(f));
      ++n;
    });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow findings: " << s.message() << "\n";
      *exit_code = s.code() == StatusCode::kInvalidArgument ? 2 : 1;
      return;
    }
    if (n == 0 && !region->empty()) std::cerr << "reportflow findings: no finding about '" << *region << "'\n";
  });
}

}  // namespace reportflow::cli
