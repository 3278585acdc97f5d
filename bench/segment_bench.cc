// Segmentation throughput on one core, in bytes of stored UTF-8 text per
// second (Google Benchmark's bytes_per_second; "M/s" there is MiB/s). Inputs:
// the five sample reports (one document per call), the same reports each
// stored as one line, and one ~1 MB document. Also the gazetteer: its load
// time and resident-memory growth (counter rss_growth_MB; meaningful with
// --benchmark_filter=Gazetteer, so nothing loaded it before) and one look-up.
//
//   build/bench/segment_bench --benchmark_filter=Segment
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/geo/gazetteer.h"
#include "common/text/han_variants.h"
#include "services/segment/segmenter.h"

namespace {

namespace fs = std::filesystem;
using reportflow::segment::Segmenter;

fs::path SourceDir() {
  if (const char* dir = std::getenv("REPORTFLOW_SOURCE_DIR")) return dir;
  // Walk up from the cwd until samples/ is found.
  for (fs::path p = fs::current_path(); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / "samples" / "reports")) return p;
    if (p == p.root_path()) break;
  }
  return fs::current_path();
}

const std::vector<std::string>& Samples() {
  static const std::vector<std::string> samples = [] {
    std::vector<std::string> out;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(SourceDir() / "samples" / "reports")) {
      if (e.path().extension() == ".txt") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    if (out.empty()) {
      std::cerr << "segment_bench: no samples under " << SourceDir() << "/samples/reports\n";
      std::exit(2);
    }
    return out;
  }();
  return samples;
}

std::unique_ptr<Segmenter> MakeSegmenter(bool resolve_places = true) {
  reportflow::segment::SegmenterOptions options;
  options.resolve_places = resolve_places;
  auto seg = Segmenter::Create(options);
  if (!seg.ok()) {
    std::cerr << "Segmenter::Create: " << seg.status() << "\n";
    std::exit(2);
  }
  return std::move(seg).value();
}

// Arg 1: with place resolution (the default); arg 0: without (what the
// gazetteer costs is the difference).
void BM_SegmentSamples(benchmark::State& state) {
  auto seg = MakeSegmenter(state.range(0) != 0);
  const auto& samples = Samples();
  reportflow::segment::v1::SegmentedDocument doc;
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& s : samples) {
      if (!seg->Segment(s, &doc).ok()) state.SkipWithError("Segment failed");
      benchmark::DoNotOptimize(doc.sentences_size());
      bytes += static_cast<int64_t>(s.size());
    }
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_SegmentSamples)->ArgName("places")->Arg(1)->Arg(0);

// The same five reports with every line break removed (each stored as one
// line): the run-together path.
void BM_SegmentSamplesOneLine(benchmark::State& state) {
  auto seg = MakeSegmenter();
  std::vector<std::string> flat;
  for (const std::string& s : Samples()) {
    std::string one;
    for (char c : s) {
      if (c != '\n' && c != '\r') one.push_back(c);
    }
    flat.push_back(std::move(one));
  }
  reportflow::segment::v1::SegmentedDocument doc;
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& s : flat) {
      if (!seg->Segment(s, &doc).ok()) state.SkipWithError("Segment failed");
      benchmark::DoNotOptimize(doc.sentences_size());
      bytes += static_cast<int64_t>(s.size());
    }
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_SegmentSamplesOneLine);

// One ~1 MB document (the samples concatenated with their line breaks): how
// throughput holds up on large inputs.
void BM_SegmentLargeDocument(benchmark::State& state) {
  auto seg = MakeSegmenter();
  std::string big;
  while (big.size() < (1u << 20)) {
    for (const std::string& s : Samples()) big += s + "\n";
  }
  reportflow::segment::v1::SegmentedDocument doc;
  for (auto _ : state) {
    if (!seg->Segment(big, &doc).ok()) state.SkipWithError("Segment failed");
    benchmark::DoNotOptimize(doc.sentences_size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(big.size()));
}
BENCHMARK(BM_SegmentLargeDocument)->Unit(benchmark::kMillisecond);

}  // namespace

namespace reportflow::geo {
extern const std::string_view kDefaultGazetteerTsv;
}  // namespace reportflow::geo

namespace {

long VmRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// Resident memory added by the process-wide gazetteer, measured on first use
// (run with --benchmark_filter=Gazetteer so no segmenter loaded it before).
void BM_GazetteerLoad(benchmark::State& state) {
  // ICU's traditional->simplified table (common/text/han_variants) is loaded
  // first: the segmenter has it anyway; the gazetteer folds its keys with it.
  static const double icu_mb = [] {
    const long before = VmRssKb();
    benchmark::DoNotOptimize(&reportflow::text::HanVariants::Get());
    return (VmRssKb() - before) / 1024.0;
  }();
  static const double growth_mb = [] {
    const long before = VmRssKb();
    benchmark::DoNotOptimize(&reportflow::geo::Gazetteer::Default());
    return (VmRssKb() - before) / 1024.0;
  }();
  state.counters["han_variants_rss_MB"] = icu_mb;
  for (auto _ : state) {
    auto g = reportflow::geo::Gazetteer::Parse(reportflow::geo::kDefaultGazetteerTsv);
    benchmark::DoNotOptimize(g);
  }
  state.counters["rss_growth_MB"] = growth_mb;
  state.counters["units"] = static_cast<double>(reportflow::geo::Gazetteer::Default().size());
}
BENCHMARK(BM_GazetteerLoad)->Unit(benchmark::kMillisecond);

void BM_GazetteerLookup(benchmark::State& state) {
  const auto& g = reportflow::geo::Gazetteer::Default();
  for (auto _ : state) {
    benchmark::DoNotOptimize(g.Find(std::u32string_view(U"东城街道")));
  }
}
BENCHMARK(BM_GazetteerLookup);

}  // namespace
