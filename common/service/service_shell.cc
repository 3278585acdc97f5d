#include "common/service/service_shell.h"

#include <filesystem>

#include "common/base/macros.h"

namespace reportflow::service {

Result<std::unique_ptr<ServiceShell>> ServiceShell::Create(const config::v1::PipelineConfig& config,
                                                           const ShellOptions& options) {
  std::unique_ptr<ServiceShell> shell(new ServiceShell());
  shell->security_ = config.security();
  metrics::EndpointOptions http;
  http.service = options.service;
  http.instance = options.instance;
  http.listen = options.http_listen;
  http.run_dir = (std::filesystem::path(config.data_dir()) / "run").string();
  ASSIGN_OR_RETURN(shell->endpoint_, metrics::ServiceEndpoint::Start(http));
  ASSIGN_OR_RETURN(shell->loop_, EventLoop::Create());
  metrics::ServiceEndpoint* endpoint = shell->endpoint_.get();
  shell->loop_->OnBeat([endpoint] { endpoint->Beat(); });
  metrics::Counter* auth_denied = &shell->registry().GetCounter(
      "reportflow_auth_denied_total", "Connections refused by CURVE authentication (key not in the allow-list).");
  if (options.binds && config.security().mode() == "curve") {
    ASSIGN_OR_RETURN(shell->zap_,
                     messaging::ZapHandler::Start(&shell->context_, [auth_denied] { auth_denied->Inc(); }));
  }
  shell->factory_ = std::make_unique<messaging::SocketFactory>(&shell->context_, config.limits(), config.security(),
                                                               shell->zap_.get());
  return shell;
}

ServiceShell::~ServiceShell() {
  if (zap_) zap_->Stop();
}

messaging::SocketFactory ServiceShell::SocketsWith(const config::v1::Limits& limits) {
  return messaging::SocketFactory(&context_, limits, security_, zap_.get());
}

void ServiceShell::Fail(const Status& error) {
  endpoint_->SetReady(false, error.message());
  loop_->Fail(error);
}

void ServiceShell::Shutdown() {
  endpoint_->SetStopping();
  loop_->Stop();
}

messaging::HandshakeRetry::FailureLog LogRefusedHandshakes(std::shared_ptr<spdlog::logger> log) {
  return [log = std::move(log)](const std::string& where, const std::string& reason, int64_t retry_in_ms) {
    log->warn("connection to {} refused: {}; trying again in {} ms", where, reason, retry_in_ms);
  };
}

}  // namespace reportflow::service
