// Micro-benchmarks of the plumbing every document goes through: charset
// decoding (ICU), the frame codec, and the RocksDB store.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <zmq.hpp>

#include "common/messaging/codec.h"
#include "common/storage/store.h"
#include "common/text/doc_id.h"
#include "common/text/encoding.h"

namespace {
namespace fs = std::filesystem;

std::string SampleText() {
  std::string all;
  for (const auto& e : fs::directory_iterator("samples/reports")) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

const std::string& Text() {
  static const std::string text = SampleText();
  return text;
}

void BM_DecodeUtf8(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reportflow::text::DecodeToUtf8(Text()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Text().size()));
}
BENCHMARK(BM_DecodeUtf8);

void BM_DecodeGb18030(benchmark::State& state) {
  const std::string gb = *reportflow::text::ConvertFromUtf8(Text(), "GB18030");
  for (auto _ : state) benchmark::DoNotOptimize(reportflow::text::DecodeToUtf8(gb));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * gb.size()));
}
BENCHMARK(BM_DecodeGb18030);

void BM_DocId(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reportflow::text::DocIdForText(Text()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Text().size()));
}
BENCHMARK(BM_DocId);

void BM_CodecRoundTrip(benchmark::State& state) {
  reportflow::pipeline::v1::Envelope env;
  env.set_doc_id("0123456789abcdef0123456789abcdef");
  env.mutable_raw_document()->set_text(Text());
  for (auto _ : state) {
    reportflow::messaging::Frames frames;
    reportflow::messaging::AppendEnvelope(env, &frames);
    reportflow::pipeline::v1::Envelope back;
    benchmark::DoNotOptimize(reportflow::messaging::ParseEnvelope(frames, 0, &back));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Text().size()));
}
BENCHMARK(BM_CodecRoundTrip);

// A worker's group (64 documents of ~6 KB, the generated corpus's size)
// from a PUSH to a PULL over ipc, as [header][body] pairs (packed: 0) or
// packed into one frame (packed: 1, messaging::PackEnvelopes; the packing
// copy included). The CPU is the whole process's: both sockets' ZeroMQ I/O
// threads move the bytes.
void BM_GroupOverIpc(benchmark::State& state) {
  namespace msg = reportflow::messaging;
  const bool packed = state.range(0) != 0;
  const fs::path dir = fs::temp_directory_path() / ("reportflow-bench-ipc-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string endpoint = "ipc://" + (dir / "group.sock").string();
  zmq::context_t ctx;
  zmq::socket_t pull(ctx, zmq::socket_type::pull), push(ctx, zmq::socket_type::push);
  pull.bind(endpoint);
  push.connect(endpoint);
  constexpr int kDocuments = 64;
  msg::Frames group;
  for (int i = 0; i < kDocuments; ++i) {
    reportflow::pipeline::v1::Envelope env;
    env.set_doc_id(reportflow::text::TraceIdFor(std::to_string(i)));
    env.mutable_raw_document()->set_text(Text().substr(static_cast<size_t>(i) * 97, 6000));
    msg::AppendEnvelope(env, &group);
  }
  size_t bytes = 0;
  for (const auto& f : group) bytes += f.size();
  for (auto _ : state) {
    msg::Frames out, wire;
    if (!packed || !msg::PackEnvelopes(group, 0, size_t{64} << 20, &wire)) {
      for (const auto& f : group) out.emplace_back(f.data(), f.size());
      wire = std::move(out);
    }
    if (!msg::SendFrames(push, wire, /*dont_wait=*/false).ok()) state.SkipWithError("send failed");
    auto in = msg::RecvFrames(pull, /*dont_wait=*/false);
    if (!in.ok() || in->size() != group.size()) state.SkipWithError("receive failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kDocuments);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  push.close();
  pull.close();
  fs::remove_all(dir);
}
BENCHMARK(BM_GroupOverIpc)->ArgName("packed")->Arg(0)->Arg(1)->MeasureProcessCPUTime()->UseRealTime();

void BM_StorePutGet(benchmark::State& state) {
  const fs::path dir = fs::temp_directory_path() / ("reportflow-bench-store-" + std::to_string(::getpid()));
  auto store = std::move(reportflow::storage::OpenRocksDbStore(dir.string(), {"docs"})).value();
  const std::string value = Text().substr(0, 8000);  // about one report
  uint64_t i = 0;
  std::string out;
  for (auto _ : state) {
    const std::string key = reportflow::text::TraceIdFor(std::to_string(i++));
    benchmark::DoNotOptimize(store->Put("docs", key, value));
    benchmark::DoNotOptimize(store->Get("docs", key, &out));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * value.size()));
  store.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_StorePutGet);

// A point read in a column family of `keys` keys, nine in ten absent, with a
// service's store tuning and a block cache of `cache_mb`: how the stores'
// probes behave as they grow. Every family keyed by document holds one key
// per document (ingest's documents and ledger, each worker's results,
// aggregate's heads, contributions and audit documents), so 1,000,000 keys is
// a store of 10^6 documents; 3,600,000 is the near-duplicate index of 100,000
// documents as a family (36 rare shingles each) instead of a table in memory.
// The keys are written in batches of 4,096 (as groups are), then flushed.
void BM_ProbeLargeFamily(benchmark::State& state) {
  const uint64_t keys = static_cast<uint64_t>(state.range(0));
  const fs::path dir = fs::temp_directory_path() / ("reportflow-bench-probe-" + std::to_string(::getpid()));
  reportflow::storage::StoreTuning tuning;
  tuning.memtable_budget_bytes = 16u << 20;
  tuning.write_buffer_bytes = 8u << 20;
  tuning.block_cache_bytes = static_cast<size_t>(state.range(1)) << 20;
  tuning.blob_min_bytes = 0;
  tuning.probed_families = {"docs"};
  tuning.read_once_families = {"docs"};  // as the families probed for every new document are
  auto store = std::move(reportflow::storage::OpenRocksDbStore(dir.string(), {"docs"},
                                                               reportflow::storage::OpenMode::kReadWrite, tuning))
                   .value();
  // 16-byte keys spread at random, as packed document ids are.
  const auto key_of = [](uint64_t i) {
    uint64_t h[2] = {i * 0x9E3779B97F4A7C15ull, i};
    h[0] ^= h[0] >> 29;
    return std::string(reinterpret_cast<const char*>(h), sizeof h);
  };
  const std::string value(24, 'v');  // a blob reference's size
  for (uint64_t first = 0; first < keys; first += 4096) {
    reportflow::storage::WriteBatch batch;
    for (uint64_t i = first; i < std::min(first + 4096, keys); ++i) batch.Put("docs", key_of(2 * i), value);
    if (!store->Write(batch).ok()) state.SkipWithError("write failed");
  }
  if (!store->Flush().ok()) state.SkipWithError("flush failed");
  uint64_t i = 0, found = 0;
  std::string out;
  for (auto _ : state) {
    const uint64_t n = (i * 0x2545F4914F6CDD1Dull) % keys;
    found += store->Get("docs", key_of(i % 10 == 0 ? 2 * n : 2 * n + 1), &out).ok();
    ++i;
  }
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(std::max<uint64_t>(i, 1));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  store.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_ProbeLargeFamily)
    ->ArgNames({"keys", "cache_mb"})
    ->Args({100000, 4})
    ->Args({1000000, 4})
    ->Args({1000000, 8})
    ->Args({3600000, 8})
    ->Unit(benchmark::kNanosecond);

}  // namespace
