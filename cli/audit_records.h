// JSON records of the audit view: a finding, a coverage unit and county, a
// year-over-year row, in every output format (findings, coverage, yoy,
// subscribe, the HTML report, the export).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/audit/coverage.h"
#include "common/audit/year_over_year.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::cli {

// kind, code, severity, region, region_code, year, metric, similarity,
// numbers_differ, doc_id, source, doc_id_2, source_2, message, documents
// (every document with its year, region and spans).
nlohmann::ordered_json FindingRecord(const aggregate::v1::AuditFinding& finding);
std::vector<std::string> FindingColumns(bool table);

// county, county_code, township, code, unit_type, year, status (filed | missing), reports, doc_ids, sources.
nlohmann::ordered_json CoverageUnitRecord(const audit::CoverageUnit& unit, int year);
std::vector<std::string> CoverageUnitColumns();
// county, code, city, year, units, filed, missing, share_filed.
nlohmann::ordered_json CoverageCountyRecord(const audit::CoverageCounty& county, int year);
std::vector<std::string> CoverageCountyColumns();

// township, code, metric, unit, year, value, previous_year, previous, change, jump, doc_id(s).
nlohmann::ordered_json YoyRecord(const audit::YoyRow& row);
std::vector<std::string> YoyColumns();

}  // namespace reportflow::cli
