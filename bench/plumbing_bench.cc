// Micro-benchmarks of the plumbing every document goes through: charset
// decoding (ICU), the frame codec, and the RocksDB store.
#include <benchmark/benchmark.h>

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

}  // namespace
