#include "cli/data_reader.h"

#include <filesystem>

#include "common/base/macros.h"
#include "common/config/config_loader.h"

namespace reportflow::cli {

Result<std::unique_ptr<DataReader>> DataReader::Open(const std::string& data_dir) {
  if (!std::filesystem::is_directory(data_dir)) return Status::NotFound("no data directory " + data_dir);
  std::unique_ptr<DataReader> r(new DataReader());
  const auto effective = std::filesystem::path(data_dir) / "pipeline.yaml";
  const std::string abs = std::filesystem::absolute(data_dir).lexically_normal().string();
  RETURN_IF_ERROR(config::LoadPipelineConfig(std::filesystem::exists(effective) ? effective.string() : "", abs, {},
                                             &r->config_));
  ASSIGN_OR_RETURN(r->ingest_, ingest::IngestStore::Open(r->config_.ingest().store_path(), storage::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(r->aggregate_store_, storage::OpenRocksDbStore(r->config_.aggregate().store_path(),
                                                                  aggregate::Aggregator::ColumnFamilies(),
                                                                  storage::OpenMode::kReadOnly));
  r->aggregator_ = std::make_unique<aggregate::Aggregator>(r->aggregate_store_.get());
  return r;
}

Status DataReader::ForEachDocument(
    const std::function<void(const ingest::v1::LedgerEntry&, const aggregate::v1::DocContribution*)>& fn) {
  return ingest_->ForEachLedger([&](const ingest::v1::LedgerEntry& e) {
    aggregate::v1::DocContribution c;
    const bool has = aggregator_->GetContribution(e.doc_id(), &c).ok();
    fn(e, has ? &c : nullptr);
  });
}

std::string DocStateName(ingest::v1::DocState state) {
  switch (state) {
    case ingest::v1::DOC_STATE_INGESTED: return "ingested";
    case ingest::v1::DOC_STATE_SEGMENTED: return "segmented";
    case ingest::v1::DOC_STATE_EXTRACTED: return "extracted";
    case ingest::v1::DOC_STATE_COMPLETE: return "complete";
    case ingest::v1::DOC_STATE_QUARANTINED: return "quarantined";
    default: return "unknown";
  }
}

}  // namespace reportflow::cli
