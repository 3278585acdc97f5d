// Extraction throughput on one core, in bytes of report text per second.
//
// Setup segments the sample reports once (bench/sample_reports.h); only
// Extractor::Extract is timed. Target: >= 150 MB/s. BM_Fingerprint: the
// near-duplicate fingerprint alone (common/audit/fingerprint.h), a fifth of
// extract's CPU in the pipeline.
//
//   build/bench/extract_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>

#include "bench/sample_reports.h"
#include "common/audit/fingerprint.h"
#include "services/extract/extractor.h"

namespace {

using reportflow::extract::Extractor;
using reportflow::extract::Taxonomy;

const reportflow::bench::SegmentedSamples& LoadCorpus() {
  static const reportflow::bench::SegmentedSamples corpus = reportflow::bench::SegmentSamples();
  return corpus;
}

void BM_ExtractSampleReports(benchmark::State& state) {
  const reportflow::bench::SegmentedSamples& corpus = LoadCorpus();
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

void BM_Fingerprint(benchmark::State& state) {
  const reportflow::bench::SegmentedSamples& corpus = LoadCorpus();
  if (!corpus.error.empty()) {
    state.SkipWithError(corpus.error.c_str());
    return;
  }
  std::vector<std::vector<std::string>> names;
  for (const auto& doc : corpus.docs) names.push_back(reportflow::audit::NamesToMask(doc.metadata()));
  reportflow::extract::v1::TextFingerprint fp;
  for (auto _ : state) {
    for (size_t i = 0; i < corpus.docs.size(); ++i) {
      reportflow::audit::ComputeFingerprint(corpus.docs[i].text(), names[i], &fp);
      benchmark::DoNotOptimize(fp);
    }
  }
  state.SetBytesProcessed(state.iterations() * corpus.bytes);
}
BENCHMARK(BM_Fingerprint)->Unit(benchmark::kMicrosecond);

}  // namespace
