// Extractor: pure logic that finds every quantitative claim in a segmented
// report: number + qualifier + unit + subject, a canonical metric id from the
// taxonomy, its exact source span, sentence and section path, and consistency
// findings.
//
// No ZeroMQ, no RocksDB: protos in, protos out, tested directly.
// Thread-safety: Extract() is const and may be called from several threads.
#pragma once

#include <memory>
#include <string>

#include "common/base/result.h"
#include "reportflow/extract/v1/extract.pb.h"
#include "reportflow/segment/v1/segment.pb.h"
#include "services/extract/taxonomy.h"

namespace reportflow::extract {

class Extractor {
 public:
  // `fingerprints`: compute the text fingerprint of near-duplicate detection
  // (common/audit/fingerprint.h); off when the config turns detection off
  // (audit.near_duplicates: false), so that no stage pays for it.
  static Result<std::unique_ptr<Extractor>> Create(std::shared_ptr<const Taxonomy> taxonomy,
                                                   bool fingerprints = true);
  ~Extractor();

  // Extracts from `doc` into `out` (cleared first). Copies doc.source and
  // doc.metadata into `out` and sets out->processing_version = Version().
  Status Extract(const segment::v1::SegmentedDocument& doc, extract::v1::ExtractionResult* out) const;
  // Sets out->fingerprint from doc.text when fingerprints are on (as Extract
  // does); for a result read back from a store, which keeps none.
  void Fingerprint(const segment::v1::SegmentedDocument& doc, extract::v1::ExtractionResult* out) const;

  // Extractor logic version + taxonomy version + fingerprint version ("off"
  // without fingerprints): equal versions = equal output.
  std::string Version() const;

 private:
  struct Impl;
  explicit Extractor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reportflow::extract
