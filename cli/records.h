// JSON records for the query commands: one place that names the fields of a
// document, a metric and a rollup in every output format.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cli/data_reader.h"
#include "common/results/section_path.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/common/v1/common.pb.h"
#include "reportflow/extract/v1/extract.pb.h"
#include "reportflow/ingest/v1/ingest.pb.h"

namespace reportflow::cli {

std::string ApproxName(common::v1::Approx approx);        // exact, more_than, about, less_than, at_least
std::string KindName(common::v1::QuantityKind kind);      // count, percent, money, other
std::string PlaceStatusName(common::v1::PlaceStatus status);  // resolved, ambiguous, not_in_gazetteer, unknown
std::string PlaceSourceName(common::v1::PlaceSource source);  // title, issuer, ..., path, scope, batch
std::string RoleName(extract::v1::QuantityRole role);          // value, part, target, change
std::string MetricKindName(extract::v1::MetricKind kind);      // count, rate, money, other
std::string StatisticName(aggregate::v1::RollupStatistic statistic);  // sum or mean

// A region name as rollups group it: in simplified characters (塘坡縣 -> 塘坡县).
std::string SimplifiedName(const std::string& name);

// doc_id, source, status, township .. province with their codes, how the
// place was resolved (status, sources, candidates, written forms), year,
// title, and all other metadata.
nlohmann::ordered_json DocumentRecord(const ingest::v1::LedgerEntry& entry, const common::v1::DocumentMetadata* meta);
// doc_id, source, township .. province, year, metric, kind, role, parent,
// subject, value, unit, canonical value and unit, approx, text, span, section
// (the metric's own section path, else joined from its document's `sections`) ...
nlohmann::ordered_json MetricRecord(const std::string& doc_id, const std::string& source,
                                    const common::v1::DocumentMetadata& meta, const extract::v1::Metric& metric,
                                    const results::SectionHeadings& sections);
// The same fields, added after those `r` already has (a stream event's).
void AddMetricFields(const std::string& doc_id, const std::string& source, const common::v1::DocumentMetadata& meta,
                     const extract::v1::Metric& metric, const results::SectionHeadings& sections,
                     nlohmann::ordered_json* r);
// level, region, region_code, reports (township|county), year, metric, kind,
// statistic, value (sum of a count, mean of a rate), unit, documents,
// mentions, sum (null for rates), mean, median, p90, min, max, approx_share, coverage
nlohmann::ordered_json RollupRecord(const aggregate::v1::Rollup& rollup);
// code, level, name, parent_code, documents (see RegionRow).
nlohmann::ordered_json RegionRecord(const RegionRow& region);
// The columns of each record in tables (the headline ones) and in csv (every
// field of the JSON record, in its order).
std::vector<std::string> DocumentColumns(bool table);
std::vector<std::string> MetricColumns(bool table);
std::vector<std::string> RollupColumns(bool table);
std::vector<std::string> RegionColumns();

}  // namespace reportflow::cli
