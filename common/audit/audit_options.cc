#include "common/audit/audit_options.h"

#include <cmath>
#include <string>

namespace reportflow::audit {

Result<AuditOptions> AuditOptionsFromConfig(const config::v1::AuditConfig& config) {
  AuditOptions o;
  if (config.has_near_duplicate_similarity()) {
    const double v = config.near_duplicate_similarity();
    if (!(v > 0 && v <= 1)) {
      return Status::InvalidArgument("config: audit.near_duplicate_similarity is " + std::to_string(v) +
                                     "; it must be above 0 and at most 1");
    }
    o.near_duplicate_similarity = v;
  }
  if (config.has_near_duplicates()) o.near_duplicates = config.near_duplicates();
  if (config.has_yoy_factor()) {
    const double v = config.yoy_factor();
    if (!(v > 1) || !std::isfinite(v)) {
      return Status::InvalidArgument("config: audit.yoy_factor is " + std::to_string(v) + "; it must be above 1");
    }
    o.yoy_factor = v;
  }
  if (config.has_yoy_rate_points()) {
    const double v = config.yoy_rate_points();
    if (!(v > 0 && v <= 100)) {
      return Status::InvalidArgument("config: audit.yoy_rate_points is " + std::to_string(v) +
                                     "; it must be above 0 and at most 100");
    }
    o.yoy_rate_points = v;
  }
  return o;
}

}  // namespace reportflow::audit
