// `reportflow aggregates --data DIR`: rollups by region level, region, year and metric.
#include <iostream>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/output.h"
#include "cli/records.h"
#include "common/stream/rollup_keys.h"

namespace reportflow::cli {
namespace {

struct AggregatesArgs {
  std::string data, format = "table", level, metric, region;
  int year = 0;
};

bool Keep(const AggregatesArgs& a, const std::string& region, const aggregate::v1::Rollup& r) {
  if (!a.level.empty() && stream::LevelName(r.key().level()) != a.level) return false;
  if (!a.metric.empty() && r.key().metric_id().rfind(a.metric, 0) != 0) return false;
  if (!a.region.empty() && r.key().region() != region && r.key().region_code() != a.region) return false;
  if (a.year != 0 && r.key().year() != a.year) return false;
  return true;
}

}  // namespace

void AddAggregatesCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<AggregatesArgs>();
  CLI::App* cmd = app.add_subcommand("aggregates", "rollups by region, year and metric");
  cmd->add_option("--data,-d", args->data, "data directory")->required();
  cmd->add_option("--format,-f", args->format, "table, csv or jsonl")->capture_default_str();
  cmd->add_option("--by,--level", args->level, "only this region level: township, county, city, province, unknown")
      ->check(CLI::IsMember({"township", "county", "city", "province", "unknown"}));
  cmd->add_option("--metric", args->metric, "only metrics whose id starts with this prefix, e.g. mediation.");
  cmd->add_option("--region", args->region, "only this region name (\"(unknown)\" for documents without one)");
  cmd->add_option("--year", args->year, "only this year");
  cmd->callback([=] {
    Format fmt;
    Status s = ParseFormat(args->format, &fmt);
    auto reader = s.ok() ? DataReader::Open(args->data) : Result<std::unique_ptr<DataReader>>(s);
    if (!reader.ok()) {
      std::cerr << "reportflow aggregates: " << reader.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    RecordWriter out(RollupColumns(fmt == Format::kTable), fmt, std::cout);
    // Regions are stored under their simplified names: 塘坡縣 finds 塘坡县.
    const std::string region = args->region == "(unknown)" ? "" : SimplifiedName(args->region);
    s = (*reader)->aggregator().ForEachRollup([&](const aggregate::v1::Rollup& r) {
      if (Keep(*args, region, r)) out.Add(RollupRecord(r));
    });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow aggregates: " << s.message() << "\n";
      *exit_code = 1;
    }
  });
}

}  // namespace reportflow::cli
