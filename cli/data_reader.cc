#include "cli/data_reader.h"

#include <algorithm>
#include <filesystem>

#include "common/base/macros.h"
#include "common/config/config_loader.h"

namespace reportflow::cli {

Result<std::unique_ptr<DataReader>> DataReader::Open(const std::string& data_dir, Stores stores) {
  if (!std::filesystem::is_directory(data_dir)) return Status::NotFound("no data directory " + data_dir);
  std::unique_ptr<DataReader> r(new DataReader());
  const auto effective = std::filesystem::path(data_dir) / "pipeline.yaml";
  const std::string abs = std::filesystem::absolute(data_dir).lexically_normal().string();
  RETURN_IF_ERROR(config::LoadPipelineConfig(std::filesystem::exists(effective) ? effective.string() : "", abs, {},
                                             &r->config_));
  if (stores == Stores::kAll) {
    ASSIGN_OR_RETURN(r->ingest_,
                     ingest::IngestStore::Open(r->config_.ingest().store_path(), storage::OpenMode::kReadOnly));
  }
  ASSIGN_OR_RETURN(r->aggregate_store_, storage::OpenRocksDbStore(r->config_.aggregate().store_path(),
                                                                  aggregate::Aggregator::ColumnFamilies(),
                                                                  storage::OpenMode::kReadOnly));
  r->aggregator_ = std::make_unique<aggregate::Aggregator>(r->aggregate_store_.get());
  return r;
}

Status DataReader::GetSegmented(const std::string& doc_id, segment::v1::SegmentedDocument* out) const {
  namespace fs = std::filesystem;
  const fs::path base(config_.segment().store_path());
  std::vector<fs::path> candidates = {base};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(base.filename().string() + "-", 0) == 0) candidates.push_back(entry.path());
  }
  for (const auto& path : candidates) {
    auto store = storage::OpenRocksDbStore(path.string(), {"segmented"}, storage::OpenMode::kReadOnly);
    if (!store.ok()) continue;
    if ((*store)->GetProto("segmented", doc_id, out).ok()) {
      // Segment stores structure only; the text is ingest's (stored once).
      if (out->text().empty()) {
        ingest::v1::RawDocument raw;
        if (ingest_->GetDocument(doc_id, &raw).ok()) out->set_text(std::move(*raw.mutable_text()));
      }
      return Status::OK();
    }
  }
  return Status::NotFound("no stored segmentation for " + doc_id);
}

Result<std::string> DataReader::ResolveDocId(const std::string& prefix) {
  if (prefix.size() < 6) return Status::InvalidArgument("give at least 6 characters of the doc id");
  std::vector<std::string> matches;
  RETURN_IF_ERROR(ingest_->ForEachLedger([&](const ingest::v1::LedgerEntry& e) {
    if (e.doc_id().rfind(prefix, 0) == 0) matches.push_back(e.doc_id());
  }));
  if (matches.empty()) return Status::NotFound("no document " + prefix);
  if (matches.size() > 1) return Status::InvalidArgument("doc id prefix " + prefix + " is ambiguous");
  return matches[0];
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

namespace reportflow::cli {

Result<std::vector<RegionRow>> ReadRegions(DataReader& reader) {
  namespace cpb = ::reportflow::common::v1;
  // Keyed by code, or by level and name for regions known by name only.
  std::map<std::string, RegionRow> rows;
  auto key_of = [](cpb::RegionLevel level, const std::string& name, const std::string& code) {
    return code.empty() ? "name:" + std::to_string(level) + ":" + name : code;
  };
  RETURN_IF_ERROR(reader.aggregator().ForEachRegion([&](const aggregate::v1::RegionCount& rc) {
    if (rc.region().empty() && rc.region_code().empty()) return;  // documents without a place
    RegionRow& row = rows[key_of(rc.level(), rc.region(), rc.region_code())];
    // A municipality's code counts at province and city level: keep the province's counts once.
    if (row.level != cpb::REGION_LEVEL_UNSPECIFIED && rc.level() != row.level) {
      if (rc.level() > row.level) return;
      row.documents = 0;
      row.documents_by_year.clear();
    }
    row.code = rc.region_code();
    row.level = rc.level();
    row.name = rc.region();
    row.documents += rc.documents();
    row.documents_by_year[rc.year()] += rc.documents();
  }));
  // Parents: the next coded level up in a document's place.
  RETURN_IF_ERROR(reader.aggregator().ForEachContributionHead([&](const aggregate::v1::DocContributionHead& h) {
    const cpb::DocumentMetadata& m = h.metadata();
    const std::string chain[] = {m.township_code(), m.county_code(), m.city_code(), m.province_code()};
    for (size_t i = 0; i < 4; ++i) {
      if (chain[i].empty()) continue;
      auto it = rows.find(chain[i]);
      if (it == rows.end() || !it->second.parent_code.empty()) continue;
      for (size_t j = i + 1; j < 4; ++j) {
        if (!chain[j].empty() && chain[j] != chain[i]) {
          it->second.parent_code = chain[j];
          break;
        }
      }
    }
  }));
  std::vector<RegionRow> out;
  for (auto& [key, row] : rows) out.push_back(std::move(row));
  std::stable_sort(out.begin(), out.end(), [](const RegionRow& a, const RegionRow& b) {
    return std::tie(a.level, a.code, a.name) < std::tie(b.level, b.code, b.name);
  });
  return out;
}

}  // namespace reportflow::cli
