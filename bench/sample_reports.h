// The bundled sample reports, segmented once, for the micro-benchmarks that
// start from segmented documents (extract_bench), and extracted too for those
// that start from results (rollup_bench, audit_bench).
//
// The reports are samples/reports/*.txt, found from REPORTFLOW_SOURCE_DIR, else
// by walking up from the working directory.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "services/extract/extractor.h"
#include "services/segment/segmenter.h"

namespace reportflow::bench {

struct SegmentedSamples {
  std::vector<segment::v1::SegmentedDocument> docs;  // in file name order, source = the file name
  int64_t bytes = 0;                                  // of their text
  std::string error;                                  // empty when every sample was segmented
};

inline std::filesystem::path FindSampleReports() {
  namespace fs = std::filesystem;
  if (const char* root = std::getenv("REPORTFLOW_SOURCE_DIR")) return fs::path(root) / "samples" / "reports";
  for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_directory(dir / "samples" / "reports")) return dir / "samples" / "reports";
    if (dir == dir.parent_path()) break;
  }
  return {};
}

inline SegmentedSamples SegmentSamples() {
  namespace fs = std::filesystem;
  SegmentedSamples c;
  const fs::path dir = FindSampleReports();
  if (dir.empty()) {
    c.error = "samples/reports not found (set REPORTFLOW_SOURCE_DIR)";
    return c;
  }
  auto segmenter = segment::Segmenter::Create();
  if (!segmenter.ok()) {
    c.error = segmenter.status().ToString();
    return c;
  }
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".txt") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    segment::v1::SegmentedDocument doc;
    doc.set_source(p.filename().string());
    const Status st = (*segmenter)->Segment(ss.str(), &doc);
    if (!st.ok()) {
      c.error = p.filename().string() + ": " + st.ToString();
      return c;
    }
    c.bytes += static_cast<int64_t>(doc.text().size());
    c.docs.push_back(std::move(doc));
  }
  if (c.docs.empty()) c.error = "no reports in " + dir.string();
  return c;
}

struct ExtractedSamples {
  std::vector<extract::v1::ExtractionResult> results;  // in file name order
  std::string error;                                   // empty when every sample was extracted
};

// The samples segmented, then extracted with the default taxonomy.
inline ExtractedSamples ExtractSamples() {
  ExtractedSamples c;
  const SegmentedSamples samples = SegmentSamples();
  auto taxonomy = extract::Taxonomy::Default();
  if (!samples.error.empty() || !taxonomy.ok()) {
    c.error = samples.error.empty() ? taxonomy.status().ToString() : samples.error;
    return c;
  }
  auto extractor = extract::Extractor::Create(*taxonomy);
  if (!extractor.ok()) {
    c.error = extractor.status().ToString();
    return c;
  }
  for (const auto& doc : samples.docs) {
    extract::v1::ExtractionResult result;
    if (!(*extractor)->Extract(doc, &result).ok()) {
      c.error = "cannot extract " + doc.source();
      return c;
    }
    c.results.push_back(std::move(result));
  }
  return c;
}

}  // namespace reportflow::bench
