// `reportflow docs --data DIR`: one record per document with its metadata.
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
    RecordWriter out({"doc_id", "source", "status", "township", "county", "year", "title"}, fmt, std::cout);
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
