// Aggregate's near-duplicate keeper on one core, its memory-bound half: for
// each of 20,000 documents, count its grams in the frequency sketch
// (DocumentFrequencies::Count), weigh its gram sequence (Weight), look up its
// candidates (DuplicateIndex::Candidates) and index it (Add), as
// AuditKeeper::IndexGroup does per document. Reading candidates from the
// scratch file and aligning them is left out.
//
// The documents are the sample reports' real shingles and grams
// (bench/sample_reports.h, extracted once), repeated with variation: each
// document takes one sample's hashes, keeps 30% of them (the template text
// its province shares), takes 20% from a pool of phrases about ten documents
// share (the index's short lists) and replaces the rest by fresh values, so
// the index and the sketch grow to what a 20k batch builds (far beyond the
// caches).
//
//   build/bench/audit_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "bench/sample_reports.h"
#include "common/audit/duplicate_index.h"
#include "common/audit/fingerprint.h"
#include "common/audit/near_duplicate.h"

namespace {

namespace audit = ::reportflow::audit;

constexpr int kDocuments = 20000;

struct Document {
  std::vector<uint64_t> shingles;  // distinct
  std::vector<uint64_t> grams;     // distinct
  std::vector<uint32_t> sequence;
};

struct Corpus {
  std::vector<Document> docs;
  std::string error;
};

const Corpus& Load() {
  static const Corpus corpus = [] {
    Corpus c;
    const reportflow::bench::ExtractedSamples samples = reportflow::bench::ExtractSamples();
    if (!samples.error.empty()) {
      c.error = samples.error;
      return c;
    }
    std::vector<Document> originals;
    for (const auto& result : samples.results) {
      Document d;
      d.shingles = audit::Shingles(result.fingerprint(), audit::kShingleClauses, audit::kWinnowWindow);
      d.sequence = audit::ClauseGrams(result.fingerprint(), audit::kGramClauses);
      originals.push_back(std::move(d));
    }
    std::mt19937_64 rng(7);
    // Phrases a few documents share (a county's wording): each value of the
    // pool is drawn by about ten documents, so the index keeps short lists.
    std::vector<uint64_t> shared(kDocuments * 16 / 10);
    for (uint64_t& v : shared) v = rng();
    auto vary = [&](uint64_t original) {
      const uint64_t r = rng() % 10;
      return r < 3 ? original : r < 5 ? shared[rng() % shared.size()] : rng();
    };
    for (int i = 0; i < kDocuments; ++i) {
      const Document& o = originals[static_cast<size_t>(i) % originals.size()];
      Document d;
      for (uint64_t s : o.shingles) d.shingles.push_back(vary(s));
      for (uint32_t g : o.sequence) d.sequence.push_back(static_cast<uint32_t>(vary(g)));
      std::sort(d.shingles.begin(), d.shingles.end());
      d.shingles.erase(std::unique(d.shingles.begin(), d.shingles.end()), d.shingles.end());
      d.grams.assign(d.sequence.begin(), d.sequence.end());
      std::sort(d.grams.begin(), d.grams.end());
      d.grams.erase(std::unique(d.grams.begin(), d.grams.end()), d.grams.end());
      c.docs.push_back(std::move(d));
    }
    return c;
  }();
  return corpus;
}

void BM_IndexDocuments(benchmark::State& state) {
  const Corpus& corpus = Load();
  if (!corpus.error.empty()) {
    state.SkipWithError(corpus.error.c_str());
    return;
  }
  size_t shingles = 0, candidates = 0;
  for (auto _ : state) {
    audit::DocumentFrequencies frequencies;
    audit::DuplicateIndex index;
    double weight = 0;
    for (const Document& d : corpus.docs) {
      frequencies.Count(d.grams, +1);
      for (uint32_t g : d.sequence) weight += frequencies.Weight(g);
      candidates += index.Candidates(d.shingles, 6).size();
      index.Add(d.shingles);
    }
    benchmark::DoNotOptimize(weight);
    shingles = 0;
    for (const Document& d : corpus.docs) shingles += d.shingles.size();
  }
  state.SetItemsProcessed(state.iterations() * kDocuments);
  state.counters["shingles_per_doc"] = static_cast<double>(shingles) / kDocuments;
  state.counters["candidates_per_doc"] =
      static_cast<double>(candidates) / static_cast<double>(state.iterations()) / kDocuments;
}
BENCHMARK(BM_IndexDocuments)->Unit(benchmark::kMillisecond);

}  // namespace
