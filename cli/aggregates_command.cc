// `reportflow aggregates --data DIR`: rollups by region level, region, year and metric.
#include <iostream>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/exit_codes.h"
#include "cli/export_records.h"
#include "cli/filters.h"
#include "cli/records.h"

namespace reportflow::cli {

void AddAggregatesCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto level = std::make_shared<std::string>();
  auto spec = std::make_shared<FilterSpec>();
  CLI::App* cmd = app.add_subcommand("aggregates", "rollups by region, year and metric");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  cmd->add_option("--by,--level", *level, "only this region level: township, county, city, province, unknown")
      ->check(CLI::IsMember({"township", "county", "city", "province", "unknown"}));
  AddFilterOptions(cmd, spec.get());
  cmd->callback([=] {
    auto q = OpenQuery("aggregates", *data, *format, *spec);
    if (!q.ok()) {
      *exit_code = kExitUsage;
      return;
    }
    RecordWriter out(RollupColumns(q->format == Format::kTable), q->format, std::cout);
    Status s = ForEachRecord(*q->reader, q->filter, RecordTable::kRollups, [&](const nlohmann::ordered_json& r) {
      if (level->empty() || r["level"] == *level) out.Add(r);
    });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow aggregates: " << s.message() << "\n";
      *exit_code = kExitFailure;
    }
  });
}

}  // namespace reportflow::cli
