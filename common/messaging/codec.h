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
Result<Frames> RecvFrames(zmq::socket_t& socket, bool dont_wait = true);

// A frame's bytes as a string.
inline std::string FrameString(const zmq::message_t& frame) { return frame.to_string(); }

}  // namespace reportflow::messaging
