// A stream event as the publisher sends it: its topic and its serialised
// StreamEvent, built once when the event happens. A group of hundreds of
// events is held and published as bytes, not as messages that each own a copy
// of their document's metadata.
// Thread-safety: plain values; EncodeEvent is a pure function.
#pragma once

#include <cstdint>
#include <string>

#include "reportflow/aggregate/v1/aggregate.pb.h"

namespace reportflow::stream {

struct EncodedEvent {
  uint64_t sequence = 0;
  std::string topic;  // TopicOf(event)
  std::string bytes;  // the StreamEvent, serialised
};

// `event` under its topic (TopicOf), serialised.
EncodedEvent EncodeEvent(const aggregate::v1::StreamEvent& event);

}  // namespace reportflow::stream
