// Segmenter: pure logic that turns a report's stored UTF-8 text into its
// structure (title, headings, sections with kinds, blocks, sentences) and its
// metadata (township, county, year, date, document numbers, cited laws).
//
// No ZeroMQ, no RocksDB: protos in, protos out, tested directly.
// Every span in the output is a UTF-8 byte range into the text passed in,
// which is never modified (normalisation happens only for matching).
//
// Thread-safety: a Segmenter owns ICU iterators and is not thread-safe; use one
// per thread. Create() is the only fallible step.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "reportflow/segment/v1/segment.pb.h"

namespace reportflow::segment {

struct SegmenterOptions {
  // The operator's scope: region names or codes that places are resolved in
  // when the text and path leave several candidates (run --region,
  // segment.region in the config).
  std::vector<std::string> scope;
  // False skips place resolution (places stay empty): for benchmarks that
  // measure what the gazetteer costs. Part of the processing version.
  bool resolve_places = true;
};

class Segmenter {
 public:
  // Loads the gazetteer (common/geo) on first use in the process.
  static Result<std::unique_ptr<Segmenter>> Create(SegmenterOptions options = {});
  ~Segmenter();
  Segmenter(const Segmenter&) = delete;
  Segmenter& operator=(const Segmenter&) = delete;

  // Segments `text` (valid UTF-8) into `out`, replacing its text, metadata,
  // sections, blocks, sentences and processing_version. `out->source` is left
  // as the caller set it and is read as place evidence (folder names).
  Status Segment(std::string_view text, segment::v1::SegmentedDocument* out);

  // Changes whenever the output for the same input may change.
  static std::string_view Version();
  // Version() plus the options that change the output (the scope): what
  // Segment() writes to processing_version.
  const std::string& version() const;

 private:
  struct Impl;
  explicit Segmenter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reportflow::segment
