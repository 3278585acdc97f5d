// Analyst outputs on a generated province of 3,000 reports: the SQLite export
// holds exactly what `docs`, `metrics` and `aggregates` print (counts, sums,
// foreign keys, views) and what `findings` and `coverage` print (the audit
// tables), the CSV export opens with its byte order mark and every field, a
// filtered export keeps the findings and coverage of its region, and `serve` answers the same rows as the CLI over loopback,
// with the shared filters, paging and ETag/If-None-Match.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "cli/exit_codes.h"
#include "tests/integration/pipeline_fixture.h"

namespace reportflow::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Lines;
using testing::RunCommand;

// One test runs the 3,000 reports once (ctest runs each test in its own
// process) and then checks each output against the CLI.
class AnalystOutputTest : public testing::PipelineFixture {
 protected:
  void RunProvince() {
    std::string out;
    ASSERT_EQ(Cli("gen-corpus --reports 3000 --seed 7 --out " + (dir_ / "corpus").string(), &out), 0) << out;
    const int rc = Cli("run " + (dir_ / "corpus/reports").string() + " --data " + Data() +
                           " --quiet --timeout 1000 --segment-workers 2 --extract-workers 2",
                       &out);
    ASSERT_EQ(rc, kExitOk) << out;
  }
  std::string Data() const { return (dir_ / "data").string(); }
  void SqliteExportEqualsTheCli();
  void CsvExportOpensWithItsByteOrderMarkAndEveryField();
  void ServeAnswersTheSameRowsAsTheCli();

  // `reportflow <command> --data D --format jsonl <extra>` as JSON records.
  std::vector<json> Records(const std::string& command, const std::string& extra = "") const {
    std::string out;
    EXPECT_EQ(RunCommand(Reportflow() + " " + command + " --data " + Data() + " --format jsonl " + extra, &out), 0);
    std::vector<json> records;
    for (const auto& line : Lines(out)) records.push_back(json::parse(line));
    return records;
  }
};

// Runs one SQL query returning a single number.
double SqlNumber(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db);
  double v = NAN;
  if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_double(stmt, 0);
  sqlite3_finalize(stmt);
  return v;
}

// Runs one SQL query returning a single text ("" when no row).
std::string SqlText(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db);
  std::string v;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    v = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return v;
}

double Sum(const std::vector<json>& records, const std::string& field) {
  double s = 0;
  for (const auto& r : records) {
    if (r[field].is_number()) s += r[field].get<double>();
  }
  return s;
}

void AnalystOutputTest::SqliteExportEqualsTheCli() {
  const std::string db_path = (dir_ / "province.sqlite").string();
  std::string out;
  ASSERT_EQ(Cli("export --data " + Data() + " --format sqlite --out " + db_path, &out), 0) << out;
  const auto docs = Records("docs");
  const auto metrics = Records("metrics");
  const auto rollups = Records("aggregates");
  ASSERT_GE(docs.size(), 2900u);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM documents"), docs.size());
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM metrics"), metrics.size());
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM rollups"), rollups.size());
  EXPECT_DOUBLE_EQ(SqlNumber(db, "SELECT total(metrics) FROM documents"), Sum(docs, "metrics"));
  EXPECT_NEAR(SqlNumber(db, "SELECT total(value) FROM metrics"), Sum(metrics, "value"), 1e-6 * Sum(metrics, "value"));
  EXPECT_NEAR(SqlNumber(db, "SELECT total(value) FROM rollups"), Sum(rollups, "value"), 1e-6 * Sum(rollups, "value"));
  EXPECT_DOUBLE_EQ(SqlNumber(db, "SELECT total(documents) FROM rollups"), Sum(rollups, "documents"));
  // Regions: every county of `aggregates --by county` once, with its documents.
  std::map<std::string, std::string> counties;  // code -> name
  for (const auto& r : rollups) {
    if (r["level"] == "county" && r["region_code"].is_string()) counties[r["region_code"]] = r["region"];
  }
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM regions WHERE level = 'county' AND code IN (SELECT region_code FROM "
                          "rollups WHERE level = 'county')"),
            counties.size());
  // Integrity and the views.
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM metric_by_county_year"),
            SqlNumber(db, "SELECT count(*) FROM rollups WHERE level = 'county'"));
  EXPECT_GT(SqlNumber(db, "SELECT count(*) FROM rates_by_township"), 0);
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM documents_without_place"),
            SqlNumber(db, "SELECT count(*) FROM documents WHERE township IS NULL AND county IS NULL "
                          "AND township_code IS NULL AND county_code IS NULL"));
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM metrics m JOIN documents d USING (doc_id)"), metrics.size());
  // The audit tables: every finding of `reportflow findings`, its documents, and coverage.
  const auto findings = Records("findings");
  ASSERT_FALSE(findings.empty());
  std::map<std::string, double> kinds;
  double finding_documents = 0, similarity = 0, missing = 0;
  for (const auto& f : findings) {
    ++kinds[f["kind"].get<std::string>()];
    finding_documents += f["documents"].size();
    if (f["similarity"].is_number()) similarity += f["similarity"].get<double>();
    missing += f["kind"] == "missing_filer";
  }
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM findings"), findings.size());
  for (const auto& [kind, n] : kinds) {
    EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM findings WHERE kind = '" + kind + "'"), n) << kind;
  }
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM finding_documents"), finding_documents);
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM near_duplicates"), kinds["near_duplicate"]);
  EXPECT_NEAR(SqlNumber(db, "SELECT total(similarity) FROM findings"), similarity, 1e-6);
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM finding_documents WHERE doc_id NOT IN (SELECT doc_id FROM documents)"), 0)
      << "an unfiltered export has every document of every finding";
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM findings f JOIN finding_documents d ON d.finding_id = f.finding_id "
                          "AND d.position = 1 WHERE d.doc_id IS NOT f.doc_id"),
            0);
  // Coverage: its missing units are the missing_filer findings; per county as `coverage --summary` prints it.
  EXPECT_EQ(SqlNumber(db, "SELECT count(*) FROM coverage WHERE status = 'missing'"), missing);
  EXPECT_EQ(SqlNumber(db, "SELECT total(missing) FROM coverage_by_county"), missing);
  const std::string county = SqlText(db, "SELECT county_code FROM coverage_by_county ORDER BY units DESC LIMIT 1");
  const std::string year = SqlText(db, "SELECT year FROM coverage_by_county ORDER BY units DESC LIMIT 1");
  ASSERT_EQ(county.size(), 12u);
  const auto summary = Records("coverage", "--summary --region " + county.substr(0, 6) + " --year " + year);
  ASSERT_EQ(summary.size(), 1u);
  const std::string where = " FROM coverage_by_county WHERE county_code = '" + county + "' AND year = " + year;
  EXPECT_EQ(SqlNumber(db, "SELECT units" + where), summary[0]["units"].get<double>());
  EXPECT_EQ(SqlNumber(db, "SELECT filed" + where), summary[0]["filed"].get<double>());
  EXPECT_DOUBLE_EQ(SqlNumber(db, "SELECT share_filed" + where), summary[0]["share_filed"].get<double>());
  sqlite3_close(db);
}

// Splits RFC 4180 CSV into records (quoted fields may hold commas and newlines).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

void AnalystOutputTest::CsvExportOpensWithItsByteOrderMarkAndEveryField() {
  const fs::path out_dir = dir_ / "csv";
  std::string out;
  ASSERT_EQ(Cli("export --data " + Data() + " --format csv --out " + out_dir.string(), &out), 0) << out;
  const std::string text = testing::ReadFileOrDie(out_dir / "metrics.csv");
  ASSERT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
  const auto rows = ParseCsv(text.substr(3));
  ASSERT_FALSE(rows.empty());
  const auto& header = rows[0];
  for (const char* field : {"doc_id", "source", "county", "city", "province", "span", "section", "metric", "value"}) {
    EXPECT_NE(std::find(header.begin(), header.end(), field), header.end()) << field;
  }
  const auto metrics = Records("metrics");
  ASSERT_EQ(rows.size() - 1, metrics.size());
  const size_t county = std::find(header.begin(), header.end(), "county") - header.begin();
  const size_t doc_id = std::find(header.begin(), header.end(), "doc_id") - header.begin();
  for (size_t i = 0; i < metrics.size(); ++i) {
    ASSERT_EQ(rows[i + 1].size(), header.size()) << i;
    EXPECT_EQ(rows[i + 1][doc_id], metrics[i]["doc_id"]);
    EXPECT_EQ(rows[i + 1][county], metrics[i]["county"].is_null() ? "" : metrics[i]["county"].get<std::string>());
  }
  // The other tables, and `metrics --format csv` itself, start with the mark too.
  for (const char* name : {"documents.csv", "rollups.csv", "regions.csv"}) {
    EXPECT_EQ(testing::ReadFileOrDie(out_dir / name).substr(0, 3), "\xEF\xBB\xBF") << name;
  }
  for (const char* name : {"findings.csv", "finding_documents.csv", "coverage.csv"}) {
    EXPECT_EQ(testing::ReadFileOrDie(out_dir / name).substr(0, 3), "\xEF\xBB\xBF") << name;
  }
  const auto findings_csv = ParseCsv(testing::ReadFileOrDie(out_dir / "findings.csv").substr(3));
  ASSERT_FALSE(findings_csv.empty());
  EXPECT_EQ(findings_csv[0][0], "finding_id");
  EXPECT_EQ(findings_csv.size() - 1, Records("findings").size());
  for (const auto& row : findings_csv) EXPECT_EQ(row.size(), findings_csv[0].size());
  // A filtered export keeps the findings and coverage of its region and year.
  json county_rollup;  // a county with township reports
  for (const auto& r : Records("aggregates", "--by county")) {
    if (r["region_code"].is_string() && r["year"].is_number()) county_rollup = r;
  }
  ASSERT_FALSE(county_rollup.is_null());
  const std::string code = county_rollup["region_code"].get<std::string>();
  const std::string year = std::to_string(county_rollup["year"].get<int>());
  const fs::path part = dir_ / "part";
  ASSERT_EQ(Cli("export --data " + Data() + " --format jsonl --out " + part.string() + " --region " + code +
                    " --year " + year,
                &out),
            0)
      << out;
  size_t coverage_rows = 0;
  for (const auto& line : Lines(testing::ReadFileOrDie(part / "coverage.jsonl"))) {
    const json u = json::parse(line);
    EXPECT_EQ(u["county_code"], code);
    EXPECT_EQ(u["year"].get<int>(), county_rollup["year"].get<int>());
    ++coverage_rows;
  }
  EXPECT_GT(coverage_rows, 0u);
  std::map<int64_t, bool> kept;  // finding_id -> the finding or one of its documents lies in the county
  const auto in_county = [&](const json& region_code) {
    return region_code.is_string() && region_code.get<std::string>().compare(0, 6, code.substr(0, 6)) == 0;
  };
  for (const auto& line : Lines(testing::ReadFileOrDie(part / "findings.jsonl"))) {
    const json f = json::parse(line);
    kept[f["finding_id"].get<int64_t>()] = in_county(f["region_code"]);
  }
  for (const auto& line : Lines(testing::ReadFileOrDie(part / "finding_documents.jsonl"))) {
    const json d = json::parse(line);
    ASSERT_TRUE(kept.count(d["finding_id"].get<int64_t>())) << line;
    if (in_county(d["region_code"])) kept[d["finding_id"].get<int64_t>()] = true;
  }
  EXPECT_FALSE(kept.empty());
  for (const auto& [id, in] : kept) EXPECT_TRUE(in) << "finding " << id << " lies outside " << code;
  const std::string docs_header = Lines(testing::ReadFileOrDie(out_dir / "documents.csv")).front();
  EXPECT_NE(docs_header.find(",city,province,"), std::string::npos) << docs_header;
  const std::string rollups_header = Lines(testing::ReadFileOrDie(out_dir / "rollups.csv")).front();
  EXPECT_NE(rollups_header.find(",mean,median,p90,"), std::string::npos) << rollups_header;
  ASSERT_EQ(RunCommand(Reportflow() + " metrics --data " + Data() + " --format csv", &out), 0);
  EXPECT_EQ(out.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(out.substr(3, out.find('\n') - 3), text.substr(3, text.find('\n') - 3));
}

// `reportflow serve --port 0` in the background; the URL from its first line.
class Server {
 public:
  Server(const std::string& bin, const std::string& data) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      execl(bin.c_str(), bin.c_str(), "serve", "--data", data.c_str(), "--port", "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* in = fdopen(fds[0], "r");
    char line[1024];
    if (fgets(line, sizeof(line), in) != nullptr) {
      const std::string l(line);
      const size_t at = l.find("http://");
      if (at != std::string::npos) url_ = l.substr(at, l.find('/', at + 7) - at);
    }
    fclose(in);
  }
  ~Server() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

std::string PercentEncode(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Every page of `path?query`, concatenated.
std::vector<json> AllPages(httplib::Client& c, const std::string& path, const std::string& query) {
  std::vector<json> items;
  for (int offset = 0;;) {
    auto res = c.Get((path + "?limit=10000&offset=" + std::to_string(offset) + query).c_str());
    EXPECT_TRUE(res && res->status == 200) << path << query << (res ? res->body : "no response");
    if (!res || res->status != 200) break;
    const json page = json::parse(res->body);
    for (const auto& item : page["items"]) items.push_back(item);
    offset += static_cast<int>(page["items"].size());
    if (page["items"].empty() || offset >= page["total"].get<int>()) break;
  }
  return items;
}

void AnalystOutputTest::ServeAnswersTheSameRowsAsTheCli() {
  Server server(Reportflow(), Data());
  ASSERT_FALSE(server.url().empty());
  httplib::Client c(server.url());
  c.set_read_timeout(600, 0);  // a page of a 3,000-report province on a loaded machine; bounded by the test timeout
  EXPECT_EQ(AllPages(c, "/v1/documents", ""), Records("docs"));
  EXPECT_EQ(AllPages(c, "/v1/metrics", ""), Records("metrics"));
  EXPECT_EQ(AllPages(c, "/v1/rollups", ""), Records("aggregates"));
  // The shared filters: a county by name and year, a metric prefix at one level, a county by code.
  json placed;  // a county known by code
  for (const auto& r : Records("aggregates", "--by county")) {
    if (r["region_code"].is_string()) {
      placed = r;
      break;
    }
  }
  ASSERT_FALSE(placed.is_null());
  const std::string county = placed["region"];
  const std::string code = placed["region_code"];
  const std::string year = std::to_string(placed["year"].get<int>());
  EXPECT_EQ(AllPages(c, "/v1/metrics", "&region=" + PercentEncode(county) + "&year=" + year),
            Records("metrics", "--region '" + county + "' --year " + year));
  EXPECT_EQ(AllPages(c, "/v1/rollups", "&level=county&metric=mediation."),
            Records("aggregates", "--by county --metric mediation."));
  EXPECT_EQ(AllPages(c, "/v1/documents", "&region=" + code), Records("docs", "--region " + code));
  // Paging.
  auto page = c.Get("/v1/metrics?offset=5&limit=3");
  ASSERT_TRUE(page && page->status == 200);
  const json p = json::parse(page->body);
  EXPECT_EQ(p["items"].size(), 3u);
  EXPECT_EQ(p["items"][0], Records("metrics")[5]);
  // ETag / If-None-Match.
  auto first = c.Get("/v1/rollups?level=province");
  ASSERT_TRUE(first && first->status == 200);
  const std::string tag = first->get_header_value("ETag");
  ASSERT_FALSE(tag.empty());
  auto again = c.Get("/v1/rollups?level=province", {{"If-None-Match", tag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  auto other = c.Get("/v1/rollups?level=county", {{"If-None-Match", tag}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  // Errors are JSON with the CLI's message.
  auto bad = c.Get("/v1/rollups?metric=typo.metric");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(json::parse(bad->body)["error"].get<std::string>().find("no metric id starting with"), std::string::npos);
  auto unknown = c.Get("/v1/rollups?colour=red");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  auto missing = c.Get("/v2/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(AnalystOutputTest, ProvinceExportsAndServedRowsEqualTheCli) {
  ASSERT_NO_FATAL_FAILURE(RunProvince());
  {
    SCOPED_TRACE("export --format sqlite");
    SqliteExportEqualsTheCli();
  }
  {
    SCOPED_TRACE("export --format csv");
    CsvExportOpensWithItsByteOrderMarkAndEveryField();
  }
  {
    SCOPED_TRACE("serve");
    ServeAnswersTheSameRowsAsTheCli();
  }
}

}  // namespace
}  // namespace reportflow::cli
