#include "services/aggregate/store_check.h"

namespace reportflow::aggregate {

Result<storage::IdentifiedStore> OpenAggregateStore(const config::v1::PipelineConfig& config,
                                                    const std::vector<std::string>& column_families) {
  return storage::OpenIdentifiedStore(config.aggregate().store_path(), column_families, storage::OnDamage::kMoveAside);
}

pipeline::v1::Envelope StoreAnnouncement(const std::string& store_id, const std::string& store_note) {
  pipeline::v1::Envelope env;
  env.set_producer("aggregate");
  env.mutable_ack()->set_store_id(store_id);
  env.mutable_ack()->set_store_note(store_note);
  return env;
}

}  // namespace reportflow::aggregate
