#include "common/messaging/codec.h"

#include <atomic>
#include <cstring>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <zmq_addon.hpp>

#include "common/base/macros.h"

namespace reportflow::messaging {

std::string EnvelopeHeader(const pipeline_pb::Envelope& envelope) {
  const auto* field = pipeline_pb::Envelope::descriptor()->FindFieldByNumber(envelope.payload_case());
  return std::string(kHeaderPrefix) + (field ? field->name() : "empty");
}

void AppendEnvelope(const pipeline_pb::Envelope& envelope, Frames* frames) {
  AppendMessage(EnvelopeHeader(envelope), envelope, frames);
}

void AppendEnvelopeWithPayload(const pipeline_pb::Envelope& head, int payload_field, std::string_view payload,
                               Frames* frames) {
  namespace wfl = google::protobuf::internal;
  using google::protobuf::io::CodedOutputStream;
  const auto* field = pipeline_pb::Envelope::descriptor()->FindFieldByNumber(payload_field);
  const std::string header = std::string(kHeaderPrefix) + (field ? field->name() : "empty");
  frames->emplace_back(header.data(), header.size());
  // The head's fields (1-6) precede the payload's number, so the payload
  // goes last, where a serialization of the whole envelope puts it.
  const size_t head_size = head.ByteSizeLong();
  const uint32_t tag = wfl::WireFormatLite::MakeTag(payload_field, wfl::WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  const auto length = static_cast<uint32_t>(payload.size());
  zmq::message_t body(head_size + CodedOutputStream::VarintSize32(tag) + CodedOutputStream::VarintSize32(length) +
                      payload.size());
  uint8_t* p = head.SerializeWithCachedSizesToArray(static_cast<uint8_t*>(body.data()));
  p = CodedOutputStream::WriteVarint32ToArray(tag, p);
  p = CodedOutputStream::WriteVarint32ToArray(length, p);
  if (!payload.empty()) std::memcpy(p, payload.data(), payload.size());
  frames->push_back(std::move(body));
}

void AppendMessage(std::string_view header, const google::protobuf::MessageLite& msg, Frames* frames) {
  frames->emplace_back(header.data(), header.size());
  const size_t size = msg.ByteSizeLong();
  zmq::message_t body(size);
  msg.SerializeWithCachedSizesToArray(static_cast<uint8_t*>(body.data()));
  frames->push_back(std::move(body));
}

namespace {

// Parses one [header][body] pair.
Status ParsePair(const zmq::message_t& header_frame, const zmq::message_t& body, std::string_view expected_header,
                 google::protobuf::MessageLite* msg, std::string* header_out) {
  const std::string_view header(static_cast<const char*>(header_frame.data()), header_frame.size());
  if (header.substr(0, kHeaderPrefix.size()) != kHeaderPrefix && expected_header.empty()) {
    return Status::Corruption("unknown frame header");
  }
  if (!expected_header.empty() && header != expected_header) {
    return Status::Corruption("unexpected frame header '" + std::string(header.substr(0, 64)) + "'");
  }
  if (body.size() > static_cast<size_t>(INT32_MAX) ||
      !msg->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::Corruption("unparsable " + msg->GetTypeName() + " body (" + std::to_string(body.size()) + " bytes)");
  }
  if (header_out) *header_out = std::string(header);
  return Status::OK();
}

Status CheckEnvelope(const std::string& header, const pipeline_pb::Envelope& envelope) {
  if (envelope.payload_case() == pipeline_pb::Envelope::PAYLOAD_NOT_SET) {
    return Status::Corruption("envelope without payload");
  }
  if (header != EnvelopeHeader(envelope)) return Status::Corruption("header does not match payload: " + header);
  if (envelope.doc_id().size() > 128) return Status::Corruption("doc_id too long");
  return Status::OK();
}

}  // namespace

Status ParseMessage(const Frames& frames, size_t first, std::string_view expected_header,
                    google::protobuf::MessageLite* msg, std::string* header_out) {
  if (frames.size() != first + 2) {
    return Status::Corruption("expected 2 frames after routing, got " + std::to_string(frames.size() - std::min(first, frames.size())));
  }
  return ParsePair(frames[first], frames[first + 1], expected_header, msg, header_out);
}

Status ParseTopicMessage(const Frames& frames, google::protobuf::MessageLite* msg, std::string* topic_out) {
  if (frames.size() != 2) return Status::Corruption("expected [topic][body], got " + std::to_string(frames.size()) + " frames");
  if (frames[0].size() == 0) return Status::Corruption("empty topic");
  return ParseMessage(frames, 0, frames[0].to_string_view(), msg, topic_out);
}

Status ParseEnvelope(const Frames& frames, size_t first, pipeline_pb::Envelope* envelope) {
  std::string header;
  RETURN_IF_ERROR(ParseMessage(frames, first, "", envelope, &header));
  return CheckEnvelope(header, *envelope);
}

Result<size_t> CountEnvelopes(const Frames& frames, size_t first) {
  if (frames.size() < first + 2 || (frames.size() - first) % 2 != 0) {
    return Status::Corruption("expected [header][body] pairs after routing, got " +
                              std::to_string(frames.size() - std::min(first, frames.size())) + " frames");
  }
  return (frames.size() - first) / 2;
}

std::string_view EnvelopeHeaderAt(const Frames& frames, size_t first, size_t index) {
  const size_t i = first + 2 * index;
  if (i >= frames.size()) return {};
  return frames[i].to_string_view();
}

Status ParseEnvelopeAt(const Frames& frames, size_t first, size_t index, pipeline_pb::Envelope* envelope) {
  const size_t i = first + 2 * index;
  if (i + 1 >= frames.size()) return Status::Corruption("no envelope " + std::to_string(index));
  std::string header;
  RETURN_IF_ERROR(ParsePair(frames[i], frames[i + 1], "", envelope, &header));
  return CheckEnvelope(header, *envelope);
}

namespace {

// The routing fields of an envelope body: the fields EnvelopeHead declares are
// gathered and parsed; every other field (the payload) is stepped over, never
// copied (a plain parse would keep the payload as unknown bytes).
Status ParseHeadOf(const zmq::message_t& body, pipeline_pb::EnvelopeHead* head) {
  namespace wfl = google::protobuf::internal;
  if (body.size() > static_cast<size_t>(INT32_MAX)) return Status::Corruption("envelope body too large");
  const auto* data = static_cast<const uint8_t*>(body.data());
  google::protobuf::io::CodedInputStream in(data, static_cast<int>(body.size()));
  const auto* descriptor = pipeline_pb::EnvelopeHead::descriptor();
  auto unparsable = [&] {
    return Status::Corruption("unparsable " + head->GetTypeName() + " body (" + std::to_string(body.size()) + " bytes)");
  };
  std::string routing;
  while (in.CurrentPosition() < static_cast<int>(body.size())) {
    const int start = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0 || !wfl::WireFormatLite::SkipField(&in, tag)) return unparsable();
    if (descriptor->FindFieldByNumber(static_cast<int>(wfl::WireFormatLite::GetTagFieldNumber(tag)))) {
      routing.append(reinterpret_cast<const char*>(data) + start, static_cast<size_t>(in.CurrentPosition() - start));
    }
  }
  if (!head->ParseFromString(routing)) return unparsable();
  if (head->doc_id().size() > 128) return Status::Corruption("doc_id too long");
  return Status::OK();
}

}  // namespace

Status ParseEnvelopeHeadAt(const Frames& frames, size_t first, size_t index, pipeline_pb::EnvelopeHead* head) {
  const size_t i = first + 2 * index;
  if (i + 1 >= frames.size()) return Status::Corruption("no envelope " + std::to_string(index));
  if (frames[i].to_string_view().substr(0, kHeaderPrefix.size()) != kHeaderPrefix) {
    return Status::Corruption("unknown frame header");
  }
  return ParseHeadOf(frames[i + 1], head);
}

Status ParseEnvelopeHead(const Frames& frames, size_t first, pipeline_pb::EnvelopeHead* head, std::string* header_out) {
  if (frames.size() != first + 2) {
    return Status::Corruption("expected 2 frames after routing, got " + std::to_string(frames.size() - std::min(first, frames.size())));
  }
  const std::string_view header = frames[first].to_string_view();
  if (header.substr(0, kHeaderPrefix.size()) != kHeaderPrefix) return Status::Corruption("unknown frame header");
  RETURN_IF_ERROR(ParseHeadOf(frames[first + 1], head));
  if (header_out) *header_out = std::string(header);
  return Status::OK();
}

// ---- Packed groups (pipeline.v1.PackedEnvelopes, written and read here
// with protobuf's wire helpers, so that no body is copied into a string).
namespace {

namespace wfl = google::protobuf::internal;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

constexpr uint32_t kEntryTag = wfl::WireFormatLite::MakeTag(1, wfl::WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kHeaderTag = wfl::WireFormatLite::MakeTag(1, wfl::WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kBodyTag = wfl::WireFormatLite::MakeTag(2, wfl::WireFormatLite::WIRETYPE_LENGTH_DELIMITED);

// A length-delimited field's bytes (its tag read), as a view into `data`.
bool ReadBytes(CodedInputStream* in, const uint8_t* data, std::string_view* out) {
  uint32_t n = 0;
  if (!in->ReadVarint32(&n)) return false;
  const int at = in->CurrentPosition();
  if (!in->Skip(static_cast<int>(n))) return false;
  *out = std::string_view(reinterpret_cast<const char*>(data) + at, n);
  return true;
}

size_t EntrySize(size_t header, size_t body) {
  return 1 + CodedOutputStream::VarintSize64(header) + header + 1 + CodedOutputStream::VarintSize64(body) + body;
}

// The packed bytes, shared by the views of its bodies: freed with the last.
struct PackedBytes {
  explicit PackedBytes(zmq::message_t m) : bytes(std::move(m)) {}
  zmq::message_t bytes;
  std::atomic<size_t> refs{1};
  void Release() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};
void ReleaseView(void* /*data*/, void* hint) { static_cast<PackedBytes*>(hint)->Release(); }

// Bodies below this are copied: a view costs an allocation of its own.
constexpr size_t kMinViewBytes = 1024;

// frames = [routing...][rf1.packed][bytes] -> [routing...]([header][body])+.
// Unparsable bytes: false, frames untouched.
bool Unpack(Frames* frames) {
  // Moved first: the views point into the bytes where they will stay (a
  // very small message keeps its bytes inside itself, and moves them).
  auto* shared = new PackedBytes(std::move(frames->back()));
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (!ParsePacked(shared->bytes, &pairs)) {
    frames->back() = std::move(shared->bytes);
    shared->Release();
    return false;
  }
  frames->pop_back();
  frames->pop_back();  // rf1.packed
  frames->reserve(frames->size() + 2 * pairs.size());
  for (const auto& [header, body] : pairs) {
    frames->emplace_back(header.data(), header.size());
    if (body.size() < kMinViewBytes) {
      frames->emplace_back(body.data(), body.size());
      continue;
    }
    shared->refs.fetch_add(1, std::memory_order_relaxed);
    frames->emplace_back(const_cast<char*>(body.data()), body.size(), &ReleaseView, shared);
  }
  shared->Release();
  return true;
}

}  // namespace

bool ParsePacked(const zmq::message_t& packed, std::vector<std::pair<std::string_view, std::string_view>>* pairs) {
  pairs->clear();
  if (packed.size() > static_cast<size_t>(INT32_MAX)) return false;
  const auto* data = static_cast<const uint8_t*>(packed.data());
  CodedInputStream in(data, static_cast<int>(packed.size()));
  // Fields of other numbers (a later version's) are stepped over.
  while (uint32_t tag = in.ReadTag()) {
    if (tag != kEntryTag) {
      if (!wfl::WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return false;
    const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(length));
    std::string_view header, body;
    while (uint32_t field = in.ReadTag()) {
      if (field == kHeaderTag || field == kBodyTag) {
        if (!ReadBytes(&in, data, field == kHeaderTag ? &header : &body)) return false;
      } else if (!wfl::WireFormatLite::SkipField(&in, field)) {
        return false;
      }
    }
    if (!in.ConsumedEntireMessage() || in.BytesUntilLimit() != 0) return false;
    in.PopLimit(limit);
    if (pairs->size() == kMaxPackedEnvelopes) return false;
    pairs->emplace_back(header, body);
  }
  return in.ConsumedEntireMessage() && in.CurrentPosition() == static_cast<int>(packed.size()) && !pairs->empty();
}

bool PackEnvelopes(const Frames& frames, size_t first, size_t max_frame_bytes, Frames* packed) {
  packed->clear();
  if (frames.size() < first + 4 || (frames.size() - first) % 2 != 0) return false;
  if ((frames.size() - first) / 2 > kMaxPackedEnvelopes) return false;  // a receiver would refuse it
  size_t total = 0;
  for (size_t i = first; i < frames.size(); i += 2) {
    const size_t entry = EntrySize(frames[i].size(), frames[i + 1].size());
    total += 1 + CodedOutputStream::VarintSize64(entry) + entry;
  }
  if (total > max_frame_bytes) return false;
  zmq::message_t bytes(total);
  auto* p = static_cast<uint8_t*>(bytes.data());
  for (size_t i = first; i < frames.size(); i += 2) {
    const zmq::message_t& header = frames[i];
    const zmq::message_t& body = frames[i + 1];
    p = CodedOutputStream::WriteTagToArray(kEntryTag, p);
    p = CodedOutputStream::WriteVarint64ToArray(EntrySize(header.size(), body.size()), p);
    p = CodedOutputStream::WriteTagToArray(kHeaderTag, p);
    p = CodedOutputStream::WriteVarint64ToArray(header.size(), p);
    if (header.size() > 0) std::memcpy(p, header.data(), header.size());
    p += header.size();
    p = CodedOutputStream::WriteTagToArray(kBodyTag, p);
    p = CodedOutputStream::WriteVarint64ToArray(body.size(), p);
    if (body.size() > 0) std::memcpy(p, body.data(), body.size());
    p += body.size();
  }
  packed->reserve(first + 2);
  for (size_t i = 0; i < first; ++i) packed->emplace_back(frames[i].data(), frames[i].size());
  packed->emplace_back(kPackedHeader.data(), kPackedHeader.size());
  packed->push_back(std::move(bytes));
  return true;
}

// A signal that interrupts a send or receive (EINTR: SIGTERM asking a
// service to stop, say) neither fails it nor cuts a message in two: a part
// not taken is sent or received again. Only the first part of a
// non-blocking receive gives up ("nothing ready": the caller polls again);
// the rest of a message is there once its first part is (ZeroMQ delivers
// messages whole).
Status SendFrames(zmq::socket_t& socket, Frames& frames, bool dont_wait) {
  for (size_t i = 0; i < frames.size(); ++i) {
    auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    // Only the first part may be refused for a full queue (a message is queued whole or not at all).
    if (dont_wait && i == 0) flags = flags | zmq::send_flags::dontwait;
    for (;;) {
      try {
        if (!socket.send(frames[i], flags)) return Status::Unavailable("send would block");
        break;
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;  // the part was not taken: send it again
        if (e.num() == ETERM) return Status::Cancelled("context terminated");
        if (e.num() == EHOSTUNREACH) return Status::Unavailable("peer gone");
        return Status::Unavailable(std::string("send failed: ") + e.what());
      }
    }
  }
  return Status::OK();
}

Result<Frames> RecvFrames(zmq::socket_t& socket, bool dont_wait) {
  Frames frames;
  for (;;) {
    zmq::message_t part;
    try {
      const auto flags = dont_wait && frames.empty() ? zmq::recv_flags::dontwait : zmq::recv_flags::none;
      if (!socket.recv(part, flags)) return Frames{};  // nothing ready
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) {
        if (frames.empty() && dont_wait) return Frames{};  // nothing taken: the caller polls again
        continue;
      }
      if (e.num() == ETERM) return Status::Cancelled("context terminated");
      return Status::Unavailable(std::string("receive failed: ") + e.what());
    }
    const bool more = part.more();
    frames.push_back(std::move(part));
    if (more) continue;
    if (frames.size() >= 2 && frames[frames.size() - 2].to_string_view() == kPackedHeader) (void)Unpack(&frames);
    return frames;
  }
}

}  // namespace reportflow::messaging
