#include "common/stream/topics.h"

namespace reportflow::stream {

namespace apb = ::reportflow::aggregate::v1;

std::string MetricTopic(const apb::MetricEvent& m) {
  return "metric." + m.metric().metric_id() + "." + m.metadata().township();
}

std::string RollupTopic(const apb::RollupKey& key) {
  return "agg." + LevelName(key.level()) + "." + key.region() + "." + key.metric_id();
}

std::string RegionTopic(const apb::RegionCount& r) { return "region." + LevelName(r.level()) + "." + r.region(); }

std::string FindingTopic(const apb::AuditFinding& f) { return "finding." + f.kind() + "." + f.region(); }

std::string TopicOf(const apb::StreamEvent& e) {
  switch (e.event_case()) {
    case apb::StreamEvent::kMetric: return MetricTopic(e.metric());
    case apb::StreamEvent::kRollup: return RollupTopic(e.rollup().key());
    case apb::StreamEvent::kRegion: return RegionTopic(e.region());
    case apb::StreamEvent::kFinding: return FindingTopic(e.finding());
    default: return std::string(kHeartbeatTopic);
  }
}

bool MatchesAny(std::string_view topic, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return true;
  for (const auto& p : prefixes) {
    if (topic.substr(0, p.size()) == p) return true;
  }
  return false;
}

}  // namespace reportflow::stream
