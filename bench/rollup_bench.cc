// Aggregate's rollup arithmetic on one core: RollupTable::Contribute (the
// document's values by DocumentValues, then every rollup of its four region
// levels) for 20,000 documents into a fresh table, as in a 20k batch.
//
// Setup segments and extracts the sample reports once (bench/sample_reports.h)
// and makes 20,000 contributions of them: each placed in one of 8,000
// townships (20 per county, 10 counties per city, 10 cities per province),
// its values scaled by a per-document factor, so rollups see many distinct
// values, as from real reports. Only Contribute is timed. BM_CheckpointOrder
// times the ordering of every dirty rollup by store key that a checkpoint
// begins with.
//
//   build/bench/rollup_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench/sample_reports.h"
#include "services/aggregate/rollup_table.h"

namespace {

namespace apb = ::reportflow::aggregate::v1;

constexpr int kDocuments = 20000;
constexpr int kTownships = 8000;

struct Contributions {
  std::vector<apb::DocContribution> docs;
  std::string error;
};

// A 12-digit code of `digits` significant digits from `n`, zero-padded.
std::string Code(int n, int digits) {
  std::string s = std::to_string(n);
  s = std::string(static_cast<size_t>(std::max(0, digits - static_cast<int>(s.size()))), '1') + s;
  return s + std::string(static_cast<size_t>(12 - digits), '0');
}

const Contributions& Load() {
  static const Contributions contributions = [] {
    Contributions c;
    const reportflow::bench::ExtractedSamples samples = reportflow::bench::ExtractSamples();
    if (!samples.error.empty()) {
      c.error = samples.error;
      return c;
    }
    const auto& results = samples.results;
    for (int i = 0; i < kDocuments; ++i) {
      apb::DocContribution d;
      d.set_doc_id("doc-" + std::to_string(i));
      const auto& r = results[static_cast<size_t>(i / 7) % results.size()];
      const double scale = 1.0 + static_cast<double>((i * 7919) % 97) / 10.0;
      for (const auto& m : r.metrics()) {
        auto* out = d.add_metrics();
        *out = m;
        if (m.canonical_unit() != "%") {
          out->set_value(m.value() * scale);
          out->set_canonical_value(m.canonical_value() * scale);
        }
      }
      const int township = (i * 31) % kTownships;
      const int county = township / 20, city = county / 10, province = city / 10;
      auto* meta = d.mutable_metadata();
      meta->set_township("镇" + std::to_string(township));
      meta->set_county("县" + std::to_string(county));
      meta->set_city("市" + std::to_string(city));
      meta->set_province("省" + std::to_string(province));
      meta->set_township_code(Code(township, 9));
      meta->set_county_code(Code(county, 6));
      meta->set_city_code(Code(city, 4));
      meta->set_province_code(Code(province, 2));
      meta->set_year(2019 + (i / 3) % 5);
      meta->set_unit_level(reportflow::common::v1::REGION_LEVEL_TOWNSHIP);
      c.docs.push_back(std::move(d));
    }
    return c;
  }();
  return contributions;
}

// Contributes every document to `table`; false (the benchmark skipped with
// the error) when one fails.
bool Fill(const Contributions& c, reportflow::aggregate::RollupTable* table, benchmark::State& state) {
  for (const auto& d : c.docs) {
    const reportflow::Status st = table->Contribute(d, +1);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return false;
    }
  }
  return true;
}

void BM_ContributeBatch(benchmark::State& state) {
  const Contributions& c = Load();
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  size_t rollups = 0;
  for (auto _ : state) {
    reportflow::aggregate::RollupTable table;
    if (!Fill(c, &table, state)) return;
    rollups = table.rollup_count();
    benchmark::DoNotOptimize(rollups);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.docs.size()));
  state.counters["rollups"] = static_cast<double>(rollups);
}
BENCHMARK(BM_ContributeBatch)->Unit(benchmark::kMillisecond);

// `table` filled once with the 20,000 contributions (outside the timing);
// false, with the benchmark skipped, when the samples cannot be had.
bool FilledTable(benchmark::State& state, reportflow::aggregate::RollupTable* table) {
  const Contributions& c = Load();
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return false;
  }
  return Fill(c, table, state);
}

// A checkpoint's first step: every dirty rollup of the 20,000 contributions,
// in the order of their store keys (RollupTable::DirtyRollups). Only the
// ordering is timed; the table is filled once.
void BM_CheckpointOrder(benchmark::State& state) {
  reportflow::aggregate::RollupTable table;
  if (!FilledTable(state, &table)) return;
  size_t ordered = 0;
  for (auto _ : state) {
    const std::vector<reportflow::aggregate::RollupTable::RollupId> ids = table.DirtyRollups();
    ordered = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ordered));
  state.counters["rollups"] = static_cast<double>(ordered);
}
BENCHMARK(BM_CheckpointOrder)->Unit(benchmark::kMillisecond);

// A checkpoint's second step: every dirty rollup of the 20,000 contributions
// in its stored form, serialised as it is written to the table file; one
// thread (a checkpoint splits it in two). direct:0 builds each message and
// serialises it (ForEachDirtyRollup), direct:1 writes the same fields straight
// from the table (ForEachDirtyRollupSerialized, what a checkpoint does).
void BM_CheckpointSerialize(benchmark::State& state) {
  reportflow::aggregate::RollupTable table;
  if (!FilledTable(state, &table)) return;
  const std::vector<reportflow::aggregate::RollupTable::RollupId> ids = table.DirtyRollups();
  size_t bytes = 0;
  const bool direct = state.range(0) == 1;
  for (auto _ : state) {
    bytes = 0;
    if (direct) {
      table.ForEachDirtyRollupSerialized(ids, [&](const std::string& key, const std::string_view* b) {
        bytes += key.size() + (b ? b->size() : 0);
      });
    } else {
      table.ForEachDirtyRollup(ids, [&](const std::string& key, const apb::Rollup* r) {
        bytes += key.size() + (r ? r->SerializeAsString().size() : 0);
      });
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ids.size()));
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_CheckpointSerialize)->ArgName("direct")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// One histogram taking `values` document values (whole numbers drawn with a
// long tail, as counts are: most small, a few large), each new value placed
// among those before it: a province's rollup of a common metric at 100,000
// reports holds tens of thousands of distinct values in hundreds of blocks.
void BM_HistogramAdd(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<double> values(n);
  uint64_t x = 88172645463325252ull;
  for (double& v : values) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v = static_cast<double>((x % 1000003) * (x % 1000003) / 997 % 400000);
  }
  size_t distinct = 0;
  for (auto _ : state) {
    reportflow::aggregate::ValueHistogram h;
    for (double v : values) h.Add(v, 1);
    distinct = h.distinct();
    benchmark::DoNotOptimize(distinct);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["distinct"] = static_cast<double>(distinct);
}
BENCHMARK(BM_HistogramAdd)->Arg(20000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
