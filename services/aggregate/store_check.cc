#include "services/aggregate/store_check.h"

namespace reportflow::aggregate {

Result<storage::IdentifiedStore> OpenAggregateStore(const config::v1::PipelineConfig& config,
                                                    const std::vector<std::string>& column_families) {
  // Contributions are written per group and read back when a document comes
  // again (its previous contribution); rollups live in memory within their
  // budget, and those evicted are read back at random, which a cache hardly
  // helps. A bounded memtable budget and a small cache (index and filter
  // blocks first) keep the service's memory flat: a cache fills only as a
  // batch grows large enough for evicted rollups to be read back. 16 MB of
  // memtables (was 32) took 27 MB off the peak at 10k reports
  // (bench/results/e2e-2026-12-03T0015Z.md against T0001Z).
  storage::StoreTuning tuning;
  tuning.memtable_budget_bytes = 16u << 20;
  tuning.write_buffer_bytes = 8u << 20;
  tuning.block_cache_bytes = 8u << 20;
  // Contributions and audit documents are written once per document; rollups
  // and the rest are rewritten, so they stay in the tables (blob files are
  // not garbage-collected).
  tuning.blob_families = {"contributions", "audit_docs"};
  // Each document's previous contribution and its head (the audit's place of
  // it) are looked up: usually there is none.
  tuning.probed_families = {"contributions", "heads"};
  // Those and the audit's documents (a fingerprint, when a pair is found) are
  // read back once; rollups, read back when evicted, keep the cache.
  tuning.read_once_families = {"contributions", "heads", "audit_docs"};
  return storage::OpenIdentifiedStore(config.aggregate().store_path(), column_families, storage::OnDamage::kMoveAside,
                                      tuning);
}

pipeline::v1::Envelope StoreAnnouncement(const std::string& store_id, const std::string& store_note) {
  pipeline::v1::Envelope env;
  env.set_producer("aggregate");
  env.mutable_ack()->set_store_id(store_id);
  env.mutable_ack()->set_store_note(store_note);
  return env;
}

}  // namespace reportflow::aggregate
