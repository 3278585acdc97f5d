// Audit findings, one model (aggregate.v1.AuditFinding) for every kind:
//   consistency     extract's checks of one document (rate above 100% ...)
//   near_duplicate  two reports whose masked text is largely the same
//   yoy_jump        a unit's metric that jumped since the year before
//   missing_filer   a reporting unit with no report for the year
// Each finding names its region, year, documents (with spans) and severity.
// The builders below are the one place each kind is made.
// Thread-safety: free functions.
#pragma once

#include <string>

#include "common/audit/coverage.h"
#include "common/audit/near_duplicate.h"
#include "common/audit/year_over_year.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::audit {

inline constexpr char kConsistency[] = "consistency";
inline constexpr char kNearDuplicate[] = "near_duplicate";
inline constexpr char kYoyJump[] = "yoy_jump";
inline constexpr char kMissingFiler[] = "missing_filer";

// True for the four kinds above.
bool IsFindingKind(const std::string& kind);

// One of extract's consistency findings of a document; spans are the
// sentences of the metrics it names.
aggregate::v1::AuditFinding ConsistencyFinding(const std::string& doc_id, const std::string& source,
                                               const common::v1::DocumentMetadata& meta,
                                               const google::protobuf::RepeatedPtrField<extract::v1::Metric>& metrics,
                                               const extract::v1::Finding& finding);

// A near-duplicate pair: documents in (year, doc_id) order, the later one
// (the likely copy) gives the region; code says how the two relate:
// same_unit_other_year, same_unit_same_year, other_unit_same_year or
// other_unit_other_year.
aggregate::v1::AuditFinding NearDuplicateFinding(const aggregate::v1::AuditDocument& a,
                                                 const aggregate::v1::AuditDocument& b, const PairComparison& cmp);

// A year-over-year row with a jump (row.jump not empty).
aggregate::v1::AuditFinding YoyJumpFinding(const YoyRow& row);

// A unit of a coverage with no report for its year.
aggregate::v1::AuditFinding MissingFilerFinding(const CoverageUnit& unit, int year);

std::string SeverityName(extract::v1::Severity severity);  // info, warning, error

}  // namespace reportflow::audit
