#include "common/stream/rollup_keys.h"

#include <algorithm>
#include <cstdio>

namespace reportflow::stream {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;

std::string LevelName(cpb::RegionLevel level) {
  switch (level) {
    case cpb::REGION_LEVEL_TOWNSHIP: return "township";
    case cpb::REGION_LEVEL_COUNTY: return "county";
    case cpb::REGION_LEVEL_CITY: return "city";
    case cpb::REGION_LEVEL_PROVINCE: return "province";
    default: return "unknown";
  }
}

std::string EncodeRegionKey(cpb::RegionLevel level, cpb::RegionLevel source_level, const std::string& region_code,
                            const std::string& region, int32_t year) {
  char y[8];
  std::snprintf(y, sizeof(y), "%04d", std::clamp(year, 0, 9999));
  std::string key = std::to_string(static_cast<int>(level));
  // Township-level (and unplaced) reports keep the original layout; county-level
  // reports are a separate family of rollups.
  if (source_level == cpb::REGION_LEVEL_COUNTY) key += 'c';
  key += '\0';
  // Codes are digits and names are not, so the two never collide.
  key += region_code.empty() ? region : region_code;
  key += '\0';
  key += y;
  return key;
}

std::string EncodeRegionKey(const apb::RegionCount& r) {
  return EncodeRegionKey(r.level(), r.source_level(), r.region_code(), r.region(), r.year());
}

std::string RegionKeyOf(const apb::RollupKey& k) {
  return EncodeRegionKey(k.level(), k.source_level(), k.region_code(), k.region(), k.year());
}

std::string EncodeRollupKey(const apb::RollupKey& k) { return RegionKeyOf(k) + '\0' + k.metric_id() + '\0' + k.unit(); }

}  // namespace reportflow::stream
