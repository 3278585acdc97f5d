// Codec: the one place where messages become frames and frames become messages.
//
// Wire layout (documented in proto/README.md):
//   [routing frames...] [header] [body]
//   header = "rf1." + payload kind (e.g. "rf1.raw_document") for pipeline
//            Envelopes, or a topic for the aggregate stream; body = serialized proto.
// ROUTER sockets prepend one identity frame; REQ adds an empty delimiter.
// Parsing never trusts the peer: wrong frame counts, unknown headers and
// unparsable bodies become a Corruption status that the caller counts and logs.
// The codec moves Envelopes and never reads payload fields.
#pragma once

#include <google/protobuf/message_lite.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "common/base/result.h"
#include "reportflow/pipeline/v1/envelope.pb.h"

namespace reportflow::messaging {

using Frames = std::vector<zmq::message_t>;
namespace pipeline_pb = ::reportflow::pipeline::v1;

inline constexpr std::string_view kHeaderPrefix = "rf1.";
inline constexpr std::string_view kControlHeader = "rf1.control";

// "rf1.<oneof case name>", e.g. "rf1.raw_document".
std::string EnvelopeHeader(const pipeline_pb::Envelope& envelope);

// Appends [header][body] for `envelope`. One message may carry several
// envelopes, [routing frames...] ([header][body])+: a worker's group of
// results, a group of dispatches to one worker, aggregate's acknowledgements
// of a group. Append once per envelope.
void AppendEnvelope(const pipeline_pb::Envelope& envelope, Frames* frames);
// Parses frames[first..] which must be exactly [header][body].
Status ParseEnvelope(const Frames& frames, size_t first, pipeline_pb::Envelope* envelope);
// How many envelopes frames[first..] carry (at least one; Corruption if the
// frames are not [header][body] pairs).
Result<size_t> CountEnvelopes(const Frames& frames, size_t first);
// Parses envelope `index` of frames[first..] (see CountEnvelopes).
Status ParseEnvelopeAt(const Frames& frames, size_t first, size_t index, pipeline_pb::Envelope* envelope);
// The header ("rf1.<payload kind>") of envelope `index` of frames[first..].
std::string_view EnvelopeHeaderAt(const Frames& frames, size_t first, size_t index);

// Appends [header][body] for `head` (an envelope without payload) carrying
// `payload`, the serialized message of payload field `payload_field`
// (e.g. Envelope::kRawDocumentFieldNumber): the same bytes AppendEnvelope
// writes for the whole envelope, without parsing the payload to build it.
void AppendEnvelopeWithPayload(const pipeline_pb::Envelope& head, int payload_field, std::string_view payload,
                               Frames* frames);

// Parses only the routing fields of frames[first..] = [header][body] (an
// Envelope read as EnvelopeHead: the payload is skipped, not parsed);
// `header_out` receives the header ("rf1.<payload kind>").
Status ParseEnvelopeHead(const Frames& frames, size_t first, pipeline_pb::EnvelopeHead* head, std::string* header_out);
// The same for envelope `index` of frames[first..] (see CountEnvelopes).
Status ParseEnvelopeHeadAt(const Frames& frames, size_t first, size_t index, pipeline_pb::EnvelopeHead* head);

// ---- Packed groups: several envelopes in one frame.
//
// ZeroMQ writes a frame of 8 KB or more from the message's own buffer and
// reads it into one, but gathers smaller frames through an 8 KB buffer: one
// system call per 8 KB on each side, and a pipe entry per frame. A group of
// documents of ~6 KB as [header][body] pairs went that way (a 20k batch:
// 73,000 sends, 73,000 receives and 145,000 I/O thread wake-ups; packed:
// 5,300, 5,400 and 12,000); `plumbing_bench --benchmark_filter=GroupOverIpc`:
// 7 µs of CPU per document and hop, packed 2.7 (bench/README.md).
//
// A message [routing...] [rf1.packed] [bytes] stands for the pairs `bytes`
// lists (a serialized pipeline.v1.PackedEnvelopes), in order. Receivers
// never see it: RecvFrames unpacks it.
inline constexpr std::string_view kPackedHeader = "rf1.packed";

// Fills `packed` with frames[0, first) (the routing frames, copied) and one
// [rf1.packed][bytes] pair holding every [header][body] pair of
// frames[first..] and returns true. Returns false, leaving `packed` empty,
// when there are fewer than two pairs or more than kMaxPackedEnvelopes, or
// their bytes would pass `max_frame_bytes` (the receiver's ZMQ_MAXMSGSIZE,
// which bounds each frame):
// then send `frames` as they are. `frames` is left unchanged either way (a
// message that could not be sent keeps its documents).
bool PackEnvelopes(const Frames& frames, size_t first, size_t max_frame_bytes, Frames* packed);
// What to send for the group `frames`: `*packed` when PackEnvelopes packed
// it, else `frames` themselves.
inline Frames& PackedOrAsIs(Frames& frames, size_t first, size_t max_frame_bytes, Frames* packed) {
  return PackEnvelopes(frames, first, max_frame_bytes, packed) ? *packed : frames;
}
// The (header, body) pairs of packed bytes, as views into them; false when
// they do not parse, hold no pair, or more than kMaxPackedEnvelopes (a group
// holds at most a few hundred; a peer's flood of empty entries would make
// each byte pair a message of 64 bytes).
inline constexpr size_t kMaxPackedEnvelopes = size_t{1} << 16;
bool ParsePacked(const zmq::message_t& packed, std::vector<std::pair<std::string_view, std::string_view>>* pairs);

// Generic [header][body] for other messages (control, stream events).
void AppendMessage(std::string_view header, const google::protobuf::MessageLite& msg, Frames* frames);
// Parses frames[first..] = [header][body]; the header must equal `expected_header`
// when it is non-empty. `header_out` (optional) receives the header.
Status ParseMessage(const Frames& frames, size_t first, std::string_view expected_header,
                    google::protobuf::MessageLite* msg, std::string* header_out = nullptr);

// Parses a published stream message, exactly [topic][body] with any
// non-empty topic (topics carry no "rf1." prefix so subscribers can filter by
// kind). `topic_out` (optional) receives the topic.
Status ParseTopicMessage(const Frames& frames, google::protobuf::MessageLite* msg, std::string* topic_out = nullptr);

// Sends all frames as one multipart message. Unavailable when it would block
// (dont_wait) or the peer is unknown (ROUTER_MANDATORY); Cancelled on context shutdown.
// An interrupting signal (EINTR) is not an error: the part is sent again.
Status SendFrames(zmq::socket_t& socket, Frames& frames, bool dont_wait = true);
// Receives one multipart message; returns an empty vector if none is ready
// (dont_wait; also when a signal interrupts it before the first part).
// Cancelled on context shutdown. A message is never returned in part.
// A packed message comes back as the [header][body] pairs it holds: each
// body a view of the packed bytes, not a copy (unparsable packed bytes are
// left as they came, for the caller to count as malformed).
Result<Frames> RecvFrames(zmq::socket_t& socket, bool dont_wait = true);

// A frame's bytes as a string.
inline std::string FrameString(const zmq::message_t& frame) { return frame.to_string(); }

}  // namespace reportflow::messaging
