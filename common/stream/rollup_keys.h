// The identity of rollups and region counts: the one encoding of their keys,
// shared by the aggregate store (services/aggregate) and the stream's
// Clone-pattern state (common/stream), and the names of region levels.
//
// A region is identified by its 12-digit statistical code when known, else by
// its name, so two 东城街道 in different counties never share a key. Keys sort
// by (level, source level, region, year[, metric, unit]); see
// common/storage/README.md for the byte layout.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::stream {

// "township", "county", "city", "province" or "unknown".
std::string LevelName(common::v1::RegionLevel level);

// The region part of a key: level, source level, code-or-name, year.
std::string EncodeRegionKey(common::v1::RegionLevel level, common::v1::RegionLevel source_level,
                            const std::string& region_code, const std::string& region, int32_t year);
std::string EncodeRegionKey(const aggregate::v1::RegionCount& region);
// The region part followed by metric id and canonical unit.
std::string EncodeRollupKey(const aggregate::v1::RollupKey& key);
// The key of the region count a rollup's coverage is computed against.
std::string RegionKeyOf(const aggregate::v1::RollupKey& key);

}  // namespace reportflow::stream
