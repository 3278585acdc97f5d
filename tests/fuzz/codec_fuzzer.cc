// Fuzz target: the frame codec (common/messaging). The input is split into
// [header][body] at its first NUL byte (no NUL: the whole input is the body
// of a "rf1.raw_document" frame). Invariants: never crashes; a parsed
// Envelope re-encodes to frames that parse to an equal Envelope.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "common/messaging/codec.h"

namespace msg = ::reportflow::messaging;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Invalid UTF-8 in string fields is a parse error the codec reports;
  // protobuf's own log line for it is noise here.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string&) {});
    return true;
  }();
  (void)quiet;
  const char* bytes = reinterpret_cast<const char*>(data);
  const void* nul = std::memchr(bytes, 0, size);
  std::string header = "rf1.raw_document";
  std::string body(bytes, size);
  if (nul) {
    const size_t at = static_cast<const char*>(nul) - bytes;
    header.assign(bytes, at);
    body.assign(bytes + at + 1, size - at - 1);
  }
  msg::Frames frames;
  frames.emplace_back(header.data(), header.size());
  frames.emplace_back(body.data(), body.size());
  msg::pipeline_pb::Envelope envelope;
  if (msg::ParseEnvelope(frames, 0, &envelope).ok()) {
    msg::Frames again;
    msg::AppendEnvelope(envelope, &again);
    msg::pipeline_pb::Envelope round;
    if (!msg::ParseEnvelope(again, 0, &round).ok()) std::abort();
    if (round.SerializeAsString() != envelope.SerializeAsString()) std::abort();
  }
  // Wrong frame counts and offsets are errors, never reads out of range.
  msg::pipeline_pb::Envelope ignored;
  if (msg::ParseEnvelope(frames, 1, &ignored).ok()) std::abort();
  if (msg::ParseEnvelope(frames, 2, &ignored).ok()) std::abort();
  std::string header_out;
  (void)msg::ParseMessage(frames, 0, "", &ignored, &header_out);
  // The body as packed bytes (rf1.packed): every pair it yields lies inside
  // them, and re-packing the pairs yields bytes that list the same pairs.
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (msg::ParsePacked(frames[1], &pairs)) {
    const char* begin = static_cast<const char*>(frames[1].data());
    const char* end = begin + frames[1].size();
    msg::Frames unpacked;
    for (const auto& [h, b] : pairs) {
      for (std::string_view part : {h, b}) {
        if (!part.empty() && (part.data() < begin || part.data() + part.size() > end)) std::abort();
      }
      unpacked.emplace_back(h.data(), h.size());
      unpacked.emplace_back(b.data(), b.size());
    }
    msg::Frames repacked;
    std::vector<std::pair<std::string_view, std::string_view>> again;
    if (pairs.size() >= 2) {
      if (!msg::PackEnvelopes(unpacked, 0, SIZE_MAX, &repacked) || !msg::ParsePacked(repacked[1], &again)) std::abort();
      if (again != pairs) std::abort();
    }
  }
  return 0;
}
