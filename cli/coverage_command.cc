// `reportflow coverage --data DIR --region R --year Y`: every reporting unit
// of a province, city or county with its report(s) or "missing", and per
// county the units, the filed ones and the share (common/audit/coverage.h).
#include <iostream>

#include "cli/audit_data.h"
#include "cli/audit_records.h"
#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/output.h"
#include "common/geo/gazetteer.h"

namespace reportflow::cli {

void AddCoverageCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto region = std::make_shared<std::string>();
  auto year = std::make_shared<int>(0);
  auto summary = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("coverage", "which reporting units of a region filed a report for a year");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--region,-r", *region, "province, city or county: name (巫溪县) or code (500238)")->required();
  cmd->add_option("--year,-y", *year, "the year reported on")->required();
  cmd->add_flag("--summary", *summary, "per county only (csv/jsonl; a table shows both)");
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  cmd->callback([=] {
    Format fmt;
    Status s = ParseFormat(*format, &fmt);
    const geo::Gazetteer& g = geo::Gazetteer::Default();
    auto scope = s.ok() ? audit::ResolveScope(g, *region) : Result<geo::UnitId>(s);
    if (!scope.ok()) {
      std::cerr << "reportflow coverage: " << scope.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    if (*year < 1949 || *year > 2100) {
      std::cerr << "reportflow coverage: --year " << *year << " is not a report year\n";
      *exit_code = 2;
      return;
    }
    auto reader = DataReader::Open(*data);
    auto docs = reader.ok() ? FiledDocuments(**reader) : Result<std::vector<audit::FiledDocument>>(reader.status());
    if (!docs.ok()) {
      std::cerr << "reportflow coverage: " << docs.status().message() << "\n";
      *exit_code = 1;
      return;
    }
    const audit::Coverage c = audit::ComputeCoverage(g, *scope, *year, *docs);
    if (!*summary || fmt == Format::kTable) {
      RecordWriter units(CoverageUnitColumns(), fmt, std::cout);
      for (const auto& u : c.units) units.Add(CoverageUnitRecord(u, *year));
      units.Finish();
    }
    if (*summary || fmt == Format::kTable) {
      if (fmt == Format::kTable) std::cout << "\n";
      RecordWriter counties(CoverageCountyColumns(), fmt, std::cout);
      for (const auto& county : c.counties) counties.Add(CoverageCountyRecord(county, *year));
      counties.Finish();
    }
    if (fmt == Format::kTable) {
      std::cout << "\n" << c.scope_name << " " << *year << ": " << c.filed << " of " << c.units.size()
                << " units filed (" << (c.units.empty() ? 0 : 100 * c.filed / static_cast<int>(c.units.size())) << "%)";
      if (!c.unplaced.empty()) std::cout << "; " << c.unplaced.size() << " reports of the region at no listed unit";
      std::cout << "\n";
    }
  });
}

}  // namespace reportflow::cli
