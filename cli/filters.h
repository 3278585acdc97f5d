// RecordFilter: the filters `docs`, `metrics`, `aggregates`, `export` and
// `serve` share: --region (any level, by name or code), --year, --metric.
//
//   region  a province, city, county or township by name (simplified or
//           traditional: 塘坡縣 finds 塘坡县; a county, city or province also by
//           its short name, 万州 for 万州区), or by its statistical code (2, 4,
//           6, 9 or 12 digits); "(unknown)" selects what has no place. A name
//           shared by several units (东城街道) selects them all: give a code to
//           pick one. A document matches when the region is its township,
//           county, city or province; a rollup when it is the rollup's region.
//   year    the year reported on.
//   metric  a metric id prefix: "mediation." or "mediation.disputes_handled".
//
// A region, year or metric that names nothing in the data is an error whose
// message lists near matches (what a typo most likely meant), never an empty
// result. Thread-safety: immutable after Create().
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/output.h"
#include "common/base/result.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/common/v1/common.pb.h"
#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::cli {

class DataReader;

struct FilterSpec {
  std::string region;
  int year = 0;        // 0 = any
  std::string metric;  // prefix; "" = any
  bool empty() const { return region.empty() && year == 0 && metric.empty(); }
};

// What a data directory holds that a filter can name.
struct FilterVocabulary {
  struct Region {
    std::string name;  // as stored (canonical simplified when resolved)
    std::string code;  // 12 digits, "" when known by name only
  };
  std::vector<Region> regions;      // every level, distinct
  std::set<int> years;              // every year a document reports on (0 = unknown)
  std::set<std::string> metrics;    // every metric id in the rollups

  // Regions and years from the region counts (every document counts there),
  // metric ids from the rollups.
  static Result<FilterVocabulary> Read(DataReader& reader);
};

class RecordFilter {
 public:
  // A filter that keeps everything.
  RecordFilter() = default;
  // InvalidArgument naming near matches when a part of `spec` names nothing
  // in `vocab`. `reader` (optional) is asked for the metric ids of every
  // stored metric when the rollups do not know a metric (a target-only one).
  static Result<RecordFilter> Create(const FilterSpec& spec, const FilterVocabulary& vocab,
                                     DataReader* reader = nullptr);
  // Reads the vocabulary only when `spec` filters something.
  static Result<RecordFilter> Open(const FilterSpec& spec, DataReader& reader);

  const FilterSpec& spec() const { return spec_; }
  // Region and year of a document's place (metric is not looked at).
  bool KeepPlace(const common::v1::DocumentMetadata& meta) const;
  bool KeepMetricId(const std::string& metric_id) const;
  // A document: its place, and with --metric, at least one of its metrics.
  bool KeepDocument(const common::v1::DocumentMetadata& meta,
                    const google::protobuf::RepeatedPtrField<extract::v1::Metric>& metrics) const;
  // One metric of a document.
  bool KeepMetric(const common::v1::DocumentMetadata& meta, const extract::v1::Metric& metric) const;
  bool KeepRollup(const aggregate::v1::RollupKey& key) const;
  bool KeepRegion(const std::string& region_name, const std::string& region_code) const;

 private:
  FilterSpec spec_;
  bool unknown_region_ = false;       // "(unknown)": no place at all
  std::set<std::string> codes_;       // 12-digit codes the region resolved to
  std::string name_;                  // simplified name, for places known by name only
};

// Registers --region, --year and --metric on a command.
void AddFilterOptions(CLI::App* cmd, FilterSpec* spec);

// What a query command (docs, metrics, aggregates) opens: the output format,
// the data directory's stores and the filter.
struct QueryInputs {
  Format format = Format::kTable;
  std::unique_ptr<DataReader> reader;
  RecordFilter filter;
};
// Opens them; on error also prints "reportflow <command>: <why>" to stderr
// (a usage error: bad format, filter or data dir; the caller exits 2).
Result<QueryInputs> OpenQuery(const std::string& command, const std::string& data_dir, const std::string& format,
                              const FilterSpec& spec);

// "500238" -> "500238000000"; "" when `s` is not 2, 4, 6, 9 or 12 digits.
std::string NormalizeRegionCode(const std::string& s);

}  // namespace reportflow::cli
