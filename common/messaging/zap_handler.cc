#include "common/messaging/zap_handler.h"

#include <zmq.h>

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/logging/logging.h"

namespace reportflow::messaging {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

struct HandlerState {
  std::mutex mu;
  std::set<std::string> allowed;
  std::vector<DenialCallback> on_denied;
  std::atomic<bool> running{true};
};

std::mutex g_mu;
std::map<void*, std::shared_ptr<HandlerState>> g_handlers;  // by context handle

std::string Z85(const zmq::message_t& key) {
  if (key.size() != 32) return "";
  char out[41] = {};
  zmq_z85_encode(out, static_cast<const uint8_t*>(key.data()), 32);
  return out;
}

void Serve(zmq::socket_t socket, std::shared_ptr<HandlerState> state) {
  auto log = logging::GetLogger("auth");
  while (true) {
    std::vector<zmq::message_t> request;
    try {
      zmq::message_t frame;
      do {
        if (!socket.recv(frame)) break;
        request.push_back(std::move(frame));
        frame = zmq::message_t();
      } while (request.back().more());
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      break;  // ETERM: the context is shutting down
    }
    if (request.size() < 6) continue;  // not a ZAP request; REP needs a reply only for well-formed ones
    const std::string version = request[0].to_string();
    const std::string mechanism = request[5].to_string();
    const std::string address = request[3].to_string();
    std::string key = mechanism == "CURVE" && request.size() >= 7 ? Z85(request[6]) : "";
    bool allowed = false;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      allowed = version == "1.0" && !key.empty() && state->allowed.count(key) > 0;
      if (!allowed) {
        for (const auto& cb : state->on_denied) {
          if (cb) cb();
        }
      }
    }
    if (!allowed) {
      log->warn("denied {} connection from {} (client key {})", mechanism, address.empty() ? "?" : address,
                key.empty() ? "none" : key);
    }
    try {
      socket.send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
      socket.send(request[1], zmq::send_flags::sndmore);
      socket.send(zmq::buffer(std::string(allowed ? "200" : "400")), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(std::string(allowed ? "OK" : "client key not allowed")), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(allowed ? key : std::string()), zmq::send_flags::sndmore);
      socket.send(zmq::message_t(), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
      break;
    }
  }
  state->running = false;
}

}  // namespace

Status EnsureZapHandler(zmq::context_t* context, const std::set<std::string>& allowed, DenialCallback on_denied) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto& slot = g_handlers[context->handle()];
  if (slot && slot->running) {
    std::lock_guard<std::mutex> state_lock(slot->mu);
    slot->allowed.insert(allowed.begin(), allowed.end());
    if (on_denied) slot->on_denied.push_back(std::move(on_denied));
    return Status::OK();
  }
  auto state = std::make_shared<HandlerState>();
  state->allowed = allowed;
  if (on_denied) state->on_denied.push_back(std::move(on_denied));
  try {
    zmq::socket_t socket(*context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(kZapEndpoint);
    std::thread(Serve, std::move(socket), state).detach();
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("cannot start the ZAP handler: ") + e.what());
  }
  slot = std::move(state);
  return Status::OK();
}

}  // namespace reportflow::messaging
