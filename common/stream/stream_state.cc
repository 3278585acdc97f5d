#include "common/stream/stream_state.h"

#include "common/stream/topics.h"

namespace reportflow::stream {

namespace apb = ::reportflow::aggregate::v1;

void StreamState::Reset(uint64_t sequence) {
  sequence_ = sequence;
  rollups_.clear();
  regions_.clear();
}

void StreamState::PutRollup(const apb::Rollup& r) {
  const std::string key = EncodeRollupKey(r.key());
  if (r.count() == 0 && r.documents() == 0) {
    rollups_.erase(key);
    return;
  }
  if (!MatchesAny(RollupTopic(r.key()), prefixes_)) return;
  apb::Rollup& slot = rollups_[key];
  slot = r;
  slot.clear_region_documents();
  slot.clear_coverage();
}

void StreamState::PutRegion(const apb::RegionCount& rc) {
  const std::string key = EncodeRegionKey(rc);
  if (rc.documents() == 0) {
    regions_.erase(key);
  } else {
    regions_[key] = rc;
  }
}

void StreamState::AddSnapshot(const apb::SnapshotChunk& chunk) {
  for (const auto& r : chunk.rollups()) PutRollup(r);
  for (const auto& rc : chunk.regions()) PutRegion(rc);
}

StreamState::Outcome StreamState::Apply(const apb::StreamEvent& e) {
  if (e.event_case() == apb::StreamEvent::kHeartbeat) {
    return e.sequence() > sequence_ ? Outcome::kGap : Outcome::kHeartbeat;
  }
  // A finding is a notification: it carries the last sequence and changes no state.
  if (e.event_case() == apb::StreamEvent::kFinding) return Outcome::kNotice;
  if (e.sequence() <= sequence_) return Outcome::kStale;
  if (e.sequence() != sequence_ + 1) return Outcome::kGap;
  sequence_ = e.sequence();
  if (e.event_case() == apb::StreamEvent::kRollup) PutRollup(e.rollup());
  if (e.event_case() == apb::StreamEvent::kRegion) PutRegion(e.region());
  return Outcome::kApplied;
}

void StreamState::FillCoverage(apb::Rollup* r) const {
  const auto it = regions_.find(RegionKeyOf(r->key()));
  const uint32_t n = it == regions_.end() ? 0 : it->second.documents();
  r->set_region_documents(n);
  r->set_coverage(n ? static_cast<double>(r->documents()) / n : 0.0);
}

void StreamState::ForEachRollup(const std::function<void(const apb::Rollup&)>& fn) const {
  for (const auto& [key, r] : rollups_) {
    apb::Rollup out = r;
    FillCoverage(&out);
    fn(out);
  }
}

void StreamState::ForEachRegion(const std::function<void(const apb::RegionCount&)>& fn) const {
  for (const auto& [key, rc] : regions_) fn(rc);
}

}  // namespace reportflow::stream
