#include "common/messaging/socket_factory.h"

#include <filesystem>

#include "common/base/macros.h"

namespace reportflow::messaging {

Result<zmq::socket_t> SocketFactory::Make(zmq::socket_type type) const {
  try {
    zmq::socket_t socket(*context_, type);
    socket.set(zmq::sockopt::linger, static_cast<int>(limits_.linger_ms()));
    socket.set(zmq::sockopt::sndhwm, static_cast<int>(limits_.send_hwm()));
    socket.set(zmq::sockopt::rcvhwm, static_cast<int>(limits_.recv_hwm()));
    if (limits_.max_message_bytes() > 0) {
      socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(limits_.max_message_bytes()));
    }
    if (type == zmq::socket_type::router) socket.set(zmq::sockopt::router_mandatory, 1);
    // A peer that is not there yet (services start in parallel) is retried
    // after 10 ms, backing off to 1 s while it stays away: ZeroMQ's default
    // 100 ms (plus up to 100 ms of jitter) was the largest part of a start.
    socket.set(zmq::sockopt::reconnect_ivl, 10);
    socket.set(zmq::sockopt::reconnect_ivl_max, 1000);
    return socket;
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("cannot create socket: ") + e.what());
  }
}

Status SocketFactory::Secure(zmq::socket_t& socket, const std::string& endpoint, bool server) const {
  if (!IsTcpEndpoint(endpoint)) return Status::OK();
  if (security_.mode() == "plaintext") return Status::OK();
  if (security_.mode() != "curve") {
    return Status::InvalidArgument("refusing plaintext " + endpoint +
                                   ": set security.mode to curve (with keys), or to plaintext on a trusted network");
  }
  if (!keys_) {
    ASSIGN_OR_RETURN(CurveKeys keys, LoadCurveKeys(security_));
    keys_ = std::move(keys);
  }
  try {
    if (server) {
      if (keys_->allowed.empty()) {
        return Status::InvalidArgument("security: binding " + endpoint +
                                       " with CURVE needs allowed_clients_dir with at least one client key (*.pub)");
      }
      if (zap_ == nullptr) {
        return Status::Internal("security: binding " + endpoint +
                                " with CURVE needs the context's ZAP handler (messaging::ZapHandler::Start)");
      }
      zap_->Allow(keys_->allowed);
      socket.set(zmq::sockopt::curve_server, 1);
      socket.set(zmq::sockopt::curve_secretkey, keys_->secret_key);
      socket.set(zmq::sockopt::zap_domain, "reportflow");
    } else {
      if (keys_->server_public_key.empty()) {
        return Status::InvalidArgument("security: connecting to " + endpoint +
                                       " with CURVE needs server_public_key_file");
      }
      socket.set(zmq::sockopt::curve_serverkey, keys_->server_public_key);
      socket.set(zmq::sockopt::curve_publickey, keys_->public_key);
      socket.set(zmq::sockopt::curve_secretkey, keys_->secret_key);
    }
  } catch (const zmq::error_t& e) {
    return Status::Internal("cannot set CURVE options for " + endpoint + ": " + e.what());
  }
  return Status::OK();
}

Result<zmq::socket_t> SocketFactory::Bind(zmq::socket_type type, const std::string& endpoint) const {
  ASSIGN_OR_RETURN(zmq::socket_t socket, Make(type));
  RETURN_IF_ERROR(Secure(socket, endpoint, /*server=*/true));
  if (endpoint.rfind("ipc://", 0) == 0) {
    const std::filesystem::path path(endpoint.substr(6));
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return Status::IoError("cannot create directory for " + endpoint + ": " + ec.message());
  }
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot bind " + endpoint + ": " + e.what());
  }
  return socket;
}

Result<zmq::socket_t> SocketFactory::Connect(zmq::socket_type type, const std::string& endpoint) const {
  ASSIGN_OR_RETURN(zmq::socket_t socket, Make(type));
  RETURN_IF_ERROR(Secure(socket, endpoint, /*server=*/false));
  try {
    // Not on a subscriber: it sends nothing to queue, and with `immediate`
    // the disconnection (the publisher stopping) ends the pipe it reads
    // from: the messages still queued in it are dropped, and a message whose
    // first part was taken loses the rest (libzmq 4.3 then blocks forever in
    // the receive, or aborts on `!_more` in fq.cpp). Without it, the pipe
    // outlives the connection and a subscriber behind the stream reads what
    // reached it.
    if (type != zmq::socket_type::sub) socket.set(zmq::sockopt::immediate, 1);
    socket.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot connect " + endpoint + ": " + e.what());
  }
  return socket;
}

Result<std::string> LastEndpoint(zmq::socket_t& socket) {
  try {
    return socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("last_endpoint: ") + e.what());
  }
}

}  // namespace reportflow::messaging
