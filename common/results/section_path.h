// A metric's section path (its headings from top level down), from the
// headings its document holds once (ExtractionResult.sections,
// DocContribution.sections) rather than a copy in every metric.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/repeated_ptr_field.h>

#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::results {

using SectionHeadings = google::protobuf::RepeatedPtrField<extract::v1::SectionHeading>;

// The headings of `metric`'s section from top level down: the metric's own
// `section_path` when it carries one (a stream event, a result stored before
// per-document headings), else walked up from `metric.section()` through
// `sections`. Empty for a metric outside every section.
std::vector<std::string_view> SectionPath(const SectionHeadings& sections, const extract::v1::Metric& metric);

// The same headings joined with `separator`.
std::string JoinedSectionPath(const SectionHeadings& sections, const extract::v1::Metric& metric,
                              std::string_view separator);

}  // namespace reportflow::results
