#include "cli/export_sqlite.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <set>

#include "cli/export_records.h"
#include "common/base/macros.h"

namespace reportflow::cli {
namespace {

using nlohmann::ordered_json;

// Declared SQL types (affinity) of the columns that are not TEXT.
std::string SqlType(RecordTable table, const std::string& column) {
  static const std::set<std::string> kInteger = {"year", "metrics", "attempts", "total", "parent", "metric_index",
                                                 "documents", "mentions", "span_begin", "span_end", "finding_id",
                                                 "position", "numbers_differ"};
  static const std::set<std::string> kReal = {"value", "value_max", "canonical_value", "sum", "mean", "median",
                                              "p90", "min", "max", "approx_share", "coverage",
                                              "similarity"};
  if (kInteger.count(column)) return "INTEGER";
  if (table == RecordTable::kCoverage && column == "reports") return "INTEGER";  // rollups' reports is a level
  if (kReal.count(column)) return "REAL";
  return "TEXT";
}

// The SQLite columns of a table: the record's, with a metric's span as two integers.
std::vector<std::string> SqlColumns(RecordTable table) {
  std::vector<std::string> out;
  for (const auto& c : TableColumns(table)) {
    if (table == RecordTable::kMetrics && c == "span") {
      out.push_back("span_begin");
      out.push_back("span_end");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Constraints(RecordTable table) {
  switch (table) {
    case RecordTable::kRegions:
      return ", UNIQUE (code), FOREIGN KEY (parent_code) REFERENCES regions(code) DEFERRABLE INITIALLY DEFERRED";
    case RecordTable::kDocuments:
      return ", PRIMARY KEY (doc_id), FOREIGN KEY (township_code) REFERENCES regions(code),"
             " FOREIGN KEY (county_code) REFERENCES regions(code), FOREIGN KEY (city_code) REFERENCES regions(code),"
             " FOREIGN KEY (province_code) REFERENCES regions(code)";
    case RecordTable::kMetrics:
      return ", PRIMARY KEY (doc_id, metric_index), FOREIGN KEY (doc_id) REFERENCES documents(doc_id),"
             " FOREIGN KEY (region_code) REFERENCES regions(code)";
    case RecordTable::kRollups:
      return ", FOREIGN KEY (region_code) REFERENCES regions(code)";
    case RecordTable::kFindings:
      return ", PRIMARY KEY (finding_id)";
    case RecordTable::kFindingDocuments:
      return ", PRIMARY KEY (finding_id, position), FOREIGN KEY (finding_id) REFERENCES findings(finding_id)";
    case RecordTable::kCoverage:
      return ", PRIMARY KEY (code, year), FOREIGN KEY (county_code) REFERENCES regions(code)";
  }
  return "";
}

constexpr const char* kIndexesAndViews = R"sql(
CREATE INDEX regions_level ON regions(level, name);
CREATE INDEX regions_parent ON regions(parent_code);
CREATE INDEX documents_township ON documents(township_code);
CREATE INDEX documents_county ON documents(county_code);
CREATE INDEX documents_city ON documents(city_code);
CREATE INDEX documents_province ON documents(province_code);
CREATE INDEX documents_year ON documents(year);
CREATE INDEX metrics_metric ON metrics(metric, year);
CREATE INDEX metrics_region ON metrics(region_code, year);
CREATE INDEX rollups_metric ON rollups(metric, level, year);
CREATE INDEX rollups_region ON rollups(region_code, year);
CREATE INDEX findings_kind ON findings(kind, year);
CREATE INDEX findings_region ON findings(region_code, year);
CREATE INDEX finding_documents_doc ON finding_documents(doc_id);
CREATE INDEX coverage_county ON coverage(county_code, year, status);
CREATE VIEW metric_by_county_year AS
  SELECT region AS county, region_code AS county_code, year, metric, kind, statistic, value, unit, documents, coverage
  FROM rollups WHERE level = 'county';
CREATE VIEW rates_by_township AS
  SELECT region AS township, region_code AS township_code, year, metric, mean, median, min, max, p90, documents,
         coverage
  FROM rollups WHERE level = 'township' AND kind = 'rate';
CREATE VIEW documents_without_place AS
  SELECT doc_id, source, status, title, year, place_status, place_note FROM documents
  WHERE township_code IS NULL AND county_code IS NULL AND township IS NULL AND county IS NULL;
CREATE VIEW documents_per_region AS
  SELECT code, level, name, parent_code, documents FROM regions;
CREATE VIEW near_duplicates AS
  SELECT finding_id, code AS relation, similarity, numbers_differ, doc_id, source, doc_id_2, source_2, region,
         region_code, year
  FROM findings WHERE kind = 'near_duplicate';
CREATE VIEW findings_per_document AS
  SELECT fd.doc_id AS doc_id, fd.source AS source, f.kind AS kind, count(*) AS findings
  FROM finding_documents fd JOIN findings f ON f.finding_id = fd.finding_id GROUP BY fd.doc_id, f.kind;
CREATE VIEW coverage_by_county AS
  SELECT county, county_code, year, count(*) AS units, sum(status = 'filed') AS filed,
         sum(status = 'missing') AS missing, round(1.0 * sum(status = 'filed') / count(*), 4) AS share_filed
  FROM coverage GROUP BY county_code, year;
)sql";

class Db {
 public:
  ~Db() {
    if (db_) sqlite3_close(db_);
  }
  Status Open(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return Error("cannot open " + path);
    return Status::OK();
  }
  Status Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Status::Internal("sqlite: " + msg + " in: " + sql.substr(0, 200));
    }
    return Status::OK();
  }
  Status Error(const std::string& what) const {
    return Status::Internal("sqlite: " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  sqlite3* get() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

Status Bind(sqlite3_stmt* stmt, int index, const ordered_json& v) {
  int rc = SQLITE_OK;
  if (v.is_null()) {
    rc = sqlite3_bind_null(stmt, index);
  } else if (v.is_boolean()) {
    rc = sqlite3_bind_int(stmt, index, v.get<bool>() ? 1 : 0);
  } else if (v.is_number_integer()) {
    rc = sqlite3_bind_int64(stmt, index, v.get<int64_t>());
  } else if (v.is_number()) {
    rc = sqlite3_bind_double(stmt, index, v.get<double>());
  } else {
    const std::string text =
        v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    rc = sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  return rc == SQLITE_OK ? Status::OK() : Status::Internal("sqlite: cannot bind column " + std::to_string(index));
}

Status WriteTable(Db& db, DataReader& reader, const RecordFilter& filter, RecordTable table, uint64_t* rows) {
  const std::vector<std::string> columns = SqlColumns(table);
  std::string create = "CREATE TABLE " + TableName(table) + " (";
  std::string insert = "INSERT INTO " + TableName(table) + " VALUES (";
  for (size_t i = 0; i < columns.size(); ++i) {
    create += (i ? ", " : "") + columns[i] + " " + SqlType(table, columns[i]);
    insert += i ? ", ?" : "?";
  }
  RETURN_IF_ERROR(db.Exec(create + Constraints(table) + ")"));
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), (insert + ")").c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    return db.Error("cannot prepare the insert into " + TableName(table));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  Status failed;
  RETURN_IF_ERROR(ForEachRecord(reader, filter, table, [&](const ordered_json& record) {
    if (!failed.ok()) return;
    sqlite3_reset(stmt.get());
    for (size_t i = 0; i < columns.size() && failed.ok(); ++i) {
      const std::string& c = columns[i];
      ordered_json v = nullptr;
      if (c == "span_begin" || c == "span_end") {
        v = record["span"][c == "span_begin" ? 0 : 1];
      } else if (record.contains(c)) {
        v = record[c];
      }
      failed = Bind(stmt.get(), static_cast<int>(i) + 1, v);
    }
    if (failed.ok() && sqlite3_step(stmt.get()) != SQLITE_DONE) {
      failed = db.Error("cannot insert into " + TableName(table) + " (" + record.dump().substr(0, 120) + ")");
    }
    ++*rows;
  }));
  return failed;
}

}  // namespace

Status ExportSqlite(DataReader& reader, const RecordFilter& filter, const std::string& path, ExportCounts* counts) {
  const std::string tmp = path + ".tmp";
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  {
    Db db;
    RETURN_IF_ERROR(db.Open(tmp));
    RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys = ON; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"));
    RETURN_IF_ERROR(db.Exec("BEGIN"));
    for (RecordTable table : kRecordTables) {
      uint64_t rows = 0;
      RETURN_IF_ERROR(WriteTable(db, reader, filter, table, &rows));
      (*counts)[TableName(table)] = rows;
    }
    RETURN_IF_ERROR(db.Exec(kIndexesAndViews));
    RETURN_IF_ERROR(db.Exec("COMMIT"));
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Internal("cannot rename " + tmp + " to " + path + ": " + ec.message());
  return Status::OK();
}

}  // namespace reportflow::cli
