#include "common/messaging/zap_handler.h"

#include <zmq.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "common/logging/logging.h"
#include "common/messaging/codec.h"

namespace reportflow::messaging {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

std::string Z85(const zmq::message_t& key) {
  if (key.size() != 32) return "";
  char out[41] = {};
  zmq_z85_encode(out, static_cast<const uint8_t*>(key.data()), 32);
  return out;
}

}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::Start(zmq::context_t* context, DenialCallback on_denied) {
  std::unique_ptr<ZapHandler> handler(new ZapHandler(std::move(on_denied)));
  try {
    zmq::socket_t zap(*context, zmq::socket_type::rep);
    zap.set(zmq::sockopt::linger, 0);
    try {
      zap.bind(kZapEndpoint);
    } catch (const zmq::error_t& e) {
      if (e.num() == EADDRINUSE) {
        return Status::AlreadyExists("this context has a ZAP handler already (inproc://zeromq.zap.01 is bound)");
      }
      throw;
    }
    // The handler thread waits on the ZAP socket and on this pair; Stop() writes to it.
    const std::string wake_endpoint =
        "inproc://reportflow.zap-wake." + std::to_string(reinterpret_cast<uintptr_t>(handler.get()));
    zmq::socket_t wake(*context, zmq::socket_type::pair);
    wake.set(zmq::sockopt::linger, 0);
    wake.bind(wake_endpoint);
    handler->stop_ = std::make_unique<zmq::socket_t>(*context, zmq::socket_type::pair);
    handler->stop_->set(zmq::sockopt::linger, 0);
    handler->stop_->connect(wake_endpoint);
    // Thread creation is a full memory barrier: the sockets migrate to the new thread.
    handler->thread_ = std::thread(&ZapHandler::Serve, handler.get(), std::move(zap), std::move(wake));
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("cannot start the ZAP handler: ") + e.what());
  }
  return handler;
}

ZapHandler::~ZapHandler() { Stop(); }

void ZapHandler::Allow(const std::set<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  allowed_.insert(keys.begin(), keys.end());
}

void ZapHandler::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stop_) {
    try {
      stop_->send(zmq::str_buffer("stop"), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // ETERM: the context is terminating (the owner broke the order), and the
      // thread sees ETERM too and ends by itself.
    }
  }
  if (thread_.joinable()) thread_.join();
  stop_.reset();
}

bool ZapHandler::AwaitDenied(uint64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(denied_mu_);
  return denied_cv_.wait_for(lock, timeout, [&] { return denied_.load() >= n; });
}

std::string ZapHandler::Decide(const std::vector<zmq::message_t>& request, std::string* user_id) {
  // RFC 27 request: version, request id, domain, address, identity, mechanism, credentials...
  if (request.size() < 6 || request[0].to_string_view() != "1.0") return "500";
  if (request[5].to_string_view() != "CURVE" || request.size() != 7) return "400";
  const std::string key = Z85(request[6]);
  std::lock_guard<std::mutex> lock(mu_);
  if (key.empty() || allowed_.count(key) == 0) return "400";
  *user_id = key;
  return "200";
}

void ZapHandler::Serve(zmq::socket_t zap, zmq::socket_t wake) {
  auto log = logging::GetLogger("auth");
  zmq::pollitem_t items[] = {{zap.handle(), 0, ZMQ_POLLIN, 0}, {wake.handle(), 0, ZMQ_POLLIN, 0}};
  while (true) {
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      break;  // ETERM
    }
    if (items[1].revents & ZMQ_POLLIN) break;  // Stop()
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    auto received = RecvFrames(zap);  // whole, or nothing (a signal retries the rest)
    if (received.status().code() == StatusCode::kCancelled) break;  // ETERM
    if (!received.ok()) {
      log->error("ZAP handler: receiving a request failed: {}", received.status().ToString());
      continue;
    }
    const Frames& request = *received;
    if (request.empty()) continue;
    std::string user_id;
    const std::string status = Decide(request, &user_id);
    if (status != "200") {
      const std::string mechanism = request.size() > 5 ? request[5].to_string() : "?";
      const std::string address = request.size() > 3 ? request[3].to_string() : "";
      const std::string key = mechanism == "CURVE" && request.size() > 6 ? Z85(request[6]) : "";
      log->warn("denied {} connection from {} (client key {})", mechanism, address.empty() ? "?" : address,
                key.empty() ? "none" : key);
      if (on_denied_) on_denied_();  // before the count: AwaitDenied(n) returns after n callbacks
      {
        std::lock_guard<std::mutex> lock(denied_mu_);
        denied_.fetch_add(1);
      }
      denied_cv_.notify_all();
    }
    // REP: every request gets exactly one reply, or the socket refuses the next one.
    const std::string request_id = request.size() > 1 ? request[1].to_string() : "";
    const std::string text = status == "200" ? "OK" : status == "400" ? "client key not allowed" : "malformed request";
    Frames reply;
    for (const std::string& part : {std::string("1.0"), request_id, status, text, user_id, std::string()}) {
      reply.emplace_back(part.data(), part.size());
    }
    const Status sent = SendFrames(zap, reply, /*dont_wait=*/false);
    if (sent.code() == StatusCode::kCancelled) break;  // ETERM
    if (!sent.ok()) log->error("ZAP handler: replying failed: {}", sent.ToString());
  }
  // Unbinding inproc:// is synchronous (closing alone frees the name later, in
  // libzmq's reaper): once Stop() returns, a new handler can bind it.
  try {
    zap.unbind(kZapEndpoint);
  } catch (const zmq::error_t&) {
    // ETERM: the context is terminating anyway
  }
  // The sockets close here, before the owner terminates the context.
}

}  // namespace reportflow::messaging
