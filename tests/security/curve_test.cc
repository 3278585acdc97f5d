// CURVE on tcp:// through SocketFactory: allow-listed clients talk both ways;
// a client with an unknown key, or a plaintext client, neither receives nor
// delivers anything, and the denial is counted. Real sockets on ephemeral
// loopback ports; every wait is for a condition, with a deadline.
#include <zmq.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/messaging/codec.h"
#include "common/messaging/handshake_retry.h"
#include "common/messaging/socket_factory.h"
#include "common/messaging/zap_handler.h"
#include "tests/testing/curve_key_pair.h"
#include "tests/testing/test_util.h"

namespace reportflow::messaging {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDeadline = std::chrono::seconds(10);

using KeyPair = testing::CurveKeyPair;
using testing::NewCurveKeyPair;

class CurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "clients");
    server_ = NewCurveKeyPair();
    client_ = NewCurveKeyPair();
    stranger_ = NewCurveKeyPair();
    Write("server.key", server_.secret_key);
    Write("server.pub", server_.public_key);
    Write("client.key", client_.secret_key);
    Write("clients/client.pub", client_.public_key);
    Write("stranger.key", stranger_.secret_key);
    limits_.set_linger_ms(0);
    limits_.set_send_hwm(1000);
    limits_.set_recv_hwm(1000);
    limits_.set_max_message_bytes(1 << 20);
    auto zap = ZapHandler::Start(&server_ctx_, [this] { ++denied_callbacks_; });
    ASSERT_OK(zap.status());
    zap_ = std::move(zap).value();
  }

  // Secret keys (*.key) mode 0600, as keygen writes them: the loader refuses others.
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text << "\n";
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".key") == 0) {
      std::filesystem::permissions(dir_ / name, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
  }

  config::v1::Security Curve(const std::string& key_name) const {
    config::v1::Security s;
    s.set_mode("curve");
    s.set_key_file((dir_ / (key_name + ".key")).string());
    s.set_server_public_key_file((dir_ / "server.pub").string());
    s.set_allowed_clients_dir((dir_ / "clients").string());
    return s;
  }
  config::v1::Security Plaintext() const {
    config::v1::Security s;
    s.set_mode("plaintext");
    return s;
  }

  // Binds a CURVE server socket on an ephemeral port; returns its endpoint.
  std::string BindServer(zmq::socket_type type, zmq::socket_t* out) {
    SocketFactory factory(&server_ctx_, limits_, Curve("server"), zap_.get());
    auto s = factory.Bind(type, "tcp://127.0.0.1:*");
    EXPECT_OK(s.status());
    *out = std::move(s).value();
    auto ep = LastEndpoint(*out);
    EXPECT_OK(ep.status());
    return *ep;
  }

  zmq::socket_t ConnectAs(zmq::context_t* ctx, const config::v1::Security& security, zmq::socket_type type,
                          const std::string& endpoint) {
    config::v1::Limits l = limits_;
    auto s = SocketFactory(ctx, l, security).Connect(type, endpoint);
    EXPECT_OK(s.status());
    return std::move(s).value();
  }

  static bool Readable(zmq::socket_t& s, std::chrono::milliseconds wait) {
    zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
    return zmq::poll(items, 1, wait) > 0;
  }

  static void Send(zmq::socket_t& s, const std::string& text) {
    Frames frames;
    frames.emplace_back(text.data(), text.size());
    // Without ZMQ_IMMEDIATE's peer the send would block; a pending
    // handshake still accepts it into the queue (or refuses: both are fine).
    (void)SendFrames(s, frames, /*dont_wait=*/true);
  }

  // Waits until the ZAP handler has denied `n` connections.
  void AwaitDenials(uint64_t n) {
    ASSERT_TRUE(zap_->AwaitDenied(n, kDeadline)) << "only " << zap_->denied() << " denials were reported";
    EXPECT_GE(denied_callbacks_.load(), n);  // the service's counter saw each denial
  }

  testing::TempDir dir_;
  KeyPair server_, client_, stranger_;
  config::v1::Limits limits_;
  std::atomic<uint64_t> denied_callbacks_{0};
  zmq::context_t server_ctx_, client_ctx_;
  std::unique_ptr<ZapHandler> zap_;  // server_ctx_'s handler: stopped (destroyed) before the contexts
};

TEST_F(CurveTest, AllowedClientTalksBothWays) {
  zmq::socket_t server;
  const std::string ep = BindServer(zmq::socket_type::router, &server);
  zmq::socket_t client = ConnectAs(&client_ctx_, Curve("client"), zmq::socket_type::dealer, ep);
  const auto end = Clock::now() + kDeadline;
  // ZMQ_IMMEDIATE: the first sends may find no completed connection yet.
  while (!Readable(server, std::chrono::milliseconds(20))) {
    ASSERT_LT(Clock::now(), end) << "an allowed client could not reach the server";
    Send(client, "hello");
  }
  auto frames = RecvFrames(server);
  ASSERT_OK(frames.status());
  ASSERT_EQ(frames->size(), 2u);
  EXPECT_EQ((*frames)[1].to_string(), "hello");
  Frames reply;
  reply.push_back(std::move((*frames)[0]));
  reply.emplace_back(std::string("welcome"));
  ASSERT_OK(SendFrames(server, reply, false));
  ASSERT_TRUE(Readable(client, std::chrono::milliseconds(5000)));
  auto back = RecvFrames(client);
  ASSERT_OK(back.status());
  EXPECT_EQ((*back)[0].to_string(), "welcome");
  EXPECT_EQ(zap_->denied(), 0u);
}

TEST_F(CurveTest, UnknownKeyNeitherDeliversNorReceivesAndIsCounted) {
  zmq::socket_t pull, pub;
  const std::string pull_ep = BindServer(zmq::socket_type::pull, &pull);
  const std::string pub_ep = BindServer(zmq::socket_type::pub, &pub);
  zmq::socket_t intruder = ConnectAs(&client_ctx_, Curve("stranger"), zmq::socket_type::push, pull_ep);
  zmq::socket_t eavesdropper = ConnectAs(&client_ctx_, Curve("stranger"), zmq::socket_type::sub, pub_ep);
  eavesdropper.set(zmq::sockopt::subscribe, "");
  zmq::socket_t reader = ConnectAs(&client_ctx_, Curve("client"), zmq::socket_type::sub, pub_ep);
  reader.set(zmq::sockopt::subscribe, "");
  Send(intruder, "forged result");
  AwaitDenials(2);  // both connections of the stranger were refused
  // The allowed subscriber receives what is published; the stranger nothing.
  const auto end = Clock::now() + kDeadline;
  while (!Readable(reader, std::chrono::milliseconds(20))) {
    ASSERT_LT(Clock::now(), end) << "the allowed subscriber received nothing";
    Send(pub, "metric");
  }
  EXPECT_FALSE(Readable(eavesdropper, std::chrono::milliseconds(200)));
  EXPECT_FALSE(Readable(pull, std::chrono::milliseconds(200)));
}

// A key refused once is never tried again by libzmq 4.3; HandshakeRetry
// connects again after its backoff, so a client whose key is allowed later
// (its .pub added, the server's allow-list reloaded) gets in.
TEST_F(CurveTest, AClientRefusedOnceIsLetInAfterItsKeyIsAllowed) {
  zmq::socket_t pull;
  const std::string ep = BindServer(zmq::socket_type::pull, &pull);
  zmq::socket_t late = ConnectAs(&client_ctx_, Curve("stranger"), zmq::socket_type::push, ep);
  std::vector<std::string> refusals;
  auto retry = HandshakeRetry::Watch(&client_ctx_, &late, ep,
                                     [&](const std::string&, const std::string& reason, int64_t retry_in_ms) {
                                       refusals.push_back(reason);
                                       EXPECT_EQ(retry_in_ms, HandshakeRetry::kFirstBackoffMillis);
                                     });
  ASSERT_OK(retry.status());
  AwaitDenials(1);
  // The refusal reaches the monitor: Service() reports it and waits out the backoff.
  ASSERT_TRUE(Readable((*retry)->events(), std::chrono::milliseconds(10000)));
  ASSERT_OK((*retry)->Service(0));
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_NE(refusals[0].find("refused our key"), std::string::npos) << refusals[0];
  ASSERT_OK((*retry)->Service(HandshakeRetry::kFirstBackoffMillis - 1));
  EXPECT_EQ((*retry)->retries(), 0u);

  zap_->Allow({stranger_.public_key});  // the key is allowed now
  ASSERT_OK((*retry)->Service(HandshakeRetry::kFirstBackoffMillis));
  EXPECT_EQ((*retry)->retries(), 1u);
  late.set(zmq::sockopt::sndtimeo, 10000);
  Frames frames;
  frames.emplace_back(std::string("late but allowed"));
  ASSERT_OK(SendFrames(late, frames, /*dont_wait=*/false));  // blocks until the new connection is up
  ASSERT_TRUE(Readable(pull, std::chrono::milliseconds(10000)));
  auto got = RecvFrames(pull);
  ASSERT_OK(got.status());
  EXPECT_EQ((*got)[0].to_string(), "late but allowed");
  EXPECT_EQ(zap_->denied(), 1u);
}

// What each service does with the sockets it connects (workers, aggregate's
// acknowledgements, ingest's withdrawals): tcp:// ones are watched, the others
// have no handshake to fail.
TEST_F(CurveTest, AServiceWatchesItsTcpConnectionsAndConnectsARefusedOneAgain) {
  zmq::socket_t pull;
  const std::string ep = BindServer(zmq::socket_type::pull, &pull);
  zmq::socket_t late = ConnectAs(&client_ctx_, Curve("stranger"), zmq::socket_type::push, ep);
  zmq::socket_t local(client_ctx_, zmq::socket_type::push);
  std::vector<std::string> refused;
  HandshakeRetries retries(&client_ctx_, [&](const std::string& where, const std::string&, int64_t) {
    refused.push_back(where);
  });
  ASSERT_OK(retries.Watch(&local, "inproc://curve-test-local"));
  EXPECT_EQ(retries.watched(), 0u);
  ASSERT_OK(retries.Watch(&late, ep));
  ASSERT_EQ(retries.watched(), 1u);
  AwaitDenials(1);
  ASSERT_TRUE(Readable(retries.at(0).events(), std::chrono::milliseconds(10000)));
  ASSERT_OK(retries.Service(0));
  ASSERT_EQ(refused, std::vector<std::string>{ep});

  zap_->Allow({stranger_.public_key});
  ASSERT_OK(retries.Service(HandshakeRetry::kFirstBackoffMillis));
  EXPECT_EQ(retries.at(0).retries(), 1u);
  late.set(zmq::sockopt::sndtimeo, 10000);
  Frames frames;
  frames.emplace_back(std::string("in at last"));
  ASSERT_OK(SendFrames(late, frames, /*dont_wait=*/false));
  ASSERT_TRUE(Readable(pull, std::chrono::milliseconds(10000)));
  auto got = RecvFrames(pull);
  ASSERT_OK(got.status());
  EXPECT_EQ((*got)[0].to_string(), "in at last");
}

TEST_F(CurveTest, PlaintextClientGetsNothingFromACurveSocket) {
  zmq::socket_t pull, pub;
  const std::string pull_ep = BindServer(zmq::socket_type::pull, &pull);
  const std::string pub_ep = BindServer(zmq::socket_type::pub, &pub);
  zmq::socket_t plain_push = ConnectAs(&client_ctx_, Plaintext(), zmq::socket_type::push, pull_ep);
  zmq::socket_t plain_sub = ConnectAs(&client_ctx_, Plaintext(), zmq::socket_type::sub, pub_ep);
  plain_sub.set(zmq::sockopt::subscribe, "");
  zmq::socket_t reader = ConnectAs(&client_ctx_, Curve("client"), zmq::socket_type::sub, pub_ep);
  reader.set(zmq::sockopt::subscribe, "");
  const auto end = Clock::now() + kDeadline;
  while (!Readable(reader, std::chrono::milliseconds(20))) {
    ASSERT_LT(Clock::now(), end) << "the allowed subscriber received nothing";
    Send(pub, "metric");
    Send(plain_push, "unencrypted result");
  }
  EXPECT_FALSE(Readable(plain_sub, std::chrono::milliseconds(200)));
  EXPECT_FALSE(Readable(pull, std::chrono::milliseconds(200)));
}

TEST_F(CurveTest, MissingOrBadKeysAreClearErrors) {
  zmq::context_t ctx;
  config::v1::Security s = Curve("client");
  s.set_key_file((dir_ / "nope.key").string());
  auto r = SocketFactory(&ctx, limits_, s).Connect(zmq::socket_type::dealer, "tcp://127.0.0.1:1");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("nope.key"), std::string::npos) << r.status().message();
  Write("bad.key", "not a key");
  s.set_key_file((dir_ / "bad.key").string());
  r = SocketFactory(&ctx, limits_, s).Connect(zmq::socket_type::dealer, "tcp://127.0.0.1:1");
  EXPECT_NE(r.status().message().find("not a Z85 CURVE key"), std::string::npos) << r.status().message();
  // A secret key others can read is refused, with the command that fixes it (issue 19).
  s = Curve("client");
  std::filesystem::permissions(dir_ / "client.key", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  r = SocketFactory(&ctx, limits_, s).Connect(zmq::socket_type::dealer, "tcp://127.0.0.1:1");
  EXPECT_NE(r.status().message().find("accessible by group or others (mode 0604); make it private to its owner: "
                                      "chmod 600 " + (dir_ / "client.key").string()),
            std::string::npos)
      << r.status().message();
  std::filesystem::permissions(dir_ / "client.key", std::filesystem::perms::others_read, std::filesystem::perm_options::remove);
  // A server needs an allow-list.
  s = Curve("server");
  s.set_allowed_clients_dir((dir_ / "empty").string());
  r = SocketFactory(&ctx, limits_, s).Bind(zmq::socket_type::router, "tcp://127.0.0.1:*");
  EXPECT_NE(r.status().message().find("allowed_clients_dir"), std::string::npos) << r.status().message();
  // ipc:// needs no keys at all.
  EXPECT_OK(SocketFactory(&ctx, limits_, s).Bind(zmq::socket_type::pull, "ipc://" + (dir_ / "x.sock").string()).status());
}

TEST_F(CurveTest, CurveServerWithoutAZapHandlerIsRefused) {
  zmq::context_t ctx;
  auto r = SocketFactory(&ctx, limits_, Curve("server")).Bind(zmq::socket_type::router, "tcp://127.0.0.1:*");
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("ZAP handler"), std::string::npos) << r.status().message();
}

TEST_F(CurveTest, OneHandlerPerContext) {
  auto second = ZapHandler::Start(&server_ctx_);
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists) << second.status().ToString();
}

// Stop() ends the handler before the context terminates: the context closes
// without hanging, and the ZAP endpoint is free again (a new handler binds it).
TEST_F(CurveTest, HandlerStopsCleanlyBeforeTheContextTerminates) {
  zmq::context_t ctx;
  auto zap = ZapHandler::Start(&ctx);
  ASSERT_OK(zap.status());
  config::v1::Security server = Curve("server");
  auto bound = SocketFactory(&ctx, limits_, server, zap->get()).Bind(zmq::socket_type::pull, "tcp://127.0.0.1:*");
  ASSERT_OK(bound.status());
  zmq::socket_t pull = std::move(bound).value();
  auto ep = LastEndpoint(pull);
  ASSERT_OK(ep.status());
  zmq::socket_t push = ConnectAs(&client_ctx_, Curve("client"), zmq::socket_type::push, *ep);
  const auto end = Clock::now() + kDeadline;
  while (!Readable(pull, std::chrono::milliseconds(20))) {
    ASSERT_LT(Clock::now(), end) << "an allowed client could not reach the server";
    Send(push, "result");
  }
  pull.close();
  (*zap)->Stop();
  (*zap)->Stop();  // idempotent
  auto again = ZapHandler::Start(&ctx);
  ASSERT_OK(again.status());
  (*again)->Stop();
  ctx.close();  // returns: no socket of the handler keeps the context open
}

// Plaintext ipc:// sockets in a context with a handler are not authenticated
// (no ZAP domain): a process can mix CURVE tcp:// and ipc:// endpoints.
TEST_F(CurveTest, IpcSocketsBesideAHandlerStayUnauthenticated) {
  SocketFactory factory(&server_ctx_, limits_, Curve("server"), zap_.get());
  auto bound = factory.Bind(zmq::socket_type::pull, "ipc://" + (dir_ / "local.sock").string());
  ASSERT_OK(bound.status());
  zmq::socket_t push = ConnectAs(&client_ctx_, Plaintext(), zmq::socket_type::push, "ipc://" + (dir_ / "local.sock").string());
  const auto end = Clock::now() + kDeadline;
  while (!Readable(*bound, std::chrono::milliseconds(20))) {
    ASSERT_LT(Clock::now(), end) << "a local ipc:// client could not reach the socket";
    Send(push, "local");
  }
  EXPECT_EQ(zap_->denied(), 0u);
}

}  // namespace
}  // namespace reportflow::messaging
