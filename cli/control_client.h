// ControlClient: operator requests to the ingest service (REQ, "lazy pirate":
// a request that times out closes the socket and the next call reconnects).
// Thread-safety: one thread per client.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "common/base/result.h"
#include "reportflow/config/v1/config.pb.h"
#include "reportflow/pipeline/v1/control.pb.h"

namespace reportflow::cli {

class ControlClient {
 public:
  ControlClient(std::string endpoint, config::v1::Limits limits, config::v1::Security security = {});
  ~ControlClient();
  // Sends `request` and waits up to `timeout` for the reply. DeadlineExceeded
  // when no reply came; the error text of a reply becomes an InvalidArgument.
  Result<pipeline::v1::ControlResponse> Call(const pipeline::v1::ControlRequest& request,
                                             std::chrono::milliseconds timeout);

 private:
  std::string endpoint_;
  config::v1::Limits limits_;
  config::v1::Security security_;
  zmq::context_t context_;
  std::unique_ptr<zmq::socket_t> socket_;
};

}  // namespace reportflow::cli
