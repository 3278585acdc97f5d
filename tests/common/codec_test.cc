#include "common/messaging/codec.h"

#include <signal.h>
#include <sys/time.h>

#include <thread>

#include "common/messaging/socket_factory.h"
#include "tests/testing/test_util.h"

namespace reportflow::messaging {
namespace {

TEST(CodecTest, EnvelopeRoundTripsThroughFrames) {
  pipeline_pb::Envelope env;
  env.set_doc_id("abc");
  env.set_attempt(2);
  env.mutable_raw_document()->set_text("调解矛盾纠纷90余件");
  Frames frames;
  AppendEnvelope(env, &frames);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].to_string(), "rf1.raw_document");
  pipeline_pb::Envelope back;
  ASSERT_OK(ParseEnvelope(frames, 0, &back));
  EXPECT_EQ(back.raw_document().text(), env.raw_document().text());
  EXPECT_EQ(back.attempt(), 2u);
}

TEST(CodecTest, SeveralEnvelopesTravelInOneMessage) {
  Frames frames;
  frames.emplace_back("worker-1", 8);  // a routing frame
  for (int i = 0; i < 3; ++i) {
    pipeline_pb::Envelope env;
    env.set_doc_id("d" + std::to_string(i));
    env.set_attempt(1);
    if (i == 1) {
      env.mutable_ready()->set_credits(2);
    } else {
      env.mutable_raw_document()->set_text("text " + std::to_string(i));
    }
    AppendEnvelope(env, &frames);
  }
  ASSERT_OK_AND_ASSIGN(size_t n, CountEnvelopes(frames, 1));
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(EnvelopeHeaderAt(frames, 1, 1), "rf1.ready");
  pipeline_pb::Envelope back;
  ASSERT_OK(ParseEnvelopeAt(frames, 1, 2, &back));
  EXPECT_EQ(back.doc_id(), "d2");
  EXPECT_EQ(back.raw_document().text(), "text 2");
  pipeline_pb::EnvelopeHead head;
  ASSERT_OK(ParseEnvelopeHeadAt(frames, 1, 0, &head));
  EXPECT_EQ(head.doc_id(), "d0");
  EXPECT_EQ(ParseEnvelopeAt(frames, 1, 3, &back).code(), StatusCode::kCorruption) << "past the last envelope";
  EXPECT_EQ(ParseEnvelope(frames, 1, &back).code(), StatusCode::kCorruption) << "not exactly one envelope";
  frames.pop_back();  // a header without its body
  EXPECT_EQ(CountEnvelopes(frames, 1).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(CountEnvelopes(frames, 7).status().code(), StatusCode::kCorruption);
}

TEST(CodecTest, EnvelopeHeadReadsTheRoutingFieldsAndStepsOverThePayload) {
  pipeline_pb::Envelope env;
  env.set_doc_id("doc-7");
  env.set_batch_id("b1");
  env.set_attempt(3);
  env.set_trace_id("t-7");
  env.mutable_produced_at()->set_seconds(1700000000);
  env.set_producer("segment");
  env.mutable_raw_document()->set_text(std::string(5000, 'x'));
  Frames frames;
  frames.emplace_back("w", 1);
  AppendEnvelope(env, &frames);
  pipeline_pb::EnvelopeHead head;
  ASSERT_OK(ParseEnvelopeHeadAt(frames, 1, 0, &head));
  EXPECT_EQ(head.doc_id(), "doc-7");
  EXPECT_EQ(head.batch_id(), "b1");
  EXPECT_EQ(head.attempt(), 3u);
  EXPECT_EQ(head.trace_id(), "t-7");
  EXPECT_EQ(head.produced_at().seconds(), 1700000000);
  EXPECT_EQ(head.producer(), "segment");
  EXPECT_TRUE(head.GetReflection()->GetUnknownFields(head).empty()) << "the payload is not kept";
  std::string header;
  Frames one(2);
  one[0].rebuild(frames[1].data(), frames[1].size());
  one[1].rebuild(frames[2].data(), frames[2].size());
  pipeline_pb::EnvelopeHead again;
  ASSERT_OK(ParseEnvelopeHead(one, 0, &again, &header));
  EXPECT_EQ(header, "rf1.raw_document");
  EXPECT_EQ(again.doc_id(), "doc-7");
  // A body cut inside its payload, and a field with an invalid wire type, are damage.
  Frames cut(2);
  cut[0].rebuild(frames[1].data(), frames[1].size());
  cut[1].rebuild(frames[2].data(), frames[2].size() - 10);
  EXPECT_EQ(ParseEnvelopeHeadAt(cut, 0, 0, &again).code(), StatusCode::kCorruption);
  const std::string bad = "\x0f\x01";  // field 1, wire type 7
  cut[1].rebuild(bad.data(), bad.size());
  EXPECT_EQ(ParseEnvelopeHeadAt(cut, 0, 0, &again).code(), StatusCode::kCorruption);
  cut[0].rebuild("nope", 4);
  EXPECT_EQ(ParseEnvelopeHeadAt(cut, 0, 0, &again).code(), StatusCode::kCorruption);
}

TEST(CodecTest, AnEnvelopeWithASerializedPayloadIsTheWholeEnvelope) {
  pipeline_pb::Envelope whole;
  whole.set_doc_id("doc-9");
  whole.set_batch_id("b2");
  whole.set_attempt(2);
  whole.set_trace_id("t-9");
  whole.mutable_produced_at()->set_seconds(1700000001);
  whole.set_producer("ingest");
  whole.mutable_raw_document()->set_text(std::string(300, 'y'));  // a length that takes two varint bytes
  whole.mutable_raw_document()->set_source("a.txt");
  pipeline_pb::Envelope head = whole;
  head.clear_payload();
  Frames expected, got;
  AppendEnvelope(whole, &expected);
  AppendEnvelopeWithPayload(head, pipeline_pb::Envelope::kRawDocumentFieldNumber,
                            whole.raw_document().SerializeAsString(), &got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].to_string(), expected[0].to_string());
  EXPECT_EQ(got[1].to_string(), expected[1].to_string());
  pipeline_pb::Envelope back;
  ASSERT_OK(ParseEnvelopeAt(got, 0, 0, &back));
  EXPECT_EQ(back.raw_document().source(), "a.txt");
}

TEST(CodecTest, TopicMessagesKeepAnyTopic) {
  pipeline_pb::Envelope env;
  env.set_doc_id("d");
  Frames frames;
  AppendMessage("agg.county.巫溪县.mediation.disputes_handled", env, &frames);
  pipeline_pb::Envelope back;
  std::string topic;
  ASSERT_OK(ParseTopicMessage(frames, &back, &topic));
  EXPECT_EQ(topic, "agg.county.巫溪县.mediation.disputes_handled");
  EXPECT_EQ(back.doc_id(), "d");
  Frames one;
  one.emplace_back(std::string("agg.x"));
  EXPECT_EQ(ParseTopicMessage(one, &back).code(), StatusCode::kCorruption);
  Frames empty_topic;
  AppendMessage("", env, &empty_topic);
  EXPECT_EQ(ParseTopicMessage(empty_topic, &back).code(), StatusCode::kCorruption);
}

TEST(CodecTest, MalformedFramesAreCorruption) {
  pipeline_pb::Envelope env;
  Frames one;
  one.emplace_back(std::string("rf1.raw_document"));
  EXPECT_EQ(ParseEnvelope(one, 0, &env).code(), StatusCode::kCorruption);
  Frames garbage;
  garbage.emplace_back(std::string("rf1.raw_document"));
  garbage.emplace_back(std::string("\xff\xff\xff\xff garbage"));
  EXPECT_EQ(ParseEnvelope(garbage, 0, &env).code(), StatusCode::kCorruption);
  // Header that lies about the payload.
  pipeline_pb::Envelope ack;
  ack.mutable_ack()->set_metrics(1);
  Frames lying;
  AppendMessage("rf1.raw_document", ack, &lying);
  EXPECT_EQ(ParseEnvelope(lying, 0, &env).code(), StatusCode::kCorruption);
}

// A PUSH socket connected to a PULL socket over inproc, with queues of `hwm` messages.
struct InprocPipe {
  InprocPipe(const std::string& name, int hwm) {
    config::v1::Limits limits;
    limits.set_linger_ms(0);
    limits.set_send_hwm(hwm);
    limits.set_recv_hwm(hwm);
    limits.set_max_message_bytes(1 << 20);
    SocketFactory factory(&ctx, limits);
    auto bound = factory.Bind(zmq::socket_type::pull, "inproc://" + name);
    auto connected = factory.Connect(zmq::socket_type::push, "inproc://" + name);
    EXPECT_TRUE(bound.ok() && connected.ok());
    if (bound.ok()) pull = std::move(bound).value();
    if (connected.ok()) push = std::move(connected).value();
  }
  zmq::context_t ctx;
  zmq::socket_t pull, push;
};

TEST(CodecTest, SendAndReceiveOverInproc) {
  InprocPipe pipe("codec-test", 10);
  zmq::socket_t& pull = pipe.pull;
  zmq::socket_t& push = pipe.push;
  pipeline_pb::Envelope env;
  env.set_doc_id("d1");
  env.mutable_ack()->set_metrics(5);
  Frames out;
  AppendEnvelope(env, &out);
  ASSERT_OK(SendFrames(push, out, /*dont_wait=*/false));
  ASSERT_OK_AND_ASSIGN(Frames in, RecvFrames(pull, /*dont_wait=*/false));
  pipeline_pb::Envelope back;
  ASSERT_OK(ParseEnvelope(in, 0, &back));
  EXPECT_EQ(back.ack().metrics(), 5u);
}

// A group of envelopes, as the services send them: a routing frame, then
// documents large and small, an empty body and a readiness.
Frames GroupOfEnvelopes() {
  Frames frames;
  frames.emplace_back("worker-1", 8);
  for (int i = 0; i < 4; ++i) {
    pipeline_pb::Envelope env;
    env.set_doc_id("d" + std::to_string(i));
    if (i == 2) {
      env.mutable_ready()->set_credits(7);
    } else {
      env.mutable_raw_document()->set_text(std::string(i == 0 ? 20000 : 300, static_cast<char>('a' + i)));
    }
    AppendEnvelope(env, &frames);
  }
  return frames;
}

TEST(CodecTest, APackedGroupArrivesAsThePairsItHolds) {
  InprocPipe pipe("codec-packed", 10);
  const Frames group = GroupOfEnvelopes();
  Frames packed;
  ASSERT_TRUE(PackEnvelopes(group, 1, 1 << 20, &packed));
  ASSERT_EQ(packed.size(), 3u);
  EXPECT_EQ(packed[0].to_string(), "worker-1");
  EXPECT_EQ(packed[1].to_string(), std::string(kPackedHeader));
  EXPECT_EQ(group.size(), 9u) << "the group itself is left as it was";
  // The packed bytes are a pipeline.v1.PackedEnvelopes, as proto/README.md says.
  pipeline_pb::PackedEnvelopes listed;
  ASSERT_TRUE(listed.ParseFromArray(packed[2].data(), static_cast<int>(packed[2].size())));
  ASSERT_EQ(listed.entries_size(), 4);
  EXPECT_EQ(listed.entries(2).header(), "rf1.ready");
  EXPECT_EQ(listed.entries(3).body(), group[8].to_string());

  ASSERT_OK(SendFrames(pipe.push, packed, /*dont_wait=*/false));
  Frames in;
  {
    ASSERT_OK_AND_ASSIGN(Frames received, RecvFrames(pipe.pull, /*dont_wait=*/false));
    in = std::move(received);
  }
  ASSERT_EQ(in.size(), group.size());
  for (size_t i = 0; i < group.size(); ++i) EXPECT_EQ(in[i].to_string(), group[i].to_string()) << "frame " << i;
  // Each frame stands alone: the bodies outlive the others, moved anywhere.
  zmq::message_t kept = std::move(in[2]);
  in.clear();
  EXPECT_EQ(kept.to_string(), group[2].to_string());
}

TEST(CodecTest, PackedBytesWrittenByProtobufAreUnpackedAlike) {
  // Another writer of the format (here protobuf's own serialisation) is read alike.
  InprocPipe pipe("codec-packed-proto", 10);
  pipeline_pb::PackedEnvelopes listed;
  for (int i = 0; i < 3; ++i) {
    pipeline_pb::Envelope env;
    env.set_doc_id("p" + std::to_string(i));
    env.mutable_ack()->set_metrics(static_cast<uint32_t>(i));
    auto* e = listed.add_entries();
    e->set_header(EnvelopeHeader(env));
    e->set_body(env.SerializeAsString());
  }
  Frames out;
  out.emplace_back(kPackedHeader.data(), kPackedHeader.size());
  const std::string bytes = listed.SerializeAsString();
  out.emplace_back(bytes.data(), bytes.size());
  ASSERT_OK(SendFrames(pipe.push, out, /*dont_wait=*/false));
  ASSERT_OK_AND_ASSIGN(Frames in, RecvFrames(pipe.pull, /*dont_wait=*/false));
  ASSERT_OK_AND_ASSIGN(size_t n, CountEnvelopes(in, 0));
  ASSERT_EQ(n, 3u);
  pipeline_pb::Envelope back;
  ASSERT_OK(ParseEnvelopeAt(in, 0, 2, &back));
  EXPECT_EQ(back.doc_id(), "p2");
  EXPECT_EQ(back.ack().metrics(), 2u);
}

TEST(CodecTest, AGroupTooLargeForOneFrameOrOfOneEnvelopeIsNotPacked) {
  const Frames group = GroupOfEnvelopes();
  Frames packed;
  EXPECT_FALSE(PackEnvelopes(group, 1, 20000, &packed)) << "ZMQ_MAXMSGSIZE bounds each frame";
  EXPECT_TRUE(packed.empty());
  Frames one;
  pipeline_pb::Envelope env;
  env.set_doc_id("x");
  env.mutable_ack();
  AppendEnvelope(env, &one);
  EXPECT_FALSE(PackEnvelopes(one, 0, 1 << 20, &packed));
  EXPECT_FALSE(PackEnvelopes(group, 2, 1 << 20, &packed)) << "not [header][body] pairs after `first`";
}

TEST(CodecTest, UnparsablePackedBytesArriveAsTheyCameAndAreMalformed) {
  InprocPipe pipe("codec-packed-bad", 10);
  for (const std::string& bytes : {std::string("\x0a\xff\xff\xff", 4), std::string("\x0a\x05\x0a\x09" "ab", 6), std::string()}) {
    Frames out;
    out.emplace_back(kPackedHeader.data(), kPackedHeader.size());
    out.emplace_back(bytes.data(), bytes.size());
    ASSERT_OK(SendFrames(pipe.push, out, /*dont_wait=*/false));
    ASSERT_OK_AND_ASSIGN(Frames in, RecvFrames(pipe.pull, /*dont_wait=*/false));
    ASSERT_EQ(in.size(), 2u);
    EXPECT_EQ(in[0].to_string(), std::string(kPackedHeader));
    EXPECT_EQ(in[1].to_string(), bytes);
    pipeline_pb::Envelope env;
    EXPECT_EQ(ParseEnvelopeAt(in, 0, 0, &env).code(), StatusCode::kCorruption);
  }
}

TEST(CodecTest, AFloodOfEmptyPackedEntriesIsMalformedNotMillionsOfFrames) {
  InprocPipe pipe("codec-packed-flood", 10);
  std::string bytes;
  for (size_t i = 0; i <= kMaxPackedEnvelopes; ++i) bytes += std::string("\x0a\x00", 2);  // an empty entry
  Frames out;
  out.emplace_back(kPackedHeader.data(), kPackedHeader.size());
  out.emplace_back(bytes.data(), bytes.size());
  ASSERT_OK(SendFrames(pipe.push, out, /*dont_wait=*/false));
  ASSERT_OK_AND_ASSIGN(Frames in, RecvFrames(pipe.pull, /*dont_wait=*/false));
  ASSERT_EQ(in.size(), 2u) << "left as it came";
  pipeline_pb::Envelope env;
  EXPECT_EQ(ParseEnvelopeAt(in, 0, 0, &env).code(), StatusCode::kCorruption);
  // One entry fewer is a group (of empty, malformed envelopes) like any other.
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  const zmq::message_t at_most(bytes.data(), bytes.size() - 2);
  EXPECT_TRUE(ParsePacked(at_most, &pairs));
  EXPECT_EQ(pairs.size(), kMaxPackedEnvelopes);
}

// A signal handler installed without SA_RESTART (as the services' SIGTERM
// handler is) makes blocking ZeroMQ calls fail with EINTR: a storm of such
// signals while multipart messages travel must neither fail a send or a
// receive nor cut a message in two.
void IgnoreAlarm(int) {}

TEST(CodecTest, SignalsDuringSendsAndReceivesLoseOrSplitNothing) {
  InprocPipe pipe("codec-signals", 4);
  zmq::socket_t& pull = pipe.pull;
  zmq::socket_t& push = pipe.push;
  struct sigaction sa = {}, old_sa = {};
  sa.sa_handler = IgnoreAlarm;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGALRM, &sa, &old_sa), 0);
  itimerval every = {{0, 100}, {0, 100}}, off = {};
  ASSERT_EQ(setitimer(ITIMER_REAL, &every, nullptr), 0);
  constexpr int kMessages = 3000;
  Status sent;
  std::thread sender([&] {
    for (int i = 0; i < kMessages && sent.ok(); ++i) {
      Frames out;
      for (int part = 0; part < 3; ++part) out.emplace_back(std::to_string(i) + "." + std::to_string(part));
      sent = SendFrames(push, out, /*dont_wait=*/false);
    }
  });
  int received = 0;
  for (; received < kMessages; ++received) {
    auto in = RecvFrames(pull, /*dont_wait=*/false);
    bool whole = in.ok() && in->size() == 3;
    for (int part = 0; whole && part < 3; ++part) {
      whole = (*in)[part].to_string() == std::to_string(received) + "." + std::to_string(part);
    }
    if (!whole) {
      ADD_FAILURE() << "message " << received << ": "
                    << (in.ok() ? std::to_string(in->size()) + " parts, or other bytes" : in.status().ToString());
      break;
    }
  }
  if (received < kMessages) pipe.ctx.shutdown();  // a sender blocked on a full queue returns (Cancelled)
  sender.join();
  setitimer(ITIMER_REAL, &off, nullptr);
  sigaction(SIGALRM, &old_sa, nullptr);
  EXPECT_EQ(received, kMessages);
  if (received == kMessages) EXPECT_OK(sent);
}

TEST(SocketFactoryTest, BindsEphemeralTcpPort) {
  zmq::context_t ctx;
  config::v1::Limits limits;
  limits.set_linger_ms(0);
  limits.set_send_hwm(10);
  limits.set_recv_hwm(10);
  // Plain TCP only when configured so (security.mode plaintext).
  EXPECT_EQ(SocketFactory(&ctx, limits).Bind(zmq::socket_type::pull, "tcp://127.0.0.1:*").status().code(),
            StatusCode::kInvalidArgument);
  config::v1::Security plaintext;
  plaintext.set_mode("plaintext");
  SocketFactory factory(&ctx, limits, plaintext);
  ASSERT_OK_AND_ASSIGN(zmq::socket_t s, factory.Bind(zmq::socket_type::pull, "tcp://127.0.0.1:*"));
  ASSERT_OK_AND_ASSIGN(std::string ep, LastEndpoint(s));
  EXPECT_EQ(ep.rfind("tcp://127.0.0.1:", 0), 0u);
  EXPECT_FALSE(factory.Bind(zmq::socket_type::pull, "bogus://x").ok());
}

}  // namespace
}  // namespace reportflow::messaging
