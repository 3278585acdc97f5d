// What aggregate sends a test standing in for ingest: the envelopes of one
// message on a socket (its acknowledgements, store announcements, withdrawals).
#pragma once

#include <zmq.hpp>

#include <chrono>
#include <vector>

#include "common/base/result.h"
#include "common/messaging/codec.h"
#include "reportflow/pipeline/v1/envelope.pb.h"

namespace reportflow::testing {

// Every envelope of the next message on `socket`, waiting up to `wait` for
// it; empty when none came.
inline Result<std::vector<pipeline::v1::Envelope>> RecvEnvelopes(zmq::socket_t& socket,
                                                                  std::chrono::milliseconds wait) {
  std::vector<pipeline::v1::Envelope> out;
  zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
  if (zmq::poll(items, 1, wait) <= 0) return out;
  auto frames = messaging::RecvFrames(socket);
  if (!frames.ok()) return frames.status();
  auto count = messaging::CountEnvelopes(*frames, 0);
  if (!count.ok()) return count.status();
  out.resize(*count);
  for (size_t k = 0; k < *count; ++k) {
    Status s = messaging::ParseEnvelopeAt(*frames, 0, k, &out[k]);
    if (!s.ok()) return s;
  }
  return out;
}

}  // namespace reportflow::testing
