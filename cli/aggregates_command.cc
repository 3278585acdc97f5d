// `reportflow aggregates --data DIR`: rollups by region level, region, year and metric.
#include <iostream>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/output.h"
#include "cli/records.h"

namespace reportflow::cli {

void AddAggregatesCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto level = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("aggregates", "rollups by region, year and metric");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  cmd->add_option("--level", *level, "only this region level: township, county, city, province");
  cmd->callback([=] {
    Format fmt;
    Status s = ParseFormat(*format, &fmt);
    auto reader = s.ok() ? DataReader::Open(*data) : Result<std::unique_ptr<DataReader>>(s);
    if (!reader.ok()) {
      std::cerr << "reportflow aggregates: " << reader.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    RecordWriter out({"level", "region", "year", "metric", "documents", "count", "sum", "min", "max", "median",
                      "approx_share", "coverage", "unit"},
                     fmt, std::cout);
    s = (*reader)->aggregator().ForEachRollup([&](const aggregate::v1::Rollup& r) {
      if (!level->empty() && aggregate::RegionLevelName(r.key().level()) != *level) return;
      out.Add(RollupRecord(r));
    });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow aggregates: " << s.message() << "\n";
      *exit_code = 1;
    }
  });
}

}  // namespace reportflow::cli
