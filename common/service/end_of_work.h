// The end of work: ingest's message that nothing more follows on a
// connection, a WorkerReady of 0 credits from producer "ingest". Ingest sends
// it to a worker that withdrew its credit and to every worker when it stops,
// and to aggregate when it stops with nothing in flight; it follows every
// document sent before it on that connection, so the receiver's drain may end
// on it instead of a quiet time (services/ingest/README.md).
// Thread-safety: free functions.
#pragma once

#include <string_view>

#include "reportflow/pipeline/v1/envelope.pb.h"

namespace reportflow::service {

// The end of work for `stage` ("segment", "extract" or "aggregate").
inline pipeline::v1::Envelope EndOfWork(std::string_view stage) {
  pipeline::v1::Envelope env;
  env.set_producer("ingest");
  env.mutable_ready()->set_stage(std::string(stage));
  env.mutable_ready()->set_credits(0);
  env.mutable_ready()->set_replace(true);
  return env;
}

inline bool IsEndOfWork(const pipeline::v1::Envelope& env) {
  return env.payload_case() == pipeline::v1::Envelope::kReady && env.ready().credits() == 0 &&
         env.producer() == "ingest";
}

}  // namespace reportflow::service
