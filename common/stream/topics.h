// Topics of the aggregate stream (endpoints.aggregate_publish). The one place
// that names them, shared by the publisher (aggregate service) and consumers.
//
//   metric.<metric_id>.<township>     MetricEvent
//   agg.<level>.<region>.<metric_id>  Rollup (level: township, county, city, province, unknown)
//   region.<level>.<region>           RegionCount
//   hb                                Heartbeat
//   finding.<kind>.<region>           AuditFinding (a notification: not in snapshots)
//
// Subscribers filter by prefix, e.g. "metric.mediation.", "agg.county.巫溪县.".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/stream/rollup_keys.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::stream {

inline constexpr std::string_view kHeartbeatTopic = "hb";
inline constexpr std::string_view kSnapshotRequestHeader = "rf1.snapshot_request";
inline constexpr std::string_view kSnapshotHeader = "rf1.snapshot";
// On the same snapshot endpoint: aggregate.v1.PlacesRequest -> PlacesSummary.
inline constexpr std::string_view kPlacesRequestHeader = "rf1.places_request";
inline constexpr std::string_view kPlacesHeader = "rf1.places";

std::string MetricTopic(const aggregate::v1::MetricEvent& metric);
std::string RollupTopic(const aggregate::v1::RollupKey& key);
std::string RegionTopic(const aggregate::v1::RegionCount& region);
std::string FindingTopic(const aggregate::v1::AuditFinding& finding);
// The topic an event is published under.
std::string TopicOf(const aggregate::v1::StreamEvent& event);

// True if `topic` starts with one of `prefixes` (an empty list matches everything).
bool MatchesAny(std::string_view topic, const std::vector<std::string>& prefixes);

}  // namespace reportflow::stream
