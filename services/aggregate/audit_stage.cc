#include "services/aggregate/audit_stage.h"

#include <filesystem>

#include "common/audit/audit_options.h"
#include "common/audit/coverage.h"
#include "common/base/macros.h"
#include "common/geo/gazetteer.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;

}  // namespace

Result<std::unique_ptr<AuditStage>> AuditStage::Create(const config::v1::PipelineConfig& config,
                                                       storage::Store* store, const Aggregator* aggregator,
                                                       metrics::Registry* registry) {
  ASSIGN_OR_RETURN(audit::AuditOptions options, audit::AuditOptionsFromConfig(config.audit()));
  // The keeper's scratch file goes beside the store it indexes, unless the operator put it elsewhere.
  const std::string& scratch_dir =
      config.aggregate().scratch_dir().empty() ? config.aggregate().store_path() : config.aggregate().scratch_dir();
  std::error_code ec;
  std::filesystem::create_directories(scratch_dir, ec);
  if (ec) return Status::IoError("aggregate.scratch_dir " + scratch_dir + ": " + ec.message());
  return std::unique_ptr<AuditStage>(new AuditStage(store, aggregator, options, scratch_dir, registry));
}

// The place segment found (the tally counts it, as the extraction result
// carries it; a place the batch decided later is not counted).
std::optional<AuditStage::Filed> AuditStage::FiledOf(const common::v1::DocumentMetadata& m) {
  if (m.county_code().empty() || m.township_code().empty() || !m.has_year()) return std::nullopt;
  return Filed{m.county_code(), m.township_code(), m.year()};
}

void AuditStage::Tally(const Filed& place, int delta) {
  auto& townships = tally_[place.county_code][place.year];
  if ((townships[place.township_code] += delta) <= 0) townships.erase(place.township_code);
}

Status AuditStage::LoadFilers() {
  if (filers_loaded_) return Status::OK();
  RETURN_IF_ERROR(aggregator_->ForEachContributionHead([&](const apb::DocContributionHead& h) {
    if (auto place = FiledOf(h.has_segment_metadata() ? h.segment_metadata() : h.metadata())) Tally(*place, +1);
  }));
  filers_loaded_ = true;
  std::set<std::string> counties;
  for (const auto& [county, years] : tally_) counties.insert(county);
  UpdateMissing(counties);
  return Status::OK();
}

void AuditStage::UpdateMissing(const std::set<std::string>& counties) {
  const geo::Gazetteer& g = geo::Gazetteer::Default();
  for (const std::string& county : counties) {
    if (!county_units_.count(county)) {
      auto id = audit::ResolveScope(g, county);
      if (!id.ok()) continue;  // not a gazetteer county: nothing to count against
      for (const auto& unit : audit::ComputeCoverage(g, *id, 0, {}).units) county_units_[county].insert(unit.code);
      county_names_[county] = g.name(*id);
    }
    const auto& years = tally_[county];
    int filed = 0;
    for (auto y = years.rbegin(); y != years.rend(); ++y) {
      if (y->second.empty()) continue;
      for (const auto& [township, n] : y->second) filed += county_units_[county].count(township) ? 1 : 0;
      break;
    }
    registry_
        ->GetGauge("reportflow_units_missing",
                   "Reporting units (乡镇街道) of a county with no report for the latest year the county has reports for.",
                   {{"region", county_names_[county]}, {"region_code", county}})
        .Set(static_cast<double>(county_units_[county].size()) - filed);
  }
}

Status AuditStage::BeforeGroup(const std::vector<std::string>& doc_ids) {
  group_places_.clear();
  // Loaded before the group commits: the tally is the state before it.
  RETURN_IF_ERROR(LoadFilers());
  for (const std::string& doc_id : doc_ids) {
    if (group_places_.count(doc_id)) continue;
    apb::DocContributionHead head;
    Status got = aggregator_->GetContributionHead(doc_id, &head);
    if (got.code() == StatusCode::kNotFound) {
      group_places_[doc_id] = std::nullopt;
      continue;
    }
    RETURN_IF_ERROR(got);
    group_places_[doc_id] = FiledOf(head.has_segment_metadata() ? head.segment_metadata() : head.metadata());
  }
  return Status::OK();
}

Result<std::vector<apb::StreamEvent>> AuditStage::AfterGroup(const std::vector<GroupDocument>& docs,
                                                             uint64_t sequence, bool build_events) {
  // Without BeforeGroup() the tally is loaded now, after the commit: it
  // already counts the group's documents where they are.
  const bool counted = !filers_loaded_;
  RETURN_IF_ERROR(LoadFilers());
  ASSIGN_OR_RETURN(std::vector<apb::AuditFinding> findings, keeper_.ApplyGroup(docs));
  std::set<std::string> counties;
  for (const GroupDocument& doc : docs) {
    if (counted) break;
    std::optional<Filed>& place = group_places_[doc.doc_id];  // nullopt: not counted before (or not read)
    if (place) {
      Tally(*place, -1);
      counties.insert(place->county_code);
    }
    place = FiledOf(doc.result->metadata());
    if (!place) continue;
    Tally(*place, +1);
    counties.insert(place->county_code);
  }
  group_places_.clear();
  UpdateMissing(counties);
  uint64_t pairs = 0;
  for (const auto& f : findings) pairs += f.kind() == "near_duplicate";
  registry_->GetCounter("reportflow_audit_near_duplicates_total", "Near-duplicate report pairs found.").Inc(pairs);
  registry_->GetGauge("reportflow_audit_index_bytes", "Memory of the near-duplicate index, in bytes.")
      .Set(static_cast<double>(keeper_.IndexMemoryBytes()));
  std::vector<apb::StreamEvent> events;
  if (!build_events) return events;
  for (auto& f : findings) {
    apb::StreamEvent e;
    e.set_sequence(sequence);
    *e.mutable_finding() = std::move(f);
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace reportflow::aggregate
