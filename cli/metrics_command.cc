// `reportflow metrics --data DIR`: one record per extracted quantity, with its source span.
#include <iostream>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/exit_codes.h"
#include "cli/export_records.h"
#include "cli/filters.h"
#include "cli/records.h"

namespace reportflow::cli {

void AddMetricsCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto spec = std::make_shared<FilterSpec>();
  CLI::App* cmd = app.add_subcommand("metrics", "list every extracted quantity with its source");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  AddFilterOptions(cmd, spec.get());
  cmd->callback([=] {
    auto q = OpenQuery("metrics", *data, *format, *spec);
    if (!q.ok()) {
      *exit_code = kExitUsage;
      return;
    }
    // The table shows the headline columns; csv carries every field of the jsonl record.
    RecordWriter out(q->format == Format::kTable ? MetricColumns(true) : TableColumns(RecordTable::kMetrics),
                     q->format, std::cout);
    Status s = ForEachRecord(*q->reader, q->filter, RecordTable::kMetrics,
                             [&](const nlohmann::ordered_json& r) { out.Add(r); });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow metrics: " << s.message() << "\n";
      *exit_code = kExitFailure;
    }
  });
}

}  // namespace reportflow::cli
