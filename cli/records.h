// JSON records for the query commands: one place that names the fields of a
// document, a metric and a rollup in every output format.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/common/v1/common.pb.h"
#include "reportflow/extract/v1/extract.pb.h"
#include "reportflow/ingest/v1/ingest.pb.h"

namespace reportflow::cli {

std::string ApproxName(common::v1::Approx approx);        // exact, more_than, about, less_than, at_least
std::string KindName(common::v1::QuantityKind kind);      // count, percent, money, other

// doc_id, source, status, township, county, year, title, and all other metadata.
nlohmann::ordered_json DocumentRecord(const ingest::v1::LedgerEntry& entry, const common::v1::DocumentMetadata* meta);
// doc_id, source, township, year, metric, subject, value, unit, approx, kind, text, span, section ...
nlohmann::ordered_json MetricRecord(const std::string& doc_id, const std::string& source,
                                    const common::v1::DocumentMetadata& meta, const extract::v1::Metric& metric);
// level, region, year, metric, documents, count, sum, min, max, mean, median, p90, approx_share, coverage, unit
nlohmann::ordered_json RollupRecord(const aggregate::v1::Rollup& rollup);

}  // namespace reportflow::cli
