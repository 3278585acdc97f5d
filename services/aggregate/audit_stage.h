// AuditStage: the aggregate service's audit work after each committed group:
// near-duplicates (AuditKeeper), the findings published on the stream
// (finding.<kind>.<region>) and the audit gauges on /metrics:
//   reportflow_units_missing{region, region_code}  reporting units of a county
//       (common/audit/coverage.h) with no report for the latest year the
//       county has reports for
//   reportflow_audit_near_duplicates_total       near-duplicate pairs found
//   reportflow_audit_index_bytes                  memory of the duplicate index
// Thread-safety: not thread-safe (the aggregate loop owns it).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/metrics/registry.h"
#include "common/storage/store.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/config/v1/config.pb.h"
#include "services/aggregate/aggregator.h"
#include "services/aggregate/audit_keeper.h"

namespace reportflow::aggregate {

class AuditStage {
 public:
  // Validates config.audit (an out-of-range value is an error).
  static Result<std::unique_ptr<AuditStage>> Create(const config::v1::PipelineConfig& config, storage::Store* store,
                                                    const Aggregator* aggregator, metrics::Registry* registry);

  // Before the aggregator applies (or withdraws) `doc_ids`: reads where each
  // was counted (its stored contribution's place as segment found it), so
  // AfterGroup() can move it; the coverage tally keeps no per-document
  // memory (a doc_id map cost ~70 bytes per document in aggregate's heap).
  Status BeforeGroup(const std::vector<std::string>& doc_ids);
  // After `docs` were committed by the aggregator (BeforeGroup() first): indexes them and returns
  // the stream events of the new findings (built only with `build_events`;
  // their sequence is `sequence`, the last one published: findings are
  // notifications, not state).
  Result<std::vector<aggregate::v1::StreamEvent>> AfterGroup(const std::vector<GroupDocument>& docs,
                                                             uint64_t sequence, bool build_events);
  // After the aggregator withdrew `doc_ids` (quarantined in ingest): their
  // fingerprints and near-duplicate pairs are forgotten (AuditKeeper::Withdraw).
  Status Withdraw(const std::vector<std::string>& doc_ids) { return keeper_.Withdraw(doc_ids); }
  // Frees the near-duplicate index (rebuilt from the store on next use): at
  // shutdown, once no group is left, so the last checkpoint reuses its memory
  // instead of adding to it (AuditKeeper::ReleaseMemory()).
  void ReleaseMemory() { keeper_.ReleaseMemory(); }
  // What the near-duplicate index holds in memory, and for how many documents.
  AuditKeeper::IndexMemory IndexMemory() const { return keeper_.Memory(); }
  size_t indexed() const { return keeper_.indexed(); }

 private:
  AuditStage(storage::Store* store, const Aggregator* aggregator, const audit::AuditOptions& options,
             std::string scratch_dir, metrics::Registry* registry)
      : keeper_(store, options, std::move(scratch_dir)), aggregator_(aggregator), registry_(registry) {}
  Status LoadFilers();
  void UpdateMissing(const std::set<std::string>& counties);

  // Where and when a document reports, as the coverage tally counts it.
  struct Filed {
    std::string county_code, township_code;
    int year = 0;
  };
  static std::optional<Filed> FiledOf(const common::v1::DocumentMetadata& m);
  void Tally(const Filed& place, int delta);
  AuditKeeper keeper_;
  const Aggregator* aggregator_;
  metrics::Registry* registry_;
  bool filers_loaded_ = false;
  // The open group's documents: where each is counted (nullopt: nowhere), as
  // read by BeforeGroup() and moved by AfterGroup().
  std::map<std::string, std::optional<Filed>> group_places_;
  // county code -> year -> township code -> documents
  std::map<std::string, std::map<int, std::map<std::string, int>>> tally_;
  std::map<std::string, std::set<std::string>> county_units_;  // county code -> its reporting units' codes
  std::map<std::string, std::string> county_names_;
};

}  // namespace reportflow::aggregate
