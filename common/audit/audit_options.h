// AuditOptions: the thresholds of the audit findings, from the pipeline
// config's `audit` section (config.v1.AuditConfig) with defaults for absent
// fields. How the defaults were chosen: common/audit/README.md.
// Thread-safety: plain values.
#pragma once

#include "common/base/result.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::audit {

struct AuditOptions {
  // Near-duplicates: aligned similarity of the masked clause grams
  // (near_duplicate.h); README.md has the measured distributions.
  double near_duplicate_similarity = 0.40;
  bool near_duplicates = true;
  // Year over year: counts and amounts that grow or shrink by this factor.
  double yoy_factor = 10.0;
  // Year over year: rates that move by more than this many points.
  double yoy_rate_points = 30.0;
};

// The options of `config` (absent fields: the defaults above); a value out of
// range is an InvalidArgument naming the field.
Result<AuditOptions> AuditOptionsFromConfig(const config::v1::AuditConfig& config);

}  // namespace reportflow::audit
