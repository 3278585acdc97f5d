// Aggregate's store identity: opening its store verified, and telling ingest
// which store holds the contributions it acknowledges
// (common/storage/store_identity.h; README "Guarantees").
//
// The store is derived data (contributions, rollups, audit records all come
// from extract's results): a damaged one is moved aside and rebuilt empty, and
// its new id tells ingest that every document it had as complete must be sent
// through again.
#pragma once

#include <string>

#include "common/base/result.h"
#include "common/storage/store_identity.h"
#include "reportflow/config/v1/config.pb.h"
#include "reportflow/pipeline/v1/envelope.pb.h"

namespace reportflow::aggregate {

Result<storage::IdentifiedStore> OpenAggregateStore(const config::v1::PipelineConfig& config,
                                                    const std::vector<std::string>& column_families);

// An ack without a document: announces the store (sent while no ack is
// pending, so a restarted ingest learns it even when nothing is in flight).
pipeline::v1::Envelope StoreAnnouncement(const std::string& store_id, const std::string& store_note);

}  // namespace reportflow::aggregate
