#include "common/stream/encoded_event.h"

#include "common/stream/topics.h"

namespace reportflow::stream {

EncodedEvent EncodeEvent(const aggregate::v1::StreamEvent& event) {
  EncodedEvent out;
  out.sequence = event.sequence();
  out.topic = TopicOf(event);
  event.SerializeToString(&out.bytes);
  return out;
}

}  // namespace reportflow::stream
