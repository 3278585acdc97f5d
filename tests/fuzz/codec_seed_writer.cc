// Writes seed inputs for codec_fuzzer ("<header>\0<serialized Envelope>")
// from the sample reports: one Envelope per payload kind, and all of them
// packed ("rf1.packed\0<PackedEnvelopes>").
//   codec_seed_writer SAMPLE.txt OUT_DIR
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "common/messaging/codec.h"

namespace msg = ::reportflow::messaging;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: codec_seed_writer SAMPLE.txt OUT_DIR\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<msg::pipeline_pb::Envelope> envelopes(4);
  for (auto& e : envelopes) {
    e.set_doc_id("0123456789abcdef0123456789abcdef");
    e.set_batch_id("batch-1");
    e.set_attempt(1);
    e.set_trace_id("trace");
    e.set_producer("ingest-1");
  }
  auto* raw = envelopes[0].mutable_raw_document();
  raw->set_source("samples/reports/report.txt");
  raw->set_text(ss.str());
  raw->set_source_encoding("UTF-8");
  raw->set_source_format("txt");
  envelopes[1].mutable_ack()->set_metrics(12);
  envelopes[2].mutable_ready()->set_stage("segment");
  envelopes[2].mutable_ready()->set_credits(4);
  envelopes[3].mutable_failure()->set_error("bad input");
  for (size_t i = 0; i < envelopes.size(); ++i) {
    std::ofstream out(std::string(argv[2]) + "/envelope-" + std::to_string(i), std::ios::binary);
    const std::string header = msg::EnvelopeHeader(envelopes[i]);
    out << header << '\0' << envelopes[i].SerializeAsString();
  }
  msg::Frames group, packed;
  for (const auto& e : envelopes) msg::AppendEnvelope(e, &group);
  if (!msg::PackEnvelopes(group, 0, SIZE_MAX, &packed)) return 1;
  std::ofstream out(std::string(argv[2]) + "/packed", std::ios::binary);
  out << msg::kPackedHeader << '\0' << packed[1].to_string();
  return 0;
}
