// `reportflow docs --data DIR`: one record per document with its metadata,
// including where it lies (township, county, city, province, their 12-digit
// codes, and the place resolution's status and sources).
#include <iostream>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/exit_codes.h"
#include "cli/export_records.h"
#include "cli/filters.h"
#include "cli/records.h"

namespace reportflow::cli {

void AddDocsCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto spec = std::make_shared<FilterSpec>();
  CLI::App* cmd = app.add_subcommand("docs", "list documents with their status and metadata");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  AddFilterOptions(cmd, spec.get());
  cmd->callback([=] {
    auto q = OpenQuery("docs", *data, *format, *spec);
    if (!q.ok()) {
      *exit_code = kExitUsage;
      return;
    }
    // Places: canonical names, codes and how they were decided (place_status,
    // place_source); csv and jsonl carry every field (candidates, written forms, note ...).
    RecordWriter out(q->format == Format::kTable ? DocumentColumns(true) : TableColumns(RecordTable::kDocuments),
                     q->format, std::cout);
    Status s = ForEachRecord(*q->reader, q->filter, RecordTable::kDocuments,
                             [&](const nlohmann::ordered_json& r) { out.Add(r); });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow docs: " << s.message() << "\n";
      *exit_code = kExitFailure;
    }
  });
}

}  // namespace reportflow::cli
