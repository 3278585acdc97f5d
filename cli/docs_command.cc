// `reportflow docs --data DIR`: one record per document with its metadata,
// including where it lies (township, county, city, province, their 12-digit
// codes, and the place resolution's status and sources).
#include <iostream>

#include "cli/commands.h"
#include "cli/data_reader.h"
#include "cli/output.h"
#include "cli/records.h"

namespace reportflow::cli {

void AddDocsCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  CLI::App* cmd = app.add_subcommand("docs", "list documents with their status and metadata");
  cmd->add_option("--data,-d", *data, "data directory")->required();
  cmd->add_option("--format,-f", *format, "table, csv or jsonl")->capture_default_str();
  cmd->callback([=] {
    Format fmt;
    Status s = ParseFormat(*format, &fmt);
    auto reader = s.ok() ? DataReader::Open(*data) : Result<std::unique_ptr<DataReader>>(s);
    if (!reader.ok()) {
      std::cerr << "reportflow docs: " << reader.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    // Places: canonical names, codes and how they were decided (place_status,
    // place_source); csv and jsonl also carry the candidates, written forms and note.
    RecordWriter out({"doc_id", "source", "status", "unit_level", "township", "county", "city", "province",
                      "township_code", "county_code", "city_code", "province_code", "place_status",
                      "place_source", "year", "title"},
                     fmt, std::cout);
    s = (*reader)->ForEachDocument([&](const ingest::v1::LedgerEntry& e, const aggregate::v1::DocContribution* c) {
      out.Add(DocumentRecord(e, c ? &c->metadata() : nullptr));
    });
    out.Finish();
    if (!s.ok()) {
      std::cerr << "reportflow docs: " << s.message() << "\n";
      *exit_code = 1;
    }
  });
}

}  // namespace reportflow::cli
