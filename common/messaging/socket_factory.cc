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
    return socket;
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("cannot create socket: ") + e.what());
  }
}

Result<zmq::socket_t> SocketFactory::Bind(zmq::socket_type type, const std::string& endpoint) const {
  ASSIGN_OR_RETURN(zmq::socket_t socket, Make(type));
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
  try {
    socket.set(zmq::sockopt::immediate, 1);
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
