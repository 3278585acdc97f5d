// Extraction throughput on one core, in bytes of report text per second.
//
// Setup reads samples/reports/*.txt (found from REPORTFLOW_SOURCE_DIR, else by
// walking up from the working directory) and segments each report once; only
// Extractor::Extract is timed. Target: >= 150 MB/s.
//
//   build/bench/extract_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "services/extract/extractor.h"
#include "services/segment/segmenter.h"

namespace {

namespace fs = std::filesystem;
using reportflow::extract::Extractor;
using reportflow::extract::Taxonomy;

fs::path FindReports() {
  if (const char* root = std::getenv("REPORTFLOW_SOURCE_DIR")) return fs::path(root) / "samples" / "reports";
  for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_directory(dir / "samples" / "reports")) return dir / "samples" / "reports";
    if (dir == dir.parent_path()) break;
  }
  return {};
}

struct Corpus {
  std::vector<reportflow::segment::v1::SegmentedDocument> docs;
  int64_t bytes = 0;
  std::string error;
};

const Corpus& LoadCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    const fs::path dir = FindReports();
    if (dir.empty()) {
      c.error = "samples/reports not found (set REPORTFLOW_SOURCE_DIR)";
      return c;
    }
    auto segmenter = reportflow::segment::Segmenter::Create();
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
      reportflow::segment::v1::SegmentedDocument doc;
      doc.set_source(p.filename().string());
      const reportflow::Status st = (*segmenter)->Segment(ss.str(), &doc);
      if (!st.ok()) {
        c.error = st.ToString();
        return c;
      }
      c.bytes += static_cast<int64_t>(doc.text().size());
      c.docs.push_back(std::move(doc));
    }
    if (c.docs.empty()) c.error = "no reports in " + dir.string();
    return c;
  }();
  return corpus;
}

void BM_ExtractSampleReports(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  if (!corpus.error.empty()) {
    state.SkipWithError(corpus.error.c_str());
    return;
  }
  auto taxonomy = Taxonomy::Default();
  if (!taxonomy.ok()) {
    state.SkipWithError(taxonomy.status().ToString().c_str());
    return;
  }
  auto extractor = Extractor::Create(*taxonomy);
  if (!extractor.ok()) {
    state.SkipWithError(extractor.status().ToString().c_str());
    return;
  }
  reportflow::extract::v1::ExtractionResult out;
  int64_t metrics = 0;
  for (auto _ : state) {
    for (const auto& doc : corpus.docs) {
      const reportflow::Status st = (*extractor)->Extract(doc, &out);
      if (!st.ok()) {
        state.SkipWithError(st.ToString().c_str());
        return;
      }
      metrics += out.metrics_size();
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetBytesProcessed(state.iterations() * corpus.bytes);
  state.counters["metrics_per_pass"] =
      benchmark::Counter(static_cast<double>(metrics) / static_cast<double>(std::max<int64_t>(1, state.iterations())));
  state.counters["corpus_bytes"] = static_cast<double>(corpus.bytes);
}
BENCHMARK(BM_ExtractSampleReports)->Unit(benchmark::kMicrosecond);

}  // namespace
