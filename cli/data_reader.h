// DataReader: read-only access to a data directory's stores for the query
// commands (docs, metrics, aggregates, ...). Stores are opened without a lock,
// so queries work while the pipeline runs (they see the state as of opening).
// Store paths come from <data>/pipeline.yaml when `reportflow run` wrote one,
// else from the defaults.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/config/v1/config.pb.h"
#include "reportflow/ingest/v1/ingest.pb.h"
#include "reportflow/segment/v1/segment.pb.h"
#include "services/aggregate/aggregator.h"
#include "services/ingest/ingest_store.h"

namespace reportflow::cli {

class DataReader {
 public:
  // Which stores to open. Opening a store read-only replays its write-ahead
  // log (tens of MB after a large batch): a reader of aggregate's store alone
  // (the place summary of `run`) does not pay for ingest's.
  enum class Stores { kAll, kAggregateOnly };
  static Result<std::unique_ptr<DataReader>> Open(const std::string& data_dir, Stores stores = Stores::kAll);

  const config::v1::PipelineConfig& config() const { return config_; }
  // Opened with Stores::kAll only.
  ingest::IngestStore& ingest() { return *ingest_; }
  const aggregate::Aggregator& aggregator() const { return *aggregator_; }

  // The stored segmentation of a document, from whichever segment worker's
  // store holds it (<segment store>, <segment store>-<i>). NotFound if none.
  Status GetSegmented(const std::string& doc_id, segment::v1::SegmentedDocument* out) const;
  // Resolves a unique doc_id prefix (at least 6 hex digits) to the full id.
  Result<std::string> ResolveDocId(const std::string& prefix);

  // Every ledger document with its aggregate contribution (nullptr if none yet).
  Status ForEachDocument(
      const std::function<void(const ingest::v1::LedgerEntry&, const aggregate::v1::DocContribution*)>& fn);

 private:
  config::v1::PipelineConfig config_;
  std::unique_ptr<ingest::IngestStore> ingest_;
  std::unique_ptr<storage::Store> aggregate_store_;
  std::unique_ptr<aggregate::Aggregator> aggregator_;
};

// One region of a data directory, at any level: a place some document counts at.
struct RegionRow {
  std::string code;         // 12 digits; "" for a region known by name only
  common::v1::RegionLevel level = common::v1::REGION_LEVEL_UNSPECIFIED;
  std::string name;
  std::string parent_code;  // the region one level up that documents place it under ("" if none known)
  uint32_t documents = 0;   // documents counted in the region (every year; township and county reports)
  std::map<int, uint32_t> documents_by_year;  // year (0 = unknown) -> documents
};

// Every region with its document count: the aggregate's region counts (the
// denominators of rollup coverage, so every reader that counts regions or
// their documents agrees with `aggregates`), parents from the documents'
// places. A municipality's code is one region (its province level), since its
// city is itself. Ordered by level (province first), then code, then name.
Result<std::vector<RegionRow>> ReadRegions(DataReader& reader);

// "ingested", "segmented", "complete", "quarantined" ...
std::string DocStateName(ingest::v1::DocState state);

}  // namespace reportflow::cli
