// ServiceShell: what every service holds besides its own sockets and logic —
// the ZeroMQ context, the operator endpoint (/metrics, /healthz, /readyz), the
// ZAP handler for CURVE (security.mode curve), the socket factory, and the
// event loop — with one idempotent, async-signal-safe Shutdown().
//
// Teardown order: the service closes its sockets first (declare the shell
// before them, so it outlives them), then the shell stops the ZAP handler
// (it counts denials in the endpoint's registry), the endpoint and the context.
//
// Thread-safety: as EventLoop; Shutdown() from any thread or a signal handler.
#pragma once

#include <memory>
#include <string>
#include <zmq.hpp>

#include <spdlog/spdlog.h>

#include "common/base/result.h"
#include "common/messaging/handshake_retry.h"
#include "common/messaging/socket_factory.h"
#include "common/messaging/zap_handler.h"
#include "common/metrics/service_endpoint.h"
#include "common/service/event_loop.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::service {

struct ShellOptions {
  std::string service;      // ingest, segment, extract, aggregate
  std::string instance;     // ingest, segment-0, ...
  std::string http_listen;  // the service's http_listen
  bool binds = true;        // false: it only connects, so it needs no ZAP handler
};

class ServiceShell {
 public:
  static Result<std::unique_ptr<ServiceShell>> Create(const config::v1::PipelineConfig& config,
                                                      const ShellOptions& options);
  ~ServiceShell();

  zmq::context_t& context() { return context_; }
  metrics::ServiceEndpoint& endpoint() { return *endpoint_; }
  metrics::Registry& registry() { return endpoint_->registry(); }
  EventLoop& loop() { return *loop_; }
  // Sockets with the config's limits and security.
  const messaging::SocketFactory& sockets() const { return *factory_; }
  // A factory with other limits (e.g. a larger send queue), same security.
  messaging::SocketFactory SocketsWith(const config::v1::Limits& limits);

  // Stops the loop and turns readiness to "shutting down". Idempotent, async-signal-safe.
  void Shutdown();
  // Stops the loop with `error` (Run() returns it) and shows it on /readyz,
  // e.g. "no space left on <path>". Loop thread only.
  void Fail(const Status& error);

 private:
  ServiceShell() = default;
  config::v1::Security security_;
  zmq::context_t context_;
  std::unique_ptr<metrics::ServiceEndpoint> endpoint_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<messaging::ZapHandler> zap_;
  std::unique_ptr<messaging::SocketFactory> factory_;
};

// How a service logs a connection whose handshake was refused, for
// messaging::HandshakeRetries (each service watches the sockets it connects).
messaging::HandshakeRetry::FailureLog LogRefusedHandshakes(std::shared_ptr<spdlog::logger> log);

}  // namespace reportflow::service
