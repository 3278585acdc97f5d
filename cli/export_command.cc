// `reportflow export --data DIR --format sqlite|csv|jsonl --out PATH`: the
// documents, metrics, rollups and regions of a data directory for analysts,
// and its audit view (findings, finding_documents, coverage), with the shared
// filters (--region, --year, --metric; on the audit tables: cli/export_records.h).
//   sqlite  one database file (tables, foreign keys, indexes and views: cli/export_sqlite.h)
//   csv     PATH is a folder: documents.csv, metrics.csv, rollups.csv, regions.csv,
//           findings.csv, finding_documents.csv, coverage.csv, every field,
//           each starting with a UTF-8 byte order mark
//   jsonl   PATH is a folder: the same seven tables as JSON lines
// Reads the stores read-only, so it works while the pipeline runs.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/export_records.h"
#include "cli/export_sqlite.h"
#include "cli/filters.h"
#include "cli/output.h"

namespace reportflow::cli {
namespace {

struct ExportArgs {
  std::string data_dir, format, out;
  FilterSpec filter;
};

Status ExportFiles(DataReader& reader, const RecordFilter& filter, Format format, const std::string& dir,
                   ExportCounts* counts) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  for (RecordTable table : kRecordTables) {
    const std::string name = TableName(table) + (format == Format::kCsv ? ".csv" : ".jsonl");
    const std::filesystem::path path = std::filesystem::path(dir) / name;
    std::ofstream file(path.string() + ".tmp", std::ios::binary | std::ios::trunc);
    RecordWriter writer(TableColumns(table), format, file);
    uint64_t rows = 0;
    Status s = ForEachRecord(reader, filter, table, [&](const nlohmann::ordered_json& r) {
      writer.Add(r);
      ++rows;
    });
    if (!s.ok()) return s;
    writer.Finish();
    file.close();
    if (!file) return Status::IoError("cannot write " + path.string());
    std::filesystem::rename(path.string() + ".tmp", path, ec);
    if (ec) return Status::IoError("cannot write " + path.string() + ": " + ec.message());
    (*counts)[TableName(table)] = rows;
  }
  return Status::OK();
}

int Export(const ExportArgs& args) {
  Format format = Format::kCsv;
  const bool sqlite = args.format == "sqlite";
  if (!sqlite && (!ParseFormat(args.format, &format).ok() || format == Format::kTable)) {
    std::cerr << "reportflow export: unknown format '" << args.format << "' (sqlite, csv, jsonl)\n";
    return kExitUsage;
  }
  auto q = OpenQuery("export", args.data_dir, "jsonl", args.filter);
  if (!q.ok()) return kExitUsage;
  ExportCounts counts;
  Status s = sqlite ? ExportSqlite(*q->reader, q->filter, args.out, &counts)
                    : ExportFiles(*q->reader, q->filter, format, args.out, &counts);
  if (!s.ok()) {
    std::cerr << "reportflow export: " << s.message() << "\n";
    return kExitFailure;
  }
  std::cout << "wrote " << args.out << ":";
  for (RecordTable table : kRecordTables) std::cout << " " << counts[TableName(table)] << " " << TableName(table);
  std::cout << "\n";
  return kExitOk;
}

}  // namespace

void AddExportCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export", "write documents, metrics, rollups, regions, findings and coverage for analysts: a SQLite database, or CSV "
      "or JSON-lines files");
  cmd->add_option("--data,-d", args->data_dir, "data directory")->required();
  cmd->add_option("--format,-f", args->format, "sqlite (one file), csv or jsonl (a folder of seven files)")
      ->required();
  cmd->add_option("--out,-o", args->out, "the database file (sqlite) or the folder (csv, jsonl) to write")
      ->required();
  AddFilterOptions(cmd, &args->filter);
  cmd->callback([args, exit_code] { *exit_code = Export(*args); });
}

}  // namespace reportflow::cli
