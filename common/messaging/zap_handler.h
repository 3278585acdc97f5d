// ZapHandler: the ZAP (ZeroMQ RFC 27) authentication handler of a context.
// CURVE server sockets ask it about every connecting peer; it allows only the
// client public keys in the allow-list (mechanism CURVE), denies everything
// else with status 400, logs each denial with the key and the peer address,
// and reports it through `on_denied` (services count it in
// reportflow_auth_denied_total).
//
// Ownership and lifecycle: the owner of a context that binds CURVE server
// sockets owns one ZapHandler for it (it binds inproc://zeromq.zap.01, so a
// context has at most one). Start() binds the handler socket and starts its
// thread; Stop() (idempotent, also run by the destructor) wakes the thread,
// which closes its sockets, and joins it. Order: Start before the first CURVE
// server socket is bound; close the CURVE server sockets, then Stop, then
// terminate the context. libzmq 4.3 (without the draft ZMQ_ZAP_ENFORCE_DOMAIN)
// lets any client that knows the server key in when no handler is bound, so a
// CURVE server socket must never outlive its handler. The handler keeps
// answering until Stop: a malformed request gets a 500 reply, never a dead
// thread.
//
// Thread-safety: Allow(), denied() and AwaitDenied() may be called from any
// thread; Stop() from any one thread at a time. `on_denied` runs on the
// handler's thread and is never called after Stop() returns.
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/base/result.h"

namespace reportflow::messaging {

// Called on the handler's thread for every denied connection.
using DenialCallback = std::function<void()>;

class ZapHandler {
 public:
  // Binds the ZAP endpoint in `context` and starts the handler thread. The
  // allow-list starts empty (everything is denied until Allow()). Fails if the
  // context has a handler already. `context` must outlive the handler.
  static Result<std::unique_ptr<ZapHandler>> Start(zmq::context_t* context, DenialCallback on_denied = nullptr);

  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;
  ~ZapHandler();

  // Adds client public keys (Z85, 40 characters) to the allow-list.
  void Allow(const std::set<std::string>& keys);

  // Stops answering: wakes the thread, which closes its sockets, and joins it.
  void Stop();

  // Connections denied so far.
  uint64_t denied() const { return denied_.load(); }
  // Waits until at least `n` connections were denied; false on timeout.
  bool AwaitDenied(uint64_t n, std::chrono::milliseconds timeout) const;

 private:
  ZapHandler(DenialCallback on_denied) : on_denied_(std::move(on_denied)) {}
  void Serve(zmq::socket_t zap, zmq::socket_t wake);
  // Returns the reply status ("200", "400" or "500") for one request.
  std::string Decide(const std::vector<zmq::message_t>& request, std::string* user_id);

  DenialCallback on_denied_;
  std::mutex mu_;
  std::set<std::string> allowed_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> denied_{0};
  mutable std::mutex denied_mu_;
  mutable std::condition_variable denied_cv_;
  std::mutex stop_mu_;
  std::unique_ptr<zmq::socket_t> stop_;  // GUARDED_BY(stop_mu_): the caller's end of the wake pair
  std::thread thread_;
};

}  // namespace reportflow::messaging
