#include "common/geo/batch_resolver.h"

#include "common/geo/place_resolver.h"

namespace reportflow::geo {
namespace {

namespace pb = ::reportflow::common::v1;

// The code of the most specific unit a resolved document names.
std::string UnitCode(const pb::DocumentMetadata& meta) {
  if (meta.place().status() != pb::PLACE_STATUS_RESOLVED) return "";
  if (meta.township_code().size() == 12) return meta.township_code();
  if (meta.county_code().size() == 12) return meta.county_code();
  return "";
}

void Count(const pb::DocumentMetadata& meta, BatchTally* t, int delta) {
  const std::string code = UnitCode(meta);
  if (code.empty()) return;
  t->resolved += delta;
  t->provinces[code.substr(0, 2)] += delta;
  t->cities[code.substr(0, 4)] += delta;
}

// The prefix holding at least kDominantShare of the resolved documents.
std::optional<std::string> Dominant(const std::map<std::string, int>& counts, int resolved) {
  if (resolved < kMinResolved) return std::nullopt;
  for (const auto& [prefix, n] : counts) {
    if (n >= kDominantShare * resolved) return prefix;
  }
  return std::nullopt;
}

}  // namespace

void BatchTally::Add(const pb::DocumentMetadata& meta) { Count(meta, this, +1); }
void BatchTally::Remove(const pb::DocumentMetadata& meta) { Count(meta, this, -1); }

std::optional<pb::PlaceCandidate> ResolveByBatch(const pb::PlaceResolution& ambiguous, const BatchTally& tally) {
  if (ambiguous.status() != pb::PLACE_STATUS_AMBIGUOUS) return std::nullopt;
  for (const auto* counts : {&tally.cities, &tally.provinces}) {
    const std::optional<std::string> prefix = Dominant(*counts, tally.resolved);
    if (!prefix) continue;
    const pb::PlaceCandidate* only = nullptr;
    int inside = 0;
    for (const pb::PlaceCandidate& c : ambiguous.candidates()) {
      if (c.code().starts_with(*prefix)) {
        ++inside;
        only = &c;
      }
    }
    if (inside == 1) return *only;
    if (inside > 1) return std::nullopt;  // the dominant region does not decide
  }
  return std::nullopt;
}

std::string DominanceSignature(const BatchTally& tally) {
  return Dominant(tally.cities, tally.resolved).value_or("") + "/" +
         Dominant(tally.provinces, tally.resolved).value_or("");
}

bool ApplyCandidate(const Gazetteer& gazetteer, const pb::PlaceCandidate& pick, pb::PlaceSource source,
                    pb::DocumentMetadata* meta) {
  // Find the unit by its name and code.
  UnitId unit = kNone;
  const std::string& name = !pick.township().empty() ? pick.township() : pick.county();
  for (UnitId id : gazetteer.Find(name)) {
    if (gazetteer.Code12(id) == pick.code()) unit = id;
  }
  if (unit == kNone) return false;
  ClearPlace(meta);
  FillPlace(gazetteer, unit, meta);
  meta->mutable_place()->set_status(pb::PLACE_STATUS_RESOLVED);
  meta->mutable_place()->add_sources(source);
  return true;
}

bool ApplyBatchResolution(const Gazetteer& gazetteer, const BatchTally& tally, pb::DocumentMetadata* meta) {
  const std::optional<pb::PlaceCandidate> pick = ResolveByBatch(meta->place(), tally);
  return pick && ApplyCandidate(gazetteer, *pick, pb::PLACE_SOURCE_BATCH, meta);
}

}  // namespace reportflow::geo
