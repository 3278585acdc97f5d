// `reportflow metrics --data DIR`: one record per extracted quantity, with its source span.
#include <iostream>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/output.h"
#include "cli/records.h"

namespace reportflow::cli {

void AddMetricsCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto metric = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("metrics", "list every extracted quantity with its source");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  cmd->add_option("--metric", *metric, "only metric ids starting with this prefix");
  cmd->callback([=] {
    Format fmt;
    Status s = ParseFormat(*format, &fmt);
    auto reader = s.ok() ? DataReader::Open(*data) : Result<std::unique_ptr<DataReader>>(s);
    if (!reader.ok()) {
      std::cerr << "reportflow metrics: " << reader.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    // The table shows the headline columns; csv carries every field of the jsonl record.
    std::vector<std::string> columns = {"township", "year", "metric", "role", "subject", "value", "unit", "approx",
                                        "text"};
    if (fmt == Format::kCsv) {
      columns = {"doc_id", "source", "township", "county", "city", "province", "region_code", "year", "metric",
                 "metric_kind", "role", "parent", "total", "subject", "value", "value_max", "unit",
                 "canonical_value", "canonical_unit", "approx", "kind", "text", "span", "section", "label"};
    }
    RecordWriter out(columns, fmt, std::cout);
    s = (*reader)->aggregator().ForEachContribution([&](const aggregate::v1::DocContribution& c) {
      for (const auto& m : c.metrics()) {
        if (m.metric_id().rfind(*metric, 0) != 0) continue;
        out.Add(MetricRecord(c.doc_id(), c.source(), c.metadata(), m));
      }
    });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow metrics: " << s.message() << "\n";
      *exit_code = 1;
    }
  });
}

}  // namespace reportflow::cli
