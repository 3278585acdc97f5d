// The audit view of a data directory (common/audit): every finding of every
// kind, the coverage of a region and year, the year-over-year table. Read by
// `reportflow findings|coverage|yoy`, the HTML report and the export.
// Thread-safety: free functions over a DataReader (not shared between threads).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/data_reader.h"
#include "common/audit/audit_options.h"
#include "common/audit/coverage.h"
#include "common/audit/year_over_year.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::cli {

// The audit options of the data directory's config (its `audit` section).
Result<audit::AuditOptions> AuditOptionsOf(const DataReader& reader);

// Every document as coverage sees it.
Result<std::vector<audit::FiledDocument>> FiledDocuments(DataReader& reader);

// The coverage of each county with township reports, for each year it has
// township reports for (in county code, then year order): what missing_filer
// findings and the export's coverage table are made of.
Status ForEachCountyCoverage(DataReader& reader, const std::function<void(const audit::Coverage&)>& fn);

// Every (unit, metric, year) of township-level reports with year N-1 beside it.
Result<std::vector<audit::YoyRow>> YearOverYearRows(DataReader& reader, const audit::AuditOptions& options);

// Every finding: consistency (extract's checks), near_duplicate (aggregate's
// store), yoy_jump (the year table) and missing_filer (each county with
// reports, each year it has reports for: its units without one).
Status ForEachFinding(DataReader& reader, const std::function<void(const aggregate::v1::AuditFinding&)>& fn);

// The same, restricted to one kind ("" = all) and region ("" = all: a name or
// code matching the finding's region or any of its documents' regions, or the
// county/city/province those lie in).
Status ForEachFinding(DataReader& reader, const std::string& kind, const std::string& region,
                      const std::function<void(const aggregate::v1::AuditFinding&)>& fn);

}  // namespace reportflow::cli
