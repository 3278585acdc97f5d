// `reportflow reextract --data DIR [--taxonomy FILE]`: re-run extraction from
// the stored segmentations (no re-ingest, no re-segmentation) after an
// operator edited the taxonomy, and replace each document's contribution in
// the aggregate store, so totals never double count.
//
// Runs offline on a stopped pipeline: it opens the extract and aggregate
// stores read-write, which RocksDB refuses while their services hold them.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <unordered_set>

#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "cli/data_reader.h"
#include "common/config/config_loader.h"
#include "services/aggregate/aggregator.h"
#include "services/extract/extract_service.h"
#include "services/ingest/ingest_store.h"
#include "services/extract/extractor.h"
#include "services/segment/segment_service.h"

namespace reportflow::cli {
namespace {
namespace fs = std::filesystem;

struct ReextractArgs {
  std::string data, taxonomy;
};

int Reextract(const ReextractArgs& args) {
  auto fail = [](const std::string& msg, int code) {
    std::cerr << "reportflow reextract: " << msg << "\n";
    return code;
  };
  if (!fs::is_directory(args.data)) return fail("no data directory " + args.data, 2);
  auto lock = DataDirLock::Acquire(args.data);
  if (!lock.ok()) return fail(lock.status().message(), 1);
  const fs::path effective = fs::path(args.data) / "pipeline.yaml";
  config::PipelineConfig cfg;
  std::vector<std::string> overrides;
  if (!args.taxonomy.empty()) overrides.push_back("extract.taxonomy_path=" + fs::absolute(args.taxonomy).string());
  Status s = config::LoadPipelineConfig(fs::exists(effective) ? effective.string() : "",
                                        fs::absolute(args.data).lexically_normal().string(), overrides, &cfg);
  if (!s.ok()) return fail(s.message(), 2);
  auto taxonomy = extract::LoadConfiguredTaxonomy(cfg);
  if (!taxonomy.ok()) return fail(taxonomy.status().message(), 2);
  // As the extract service does: no fingerprints when near-duplicate detection is off,
  // so the stored processing version is the one the service expects.
  const bool fingerprints = !cfg.audit().has_near_duplicates() || cfg.audit().near_duplicates();
  auto extractor = extract::Extractor::Create(*taxonomy, fingerprints);
  if (!extractor.ok()) return fail(extractor.status().message(), 2);

  const std::string busy = " (is the pipeline still running? stop it first)";
  auto aggregate_store = storage::OpenRocksDbStore(cfg.aggregate().store_path(), aggregate::Aggregator::ColumnFamilies());
  if (!aggregate_store.ok()) return fail(aggregate_store.status().message() + busy, 1);
  auto extract_store = storage::OpenRocksDbStore(cfg.extract().store_path(), {extract::kExtractionsCf});
  if (!extract_store.ok()) return fail(extract_store.status().message() + busy, 1);
  aggregate::Aggregator aggregator(aggregate_store->get());
  if (auto rebuilt = aggregator.RebuildRollupsIfStale(); !rebuilt.ok()) return fail(rebuilt.status().message(), 1);
  // Segment stores structure only: the text is joined from ingest's documents.
  auto ingest_store = ingest::IngestStore::Open(cfg.ingest().store_path(), storage::OpenMode::kReadOnly);
  if (!ingest_store.ok()) return fail(ingest_store.status().message(), 1);

  // Every segment worker's store: <segment store> and <segment store>-<i>.
  const fs::path base(cfg.segment().store_path());
  std::vector<fs::path> segment_stores;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name == base.filename().string() || name.rfind(base.filename().string() + "-", 0) == 0) {
      segment_stores.push_back(entry.path());
    }
  }
  std::sort(segment_stores.begin(), segment_stores.end());
  if (segment_stores.empty()) return fail("no segment store under " + base.parent_path().string(), 1);

  // Every document the ledger has as complete must have its segmentation
  // (and its contribution) to re-extract from: a lost or rebuilt store is an
  // error, never a smaller success. `run` on the inputs rebuilds them.
  {
    std::unordered_set<std::string> segmented;
    for (const auto& path : segment_stores) {
      auto store = storage::OpenRocksDbStore(path.string(), {segment::kSegmentedCf}, storage::OpenMode::kReadOnly);
      if (!store.ok()) return fail(store.status().message(), 1);
      Status scan = (*store)->Scan(segment::kSegmentedCf, "", [&](std::string_view key, std::string_view) {
        segmented.emplace(key);
        return true;
      });
      if (!scan.ok()) return fail(scan.message(), 1);
    }
    uint64_t no_segmentation = 0, no_contribution = 0;
    std::string example;
    Status ls = (*ingest_store)->ForEachLedger([&](const ingest::v1::LedgerEntry& e) {
      if (e.state() != ingest::v1::DOC_STATE_COMPLETE) return;
      aggregate::v1::DocContribution c;
      const bool seg = segmented.count(e.doc_id()) > 0;
      const bool con = aggregator.GetContribution(e.doc_id(), &c).ok();
      no_segmentation += !seg;
      no_contribution += !con;
      if ((!seg || !con) && example.empty()) example = e.doc_id();
    });
    if (!ls.ok()) return fail(ls.message(), 1);
    if (no_segmentation + no_contribution > 0) {
      std::string where;
      for (const auto& p : segment_stores) where += (where.empty() ? "" : ", ") + p.string();
      return fail(std::to_string(no_segmentation) + " complete documents have no stored segmentation (in " + where +
                      ") and " + std::to_string(no_contribution) + " no contribution (in " +
                      cfg.aggregate().store_path() + "), e.g. " + example +
                      ": a store was lost or rebuilt; run `reportflow run` on the inputs again (it reprocesses them), "
                      "then reextract. Nothing was changed.",
                  1);
    }
  }

  uint64_t documents = 0, changed = 0, metrics = 0, failed = 0;
  for (const auto& path : segment_stores) {
    auto store = storage::OpenRocksDbStore(path.string(), {segment::kSegmentedCf}, storage::OpenMode::kReadOnly);
    if (!store.ok()) return fail(store.status().message(), 1);
    Status scan = (*store)->Scan(segment::kSegmentedCf, "", [&](std::string_view key, std::string_view value) {
      const std::string doc_id(key);
      segment::v1::SegmentedDocument doc;
      if (!doc.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        std::cerr << "reportflow reextract: doc " << doc_id << ": unparsable stored segmentation, skipped\n";
        ++failed;
        return true;
      }
      // A document only counts once the pipeline completed it (it has a contribution).
      aggregate::v1::DocContribution previous;
      if (!aggregator.GetContribution(doc_id, &previous).ok()) return true;
      if (doc.text().empty()) {
        ingest::v1::RawDocument raw;
        Status gs = (*ingest_store)->GetDocument(doc_id, &raw);
        if (!gs.ok()) {
          std::cerr << "reportflow reextract: doc " << doc_id << ": no stored text: " << gs.message() << "\n";
          ++failed;
          return true;
        }
        doc.set_text(std::move(*raw.mutable_text()));
      }
      extract::v1::ExtractionResult result;
      Status es = (*extractor)->Extract(doc, &result);
      result.clear_fingerprint();  // stored without it, as the extract service stores (extract_service.h)
      if (es.ok()) es = (*extract_store)->PutProto(extract::kExtractionsCf, doc_id, result);
      if (!es.ok()) {
        std::cerr << "reportflow reextract: doc " << doc_id << ": " << es.message() << "\n";
        ++failed;
        return true;
      }
      auto change = aggregator.Apply(doc_id, result);
      if (!change.ok()) {
        std::cerr << "reportflow reextract: doc " << doc_id << ": " << change.status().message() << "\n";
        ++failed;
        return true;
      }
      ++documents;
      metrics += static_cast<uint64_t>(result.metrics_size());
      if (!change->unchanged) ++changed;
      return true;
    });
    if (!scan.ok()) return fail(scan.message(), 1);
  }
  // The rollups as they now stand, checkpointed: readers load them instead
  // of deriving them from every contribution.
  s = aggregator.Checkpoint();
  if (s.ok()) s = (*aggregate_store)->Flush();
  if (s.ok()) s = (*extract_store)->Flush();
  if (!s.ok()) return fail(s.message(), 1);
  std::cout << "re-extracted " << documents << " documents with taxonomy "
            << (args.taxonomy.empty() ? std::string("(configured)") : args.taxonomy) << " (version "
            << (*taxonomy)->version() << "): " << metrics << " metrics, " << changed
            << " documents changed their contribution, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace

void AddReextractCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReextractArgs>();
  CLI::App* cmd = app.add_subcommand(
      "reextract", "re-run extraction from stored segments (e.g. after editing the taxonomy); pipeline stopped");
  cmd->add_option("--data,-d", args->data, "data directory")->required();
  cmd->add_option("--taxonomy", args->taxonomy, "taxonomy YAML (default: the configured or built-in one)");
  cmd->callback([args, exit_code] { *exit_code = Reextract(*args); });
}

}  // namespace reportflow::cli
