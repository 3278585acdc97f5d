// The HTML report of a real batch, opened in headless Chromium (Debian
// `chromium`, with `fonts-noto-cjk` for the Chinese): the page renders with no
// script error; the region tree lists every region once, the same regions per
// level as `reportflow aggregates`; each region's rollup rows are the
// aggregates rows (counts summed, rates as their mean: never a sum); a rate
// chart's axis fits its values; a document's detail is decoded on demand; the
// search finds a county typed in traditional characters; the audit sections
// show the coverage of `reportflow coverage`, the findings of `reportflow
// findings` (filters by kind and text work) and the year-over-year table
// (花台乡's 2023 values without a 2022 partner). Screenshots go to
// <build>/test-artifacts/. Skipped, with the reason, only without Chromium.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "tests/integration/pipeline_fixture.h"

namespace reportflow::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::string FindChromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(candidate, X_OK) == 0) return candidate;
  }
  return "";
}

struct BrowserRun {
  int exit_code = -1;
  std::string dom, log;
};

// One headless run over file://<page>#<fragment>; `extra` is --dump-dom or --screenshot=...
BrowserRun Chromium(const fs::path& profile, const std::string& extra, const fs::path& page,
                    const std::string& fragment = "") {
  BrowserRun run;
  const fs::path log = profile.string() + ".log";
  run.exit_code = RunCommand("timeout 90 " + FindChromium() +
                                 " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                                 " --disable-background-networking --disable-component-update --disable-sync"
                                 " --disable-extensions --enable-logging=stderr --v=0 --virtual-time-budget=10000"
                                 " --user-data-dir=" + profile.string() + " " + extra + " 'file://" + page.string() +
                                 (fragment.empty() ? "" : "#" + fragment) + "' 2>" + log.string(),
                             &run.dom);
  run.log = ReadFileOrDie(log);
  return run;
}

// Chromium logs every console message and uncaught exception of the page as a
// ":CONSOLE" line with --enable-logging=stderr; the report writes none.
bool HasConsoleOutput(const std::string& log) {
  for (const auto& line : Lines(log)) {
    if (line.find(":CONSOLE") != std::string::npos) return true;
  }
  return false;
}

std::string PercentEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string Unescape(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#39;", "'"}, {"&amp;", "&"}}) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  }
  return s;
}

// The attributes of every element with `marker` (e.g. "<li data-key="), as maps.
std::vector<std::map<std::string, std::string>> Elements(const std::string& dom, const std::string& marker) {
  static const std::regex kAttr(R"re(([a-z-]+)="([^"]*)")re");
  std::vector<std::map<std::string, std::string>> out;
  for (size_t at = dom.find(marker); at != std::string::npos; at = dom.find(marker, at + 1)) {
    const std::string tag = dom.substr(at, dom.find('>', at) - at);
    std::map<std::string, std::string> attrs;
    for (std::sregex_iterator it(tag.begin(), tag.end(), kAttr), end; it != end; ++it) {
      attrs[(*it)[1]] = Unescape((*it)[2]);
    }
    out.push_back(attrs);
  }
  return out;
}

// A rollup's region as the report keys it (cli/report_model.h RegionNodeKey).
std::string NodeKey(const json& row) {
  if (!row["region_code"].is_null()) return row["region_code"];
  return "~" + row["level"].get<std::string>() + ":" + row["region"].get<std::string>();
}

class ReportBrowserTest : public PipelineFixture {
 protected:
  void SetUp() override {
    if (FindChromium().empty()) {
      GTEST_SKIP() << "chromium is not installed (Debian packages chromium and fonts-noto-cjk; "
                      "TEST_DEPS=1 scripts/install-deps.sh): the report was not checked in a browser";
    }
    data_ = (dir_ / "data").string();
    RunBatch(Samples(), data_);
    page_ = dir_ / "report.html";
    std::string out;
    ASSERT_EQ(Cli("report --data " + data_ + " --out " + page_.string(), &out), 0) << out;
    rollups_ = Query("aggregates", data_);
    ASSERT_FALSE(rollups_.empty());
  }

  // The page with `fragment`, rendered: asserts no script error, returns the DOM.
  std::string Render(const std::string& fragment) {
    BrowserRun run = Chromium(dir_ / ("profile-" + std::to_string(++runs_)), "--dump-dom", page_, fragment);
    EXPECT_EQ(run.exit_code, 0) << run.log;
    const size_t body = run.dom.find("<body");
    EXPECT_NE(body, std::string::npos) << run.dom.substr(0, 2000);
    if (body == std::string::npos) return "";
    const std::string body_tag = run.dom.substr(body, run.dom.find('>', body) - body);
    EXPECT_NE(body_tag.find("data-render-status=\"ok\""), std::string::npos) << fragment << ": " << body_tag << "\n"
                                                                            << run.log;
    EXPECT_NE(run.dom.find("<ul id=\"js-errors\" hidden=\"\"></ul>"), std::string::npos) << "script errors listed";
    EXPECT_FALSE(HasConsoleOutput(run.log)) << run.log;
    return run.dom;
  }

  std::string data_;
  fs::path page_;
  std::vector<json> rollups_;
  int runs_ = 0;
};

TEST_F(ReportBrowserTest, RegionsAndFiguresAreThoseOfAggregates) {
  const std::string dom = Render("");
  // The region tree: every region once, with its document count: the regions
  // `reportflow export` writes (ReadRegions, the code every reader shares).
  std::map<std::string, std::set<std::string>> tree, regions;
  for (const auto& li : Elements(dom, "<li data-key=")) {
    EXPECT_TRUE(tree[li.at("data-level")].insert(li.at("data-key")).second) << li.at("data-key") << " listed twice";
  }
  std::map<std::string, std::string> level_of;
  for (const auto& level_keys : tree) {
    for (const auto& k : level_keys.second) {
      EXPECT_TRUE(level_of.emplace(k, level_keys.first).second) << k << " listed at two levels";
    }
  }
  std::string out;
  ASSERT_EQ(Cli("export --data " + data_ + " --format jsonl --out " + (dir_ / "export").string(), &out), 0) << out;
  std::map<std::string, int> documents;
  for (const auto& line : Lines(ReadFileOrDie(dir_ / "export" / "regions.jsonl"))) {
    const json r = json::parse(line);
    const std::string key = r["code"].is_null() ? "~" + r["level"].get<std::string>() + ":" + r["name"].get<std::string>()
                                                : r["code"].get<std::string>();
    regions[r["level"]].insert(key);
    documents[key] = r["documents"];
  }
  EXPECT_EQ(tree, regions);
  for (const auto& li : Elements(dom, "<li data-key=")) {
    EXPECT_EQ(std::stoi(li.at("data-documents")), documents[li.at("data-key")]) << li.at("data-key");
  }
  // Every region `aggregates` has a rollup for is in the tree, at its level (a
  // municipality's code once, at its highest level).
  for (const auto& r : rollups_) {
    if (r["region_code"].is_null() && r["region"] == "(unknown)") continue;
    const std::string key = NodeKey(r);
    ASSERT_TRUE(level_of.count(key)) << key << " of aggregates is not in the tree";
    if (level_of[key] != r["level"]) {
      EXPECT_EQ(level_of[key], "province") << key;
    }
  }
  ASSERT_FALSE(tree["township"].empty());
  ASSERT_FALSE(tree["county"].empty());

  // Each region's rollup table is its aggregates rows, value for value.
  for (const char* level : {"province", "county", "township"}) {
    std::string key;  // a region of the level with rollups
    for (const auto& r : rollups_) {
      if (r["level"] == level && tree[level].count(NodeKey(r))) key = NodeKey(r);
    }
    ASSERT_FALSE(key.empty()) << level;
    const std::string region_dom = Render("r=" + PercentEncode(key) + "&y=all");
    std::map<std::string, json> want;
    for (const auto& r : rollups_) {
      if (r["level"] != level || NodeKey(r) != key) continue;
      const std::string year = r["year"].is_null() ? "" : std::to_string(r["year"].get<int>());
      want[r["metric"].get<std::string>() + "|" + year + "|" + r["reports"].get<std::string>() + "|" +
           r["unit"].get<std::string>()] = r;
    }
    const auto rows = Elements(region_dom, "<tr class=\"");
    size_t compared = 0;
    for (const auto& row : rows) {
      if (!row.count("data-metric") || !row.count("data-statistic")) continue;  // rollup rows (not year over year)
      ++compared;
      const std::string id =
          row.at("data-metric") + "|" + row.at("data-year") + "|" + row.at("data-reports") + "|" + row.at("data-unit");
      ASSERT_TRUE(want.count(id)) << level << " " << key << ": " << id << " is not an aggregates row";
      const json& r = want[id];
      EXPECT_EQ(row.at("data-statistic"), r["statistic"]) << id;
      EXPECT_DOUBLE_EQ(std::stod(row.at("data-value")), r["value"].get<double>()) << id;
      EXPECT_EQ(std::stoi(row.at("data-documents")), r["documents"].get<int>()) << id;
      EXPECT_DOUBLE_EQ(std::stod(row.at("data-coverage")), r["coverage"].get<double>()) << id;
      if (r["kind"] == "rate") {  // never summed: the mean of the documents' values
        EXPECT_EQ(row.at("data-statistic"), "mean") << id;
        EXPECT_DOUBLE_EQ(std::stod(row.at("data-value")), r["mean"].get<double>()) << id;
      }
    }
    EXPECT_EQ(compared, want.size()) << level << " " << key;
    EXPECT_GT(compared, 0u) << level << " " << key;
  }
}

TEST_F(ReportBrowserTest, RateChartShowsMeansOnAFittedAxis) {
  // A rate reported by several townships of one county, in one year.
  std::map<std::string, std::vector<json>> groups;  // county|year|metric -> township rows
  std::map<std::string, std::string> county_of;
  for (const auto& d : Query("docs", data_)) {
    if (!d["township_code"].is_null() && !d["county_code"].is_null()) county_of[d["township_code"]] = d["county_code"];
  }
  for (const auto& r : rollups_) {
    if (r["level"] != "township" || r["kind"] != "rate" || r["region_code"].is_null() || r["year"].is_null()) continue;
    const std::string county = county_of[r["region_code"]];
    groups[county + "|" + std::to_string(r["year"].get<int>()) + "|" + r["metric"].get<std::string>()].push_back(r);
  }
  const std::vector<json>* best = nullptr;
  std::string best_key;
  for (const auto& [k, rows] : groups) {
    if (best == nullptr || rows.size() > best->size()) best = &rows, best_key = k;
  }
  ASSERT_NE(best, nullptr) << "no rate metric by township in the samples";
  const std::string county = best_key.substr(0, best_key.find('|'));
  const std::string year = best_key.substr(county.size() + 1, 4);
  const std::string metric = (*best)[0]["metric"];
  const std::string dom = Render("r=" + county + "&y=" + year + "&m=" + PercentEncode(metric));
  const auto charts = Elements(dom, "<svg width=");
  const std::map<std::string, std::string>* chart = nullptr;
  for (const auto& c : charts) {
    if (c.count("data-chart") && c.at("data-chart") == "children") chart = &c;
  }
  ASSERT_NE(chart, nullptr) << "no sub-region chart for " << best_key;
  EXPECT_EQ(chart->at("data-metric"), metric);
  EXPECT_EQ(chart->at("data-statistic"), "mean");
  double lo = 1e300, hi = -1e300;
  std::map<std::string, double> mean;
  for (const auto& r : *best) {
    mean[r["region_code"]] = r["mean"];
    lo = std::min(lo, r["min"].get<double>());
    hi = std::max(hi, r["max"].get<double>());
  }
  size_t dots = 0;
  for (const auto& g : Elements(dom, "<g data-key=")) {
    ASSERT_TRUE(mean.count(g.at("data-key"))) << g.at("data-key");
    EXPECT_DOUBLE_EQ(std::stod(g.at("data-value")), mean[g.at("data-key")]) << "a rate is shown as its mean";
    ++dots;
  }
  EXPECT_EQ(dots, best->size());
  // The axis fits the values: not stretched to 0–100 when they lie in a narrow band.
  const double axis_lo = std::stod(chart->at("data-lo")), axis_hi = std::stod(chart->at("data-hi"));
  EXPECT_LE(axis_lo, lo);
  EXPECT_GE(axis_hi, hi);
  if (hi > lo) {
    EXPECT_LE(axis_hi - axis_lo, 4 * (hi - lo) + 1) << "axis " << axis_lo << ".." << axis_hi;
  }
  EXPECT_NE(dom.find("data-chart=\"coverage\""), std::string::npos);
  EXPECT_NE(dom.find("not reported</text>"), std::string::npos) << "coverage legend";

  // Screenshots for people to look at, kept with the build's test artefacts.
  const fs::path artifacts = BinDir().parent_path() / "test-artifacts";
  fs::create_directories(artifacts);
  for (const auto& [name, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"report.png", ""}, {"report-county.png", "r=" + county + "&y=" + year + "&m=" + PercentEncode(metric)}}) {
    const fs::path shot = artifacts / name;
    fs::remove(shot);
    BrowserRun snap = Chromium(dir_ / ("shot-" + name), "--hide-scrollbars --window-size=1400,1800 --screenshot=" +
                                                            shot.string(), page_, fragment);
    ASSERT_EQ(snap.exit_code, 0) << snap.log;
    const std::string png = ReadFileOrDie(shot);
    ASSERT_GT(png.size(), 10000u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  }
}

TEST_F(ReportBrowserTest, DocumentDetailIsDecodedOnDemandAndSearchFindsTraditionalSpelling) {
  const auto docs = Query("docs", data_);
  ASSERT_FALSE(docs.empty());
  std::string doc, county;  // a document with metrics in a 县 (written 縣 in traditional characters)
  const std::string suffix = "县";
  for (const auto& d : docs) {
    if (d["metrics"].get<int>() == 0 || d["county"].is_null()) continue;
    const std::string c = d["county"];
    if (c.size() > suffix.size() && c.compare(c.size() - suffix.size(), suffix.size(), suffix) == 0) {
      doc = d["doc_id"], county = c;
    }
  }
  ASSERT_FALSE(doc.empty());
  const std::string html = ReadFileOrDie(page_);
  EXPECT_EQ(html.find("id=\"m-" + doc + "-0\""), std::string::npos) << "detail must be compressed, not inline";
  const std::string dom = Render("d=" + doc);
  EXPECT_NE(dom.find("data-doc-loaded=\"" + doc + "\""), std::string::npos);
  EXPECT_NE(dom.find("<mark class=\"q\" id=\"m-" + doc + "-0\""), std::string::npos) << "highlighted sentence";

  // 县 typed as 縣 finds the county, once.
  const std::string traditional = county.substr(0, county.size() - suffix.size()) + "縣";
  const std::string found = Render("q=" + PercentEncode(traditional));
  const size_t results = found.find("id=\"search-results\"");
  ASSERT_NE(results, std::string::npos);
  const std::string box = found.substr(results, found.find("<ul id=\"tree\"", results) - results);
  size_t hits = 0;
  for (size_t p = box.find(">" + county + "</a>"); p != std::string::npos; p = box.find(">" + county + "</a>", p + 1)) {
    ++hits;
  }
  EXPECT_EQ(hits, 1u) << box.substr(0, 3000);
}

// Every `<tr ...>...</tr>` whose opening tag starts with `marker`, as its HTML.
std::vector<std::string> RowsHtml(const std::string& dom, const std::string& marker) {
  std::vector<std::string> out;
  for (size_t at = dom.find(marker); at != std::string::npos; at = dom.find(marker, at + 1)) {
    out.push_back(dom.substr(at, dom.find("</tr>", at) - at));
  }
  return out;
}

std::string Attr(const std::string& tag, const std::string& name) {
  const size_t at = tag.find(" " + name + "=\"");
  if (at == std::string::npos) return "";
  const size_t begin = at + name.size() + 3;
  return Unescape(tag.substr(begin, tag.find('"', begin) - begin));
}

TEST_F(ReportBrowserTest, AuditSectionsShowCoverageFindingsAndYearOverYear) {
  const std::string dom = Render("");
  ASSERT_NE(dom.find("<section id=\"audit-coverage\""), std::string::npos);
  ASSERT_NE(dom.find("<section id=\"audit-findings\""), std::string::npos);
  ASSERT_NE(dom.find("<section id=\"audit-yoy\""), std::string::npos);

  // Coverage: each county's grid is `reportflow coverage` of that county and year, unit for unit.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> grids;  // (county, year) -> code -> status
  for (const auto& unit : Elements(dom, "<span class=\"cov-unit ")) {
    const std::string status = unit.at("class").substr(std::string("cov-unit ").size());
    const std::string code = unit.at("data-code");
    grids[{code.substr(0, 6), unit.at("data-year")}][code] = status;
  }
  ASSERT_FALSE(grids.empty()) << "no coverage grid";
  size_t filed = 0;
  for (const auto& [county_year, units] : grids) {
    std::string out;
    ASSERT_EQ(RunCommand(Reportflow() + " coverage --data " + data_ + " --region " + county_year.first + " --year " +
                             county_year.second + " --format jsonl",
                         &out),
              0)
        << out;
    std::map<std::string, std::string> want;
    for (const auto& line : Lines(out)) {
      const json u = json::parse(line);
      want[u["code"].get<std::string>()] = u["status"].get<std::string>();
      filed += u["status"] == "filed";
    }
    EXPECT_EQ(units, want) << county_year.first << " " << county_year.second;
  }
  EXPECT_GT(filed, 0u);

  // Findings: every finding of `reportflow findings`, by kind.
  std::map<std::string, size_t> want_kinds, got_kinds;
  for (const auto& f : Query("findings", data_)) ++want_kinds[f["kind"].get<std::string>()];
  const auto rows = RowsHtml(dom, "<tr class=\"finding");
  for (const auto& row : rows) {
    ++got_kinds[Attr(row, "data-kind")];
    EXPECT_EQ(Attr(row, "class"), "finding") << "nothing hidden without a filter";
  }
  EXPECT_EQ(got_kinds, want_kinds);
  ASSERT_FALSE(rows.empty());
  // The filters, set from the URL (#fk=<kind>, #fq=<text>): only the matching rows stay visible.
  const std::string kind = want_kinds.begin()->first;
  const std::string by_kind = Render("fk=" + kind);
  size_t visible = 0;
  for (const auto& row : RowsHtml(by_kind, "<tr class=\"finding")) {
    const bool hidden = Attr(row, "class") == "finding hidden";
    EXPECT_EQ(hidden, Attr(row, "data-kind") != kind) << row.substr(0, 300);
    visible += !hidden;
  }
  EXPECT_EQ(visible, want_kinds[kind]);
  EXPECT_NE(by_kind.find("data-shown=\"" + std::to_string(visible) + "\""), std::string::npos);
  std::string region;  // a region named by some finding, not by all
  for (const auto& f : Query("findings", data_)) {
    if (f["region"].is_string() && !f["region"].get<std::string>().empty()) region = f["region"].get<std::string>();
  }
  ASSERT_FALSE(region.empty());
  const std::string by_text = Render("fq=" + PercentEncode(region));
  visible = 0;
  for (const auto& row : RowsHtml(by_text, "<tr class=\"finding")) {
    const bool hidden = Attr(row, "class") == "finding hidden";
    EXPECT_EQ(hidden, row.find(region) == std::string::npos) << row.substr(0, 300);
    visible += !hidden;
  }
  EXPECT_GT(visible, 0u);

  // Year over year: a row per unit, metric and year; the year before only where the unit reported then.
  std::set<std::pair<std::string, int>> reported;  // (township, year)
  for (const auto& d : Query("docs", data_)) {
    if (d["township"].is_string() && d["year"].is_number()) reported.insert({d["township"].get<std::string>(), d["year"].get<int>()});
  }
  const auto yoy = RowsHtml(dom, "<tr class=\"yoy\"");
  ASSERT_FALSE(yoy.empty());
  size_t huatai_2023 = 0;
  for (const auto& row : yoy) {
    const std::string unit = Attr(row, "data-unit");
    const int year = std::stoi(Attr(row, "data-year"));
    EXPECT_TRUE(reported.count({unit, year})) << unit << " " << year;
    const bool no_partner = row.find("<td class=\"prev\"></td>") != std::string::npos;
    if (!reported.count({unit, year - 1})) {
      EXPECT_TRUE(no_partner) << row.substr(0, 300);
    }
    if (unit == "花台乡" && year == 2023) {
      ++huatai_2023;
      EXPECT_TRUE(no_partner) << "花台乡 has no 2022 report: " << row.substr(0, 300);
    }
  }
  EXPECT_GT(huatai_2023, 0u) << "花台乡's 2023 values are in the year-over-year table";

  // A screenshot of the audit sections, kept with the test artefacts: the page
  // with the other sections hidden, so the audit view is what fills the window.
  const fs::path artifacts = BinDir().parent_path() / "test-artifacts";
  fs::create_directories(artifacts);
  std::string audit_only = ReadFileOrDie(page_);
  audit_only.insert(audit_only.find("</head>"), "<style>main > :not(#audit) { display: none !important; }</style>");
  const fs::path audit_page = dir_ / "report-audit.html";
  std::ofstream(audit_page) << audit_only;
  const fs::path shot = artifacts / "report-audit.png";
  fs::remove(shot);
  BrowserRun snap = Chromium(dir_ / "shot-audit", "--hide-scrollbars --window-size=1400,1800 --screenshot=" +
                                                      shot.string(), audit_page);
  ASSERT_EQ(snap.exit_code, 0) << snap.log;
  const std::string png = ReadFileOrDie(shot);
  ASSERT_GT(png.size(), 30000u) << "a blank page compresses to about 11 KB";
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST_F(ReportBrowserTest, AScriptErrorIsCaught) {
  // The checks above can fail: a broken page is flagged and its error listed.
  std::string broken = ReadFileOrDie(page_);
  broken.insert(broken.find("</body>"), "<script>undefinedFunctionOfTheTest();</script>");
  const fs::path bad = dir_ / "broken.html";
  std::ofstream(bad) << broken;
  BrowserRun run = Chromium(dir_ / "profile-bad", "--dump-dom", bad);
  EXPECT_NE(run.dom.find("data-render-status=\"error\""), std::string::npos);
  EXPECT_NE(run.dom.find("undefinedFunctionOfTheTest"), std::string::npos);
  EXPECT_TRUE(HasConsoleOutput(run.log)) << run.log;
}

}  // namespace
}  // namespace reportflow::testing
