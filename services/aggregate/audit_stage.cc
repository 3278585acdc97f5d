#include "services/aggregate/audit_stage.h"

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
  return std::unique_ptr<AuditStage>(new AuditStage(store, aggregator, options, registry));
}

Status AuditStage::LoadFilers() {
  if (filers_loaded_) return Status::OK();
  RETURN_IF_ERROR(aggregator_->ForEachContributionHead([&](const apb::DocContributionHead& h) {
    const auto& m = h.metadata();
    if (m.county_code().empty() || m.township_code().empty() || !m.has_year()) return;
    filed_[h.doc_id()] = {m.county_code(), m.township_code(), m.year()};
    ++tally_[m.county_code()][m.year()][m.township_code()];
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

Result<std::vector<apb::StreamEvent>> AuditStage::AfterGroup(const std::vector<GroupDocument>& docs,
                                                             uint64_t sequence, bool build_events) {
  RETURN_IF_ERROR(LoadFilers());
  ASSIGN_OR_RETURN(std::vector<apb::AuditFinding> findings, keeper_.ApplyGroup(docs));
  std::set<std::string> counties;
  for (const GroupDocument& doc : docs) {
    const auto& m = doc.result->metadata();
    if (auto it = filed_.find(doc.doc_id); it != filed_.end()) {
      auto& townships = tally_[it->second.county_code][it->second.year];
      if (--townships[it->second.township_code] == 0) townships.erase(it->second.township_code);
      counties.insert(it->second.county_code);
      filed_.erase(it);
    }
    if (m.county_code().empty() || m.township_code().empty() || !m.has_year()) continue;
    filed_[doc.doc_id] = {m.county_code(), m.township_code(), m.year()};
    ++tally_[m.county_code()][m.year()][m.township_code()];
    counties.insert(m.county_code());
  }
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
