// The audit sections of the HTML report (cli/report_html.h): coverage (a grid
// of reporting units per county, filed or missing), findings (every kind, with
// filters by kind and text) and the year-over-year table. Data from
// cli/audit_data.h, the code `reportflow findings|coverage` use.
//
// The sections carry their own style; their filters live in the page script
// (cli/report/report.js, bindFindingFilters), since the page inserts these
// sections from a compressed block on load (innerHTML runs no script). No network.
// DOM anchors for tests: section#audit-coverage (div.cov-grid per county,
// span.cov-unit.filed|missing[data-code][data-year]), section#audit-findings
// (select#finding-kind, input#finding-search, span#finding-shown[data-shown],
// tr.finding[data-kind], .hidden when filtered out; #fk=<kind>&fq=<text> in
// the URL sets the filters), section#audit-yoy (tr.yoy[data-unit][data-metric]
// [data-year], td.prev empty when there is no year N-1).
#pragma once

#include <string>
#include <vector>

#include "cli/data_reader.h"
#include "common/audit/coverage.h"
#include "common/audit/year_over_year.h"
#include "common/base/status.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::cli {

struct AuditReportData {
  std::vector<aggregate::v1::AuditFinding> findings;
  std::vector<audit::Coverage> coverage;  // each county with reports, its latest year
  std::vector<audit::YoyRow> yoy;
  size_t max_rows = 2000;                  // findings and year-over-year rows shown (the count says when cut)
};

Status LoadAuditReportData(DataReader& reader, AuditReportData* out);

// Appends the three <section>s.
void AppendAuditSections(const AuditReportData& data, std::string* html);

}  // namespace reportflow::cli
