// Coverage against the gazetteer on a generated province with known missing
// units: `gen-corpus` places reports at real units of one real province (a few
// of each county's units, so the others have none); the test also deletes
// every report of a few townships before the run, so those units are missing
// in every year. After `reportflow run`:
//   - `coverage --region <province> --year Y --format jsonl` lists exactly the
//     gazetteer's reporting units (乡, 镇, 民族乡, 街道, 苏木) of the province,
//     each filed with exactly the documents placed there for Y, else missing;
//   - `--summary` gives each county's units, filed, missing and share;
//   - the deleted townships are missing in every year;
//   - `findings --kind missing_filer` lists the missing units of every county
//     with reports in a year, and nothing else;
//   - the documents' resolved places agree with the generator's gold.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "cli/exit_codes.h"
#include "common/geo/gazetteer.h"
#include "common/geo/place_resolver.h"
#include "tests/integration/pipeline_fixture.h"

namespace reportflow::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Lines;
using testing::RunCommand;

class CoverageTest : public testing::PipelineFixture {
 protected:
  std::string Data() const { return (dir_ / "data").string(); }
  std::vector<json> Records(const std::string& command) const {
    std::string out;
    EXPECT_EQ(RunCommand(Reportflow() + " " + command + " --data " + Data() + " --format jsonl", &out), 0) << command;
    std::vector<json> records;
    for (const auto& line : Lines(out)) records.push_back(json::parse(line));
    return records;
  }
};

TEST_F(CoverageTest, CoverageListsTheGazetteersUnitsWithTheirReports) {
  const fs::path corpus = dir_ / "corpus";
  std::string out;
  ASSERT_EQ(Cli("gen-corpus --reports 240 --seed 5 --out " + corpus.string(), &out), 0) << out;
  // Archived reports have no gold_meta line: leave them out, so every report is known.
  for (const auto& f : fs::directory_iterator(corpus / "reports")) {
    if (f.path().extension() == ".zip") fs::remove(f.path());
  }
  // The gold township of each report file; then every report of three
  // townships (the first names in name order) deleted: known missing units.
  std::map<std::string, std::string> gold_township;  // file -> township
  std::map<std::string, std::vector<std::string>> files_of;  // township -> files
  for (const auto& line : Lines(testing::ReadFileOrDie(corpus / "gold_meta.jsonl"))) {
    const json m = json::parse(line);
    if (!fs::exists(corpus / "reports" / m["file"].get<std::string>())) continue;
    gold_township[m["file"].get<std::string>()] = m["township"].get<std::string>();
    files_of[m["township"].get<std::string>()].push_back(m["file"].get<std::string>());
  }
  ASSERT_GT(files_of.size(), 10u);
  std::set<std::string> deleted;
  for (const auto& [township, files] : files_of) {
    if (deleted.size() == 3) break;
    deleted.insert(township);
    for (const auto& f : files) {
      fs::remove(corpus / "reports" / f);
      gold_township.erase(f);
    }
  }
  ASSERT_EQ(Cli("run " + (corpus / "reports").string() + " --data " + Data() +
                    " --quiet --timeout 600 --segment-workers 1 --extract-workers 1",
                &out),
            kExitOk)
      << out;

  // The documents' resolved places: agree with the gold, and are what coverage counts.
  const auto docs = Records("docs");
  ASSERT_EQ(docs.size(), gold_township.size());
  std::map<std::pair<std::string, int>, std::set<std::string>> placed;  // (township code, year) -> doc_ids
  std::set<int> years;
  std::string province;  // 2-digit code
  size_t agree = 0;
  for (const auto& d : docs) {
    if (d["township_code"].is_null() || d["year"].is_null()) continue;
    const std::string file = fs::path(d["source"].get<std::string>()).filename().string();
    agree += d["township"].is_string() && gold_township[file] == d["township"].get<std::string>();
    placed[{d["township_code"].get<std::string>(), d["year"].get<int>()}].insert(d["doc_id"].get<std::string>());
    years.insert(d["year"].get<int>());
    province = d["township_code"].get<std::string>().substr(0, 2);
  }
  ASSERT_FALSE(province.empty());
  EXPECT_GE(agree, docs.size() * 95 / 100) << "resolved townships that agree with the gold";

  // The gazetteer's reporting units of the province, and their counties.
  const geo::Gazetteer& g = geo::Gazetteer::Default();
  std::map<std::string, std::string> county_of;  // unit code -> county code
  std::map<std::string, std::string> name_of;
  for (geo::UnitId id = 0; id < static_cast<geo::UnitId>(g.size()); ++id) {
    if (g.level(id) != geo::Level::kTownship || g.Code12(id).compare(0, 2, province) != 0) continue;
    if (geo::UnitTypeOf(g.name32(id)).empty()) continue;  // 开发区, 农场 ... file no report
    county_of[g.Code12(id)] = g.CountyOf(id) == geo::kNone ? "" : g.Code12(g.CountyOf(id));
    name_of[g.Code12(id)] = g.name(id);
  }
  ASSERT_GT(county_of.size(), 100u);

  // Expected missing_filer findings: each county with a placed report in a year, its unfiled units.
  std::set<std::pair<std::string, int>> want_missing_findings;
  for (int year : years) {
    SCOPED_TRACE("year " + std::to_string(year));
    std::set<std::string> listed;
    std::map<std::string, std::pair<int, int>> per_county;  // county code -> (units, filed)
    std::set<std::string> counties_with_reports;
    for (const auto& u : Records("coverage --region " + province + " --year " + std::to_string(year))) {
      const std::string code = u["code"].get<std::string>();
      ASSERT_TRUE(county_of.count(code)) << code << " " << u["township"] << " is not a reporting unit of " << province;
      EXPECT_TRUE(listed.insert(code).second) << code << " listed twice";
      EXPECT_EQ(u["township"], name_of[code]);
      EXPECT_EQ(u["county_code"], county_of[code]) << code;
      EXPECT_EQ(u["year"], year);
      auto it = placed.find({code, year});
      const std::set<std::string> want = it == placed.end() ? std::set<std::string>{} : it->second;
      EXPECT_EQ(u["status"], want.empty() ? "missing" : "filed") << code << " " << name_of[code];
      EXPECT_EQ(u["reports"], want.size()) << code;
      std::set<std::string> got;
      const std::string ids = u["doc_ids"].get<std::string>();
      for (size_t at = 0; at < ids.size();) {
        const size_t end = std::min(ids.find(' ', at), ids.size());
        got.insert(ids.substr(at, end - at));
        at = end + 1;
      }
      EXPECT_EQ(got, want) << code;
      if (deleted.count(name_of[code])) {
        EXPECT_EQ(u["status"], "missing") << "deleted township " << name_of[code];
      }
      auto& [units, filed] = per_county[county_of[code]];
      ++units;
      filed += !want.empty();
      if (!want.empty()) counties_with_reports.insert(county_of[code]);
    }
    EXPECT_EQ(listed.size(), county_of.size()) << "every reporting unit of the province, once";
    for (const auto& [code, county] : county_of) {
      if (counties_with_reports.count(county) && !placed.count({code, year})) want_missing_findings.insert({code, year});
    }
    // Per county: the units of the gazetteer, the filed ones, the share.
    const auto summary = Records("coverage --summary --region " + province + " --year " + std::to_string(year));
    EXPECT_EQ(summary.size(), per_county.size());
    for (const auto& c : summary) {
      const std::string code = c["code"].get<std::string>();
      ASSERT_TRUE(per_county.count(code)) << code;
      const auto [units, filed] = per_county[code];
      EXPECT_EQ(c["units"], units) << code;
      EXPECT_EQ(c["filed"], filed) << code;
      EXPECT_EQ(c["missing"], units - filed) << code;
      EXPECT_NEAR(c["share_filed"].get<double>(), static_cast<double>(filed) / units, 1e-4) << code;
    }
  }
  // The deleted townships filed nothing, so they show as missing filers where their county has reports.
  std::set<std::pair<std::string, int>> got_missing_findings;
  for (const auto& f : Records("findings --kind missing_filer")) {
    EXPECT_EQ(f["kind"], "missing_filer");
    got_missing_findings.insert({f["region_code"].get<std::string>(), f["year"].get<int>()});
  }
  EXPECT_EQ(got_missing_findings, want_missing_findings);
  size_t deleted_flagged = 0;
  for (const auto& [code, year] : got_missing_findings) deleted_flagged += deleted.count(name_of[code]);
  EXPECT_GT(deleted_flagged, 0u) << "a deleted township is a missing filer in some year";
}

}  // namespace
}  // namespace reportflow::cli
