#include "common/messaging/codec.h"

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
    if (!more) return frames;
  }
}

}  // namespace reportflow::messaging
