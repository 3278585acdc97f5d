// The aggregate service's live stream, end to end in one process: the real
// AggregateService (RocksDB store, ipc:// sockets in a temp dir) fed through
// its input socket, and StreamClients (common/stream) subscribing to it.
//   - a subscriber that joins late with a snapshot converges to exactly the
//     rollups in the aggregator's store (Clone pattern);
//   - topic prefixes filter by kind, metric and region;
//   - a slow subscriber with a one-message queue loses events, counts the gap
//     and repairs it with a new snapshot;
//   - the places summary `reportflow run` asks for equals a tally of the store.
#include <zmq.hpp>

#include <set>
#include <thread>

#include "common/config/config_loader.h"
#include "common/messaging/codec.h"
#include "common/messaging/socket_factory.h"
#include "common/storage/store.h"
#include "common/stream/stream_client.h"
#include "common/stream/topics.h"
#include "services/aggregate/aggregate_service.h"
#include "services/aggregate/aggregator.h"
#include "tests/services/aggregate/aggregate_test_docs.h"
#include "tests/services/aggregate/recv_envelopes.h"
#include "tests/testing/test_util.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace ppb = ::reportflow::pipeline::v1;
using stream::StreamClient;
using stream::StreamUpdate;
using testing::AggregatorRows;
using testing::Doc;
using testing::StateRows;

constexpr int kWaitMillis = 20000;  // generous deadline for any single condition

const char* const kTownships[] = {"花溪乡", "青山镇", "红岩街道", "石门乡", "白马镇", "东城街道"};
const char* const kCounties[] = {"巫溪县", "巫山县", "奉节县"};
const char* const kMetrics[] = {"mediation.disputes_handled", "mediation.success_rate", "legal_aid.cases",
                                "publicity.materials", "enforcement.certified_staff", "publicity.sessions"};

// Document i of a deterministic corpus; `revision` changes its values (a re-extraction).
extract::v1::ExtractionResult CorpusDoc(int i, int revision = 0) {
  std::vector<std::pair<std::string, double>> metrics;
  for (int m = 0; m < 6; ++m) {
    if ((i + m) % 4 == 0) continue;  // not every document reports every metric
    metrics.emplace_back(kMetrics[m], static_cast<double>((i * 7 + m * 13 + revision * 5) % 120));
  }
  return Doc(kTownships[i % 6], kCounties[i % 3], 2021 + i % 3, metrics);
}

class AggregateStreamTest : public ::testing::Test {
 protected:
  // Starts the service with `overrides` (config keys) on top of the defaults.
  // Tests that must not lose events give the stream queues room for all of
  // them: loss is the subject of one test only.
  void Start(std::vector<std::string> overrides) {
    overrides.push_back("aggregate.http_listen=off");
    ASSERT_OK(config::LoadPipelineConfig("", dir_.path().string(), overrides, &cfg_));
    factory_ = std::make_unique<messaging::SocketFactory>(&context_, cfg_.limits());
    // The test plays ingest (receives acks) and the extract workers (pushes results).
    auto acks = factory_->Bind(zmq::socket_type::pull, cfg_.endpoints().ingest_acks());
    ASSERT_OK(acks.status());
    acks_ = std::move(acks).value();
    auto service = AggregateService::Create(cfg_);
    ASSERT_OK(service.status());
    service_ = std::move(service).value();
    thread_ = std::thread([this] { run_status_ = service_->Run(); });
    auto input = factory_->Connect(zmq::socket_type::push, cfg_.endpoints().aggregate_input());
    ASSERT_OK(input.status());
    input_ = std::move(input).value();
  }
  void StartLossless() { Start({"limits.stream_hwm=1000000"}); }

  void TearDown() override { Stop(); }

  void Stop() {
    if (!thread_.joinable()) return;
    service_->Shutdown();
    thread_.join();
    EXPECT_OK(run_status_);
  }

  // Sends documents [from, to) and waits until the service acknowledged each.
  // `edit` may change a document before it is sent.
  void Apply(int from, int to, int revision = 0,
             const std::function<void(int, extract::v1::ExtractionResult&)>& edit = nullptr) {
    for (int i = from; i < to; ++i) {
      ppb::Envelope env;
      env.set_doc_id("doc-" + std::to_string(i));
      env.set_attempt(1);
      *env.mutable_extraction() = CorpusDoc(i, revision);
      if (edit) edit(i, *env.mutable_extraction());
      messaging::Frames frames;
      messaging::AppendEnvelope(env, &frames);
      ASSERT_OK(messaging::SendFrames(input_, frames, /*dont_wait=*/false));
    }
    // A message acknowledges a group: one or more ack envelopes.
    std::set<std::string> acked;
    while (acked.size() < static_cast<size_t>(to - from)) {
      auto received = testing::RecvEnvelopes(acks_, std::chrono::milliseconds(kWaitMillis));
      ASSERT_OK(received.status());
      ASSERT_FALSE(received->empty()) << "acks for " << acked.size() << " of " << (to - from) << " documents";
      for (const ppb::Envelope& ack : *received) {
        ASSERT_EQ(ack.payload_case(), ppb::Envelope::kAck);
        // A heartbeat sends the store's announcement (an ack without a
        // document) whenever no ack is pending: it acknowledges nothing.
        if (ack.doc_id().empty()) continue;
        acked.insert(ack.doc_id());
      }
    }
    for (int i = from; i < to; ++i) ASSERT_TRUE(acked.count("doc-" + std::to_string(i))) << "no ack for document " << i;
  }

  std::unique_ptr<StreamClient> Subscribe(std::vector<std::string> prefixes, uint32_t recv_hwm = 0) {
    stream::StreamClientOptions o;
    o.publish_endpoint = cfg_.endpoints().aggregate_publish();
    o.snapshot_endpoint = cfg_.endpoints().aggregate_snapshot();
    o.prefixes = std::move(prefixes);
    o.limits = cfg_.limits();
    if (recv_hwm) o.limits.set_stream_hwm(recv_hwm);
    auto client = StreamClient::Connect(o);
    EXPECT_OK(client.status());
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // Reads until a heartbeat arrives: the subscription is in place. Events
  // received meanwhile are returned through `events` when given.
  void AwaitHeartbeat(StreamClient& c, std::vector<StreamUpdate>* events = nullptr) {
    while (true) {
      auto u = c.Next(kWaitMillis);
      ASSERT_OK(u.status());
      ASSERT_NE(u->kind, StreamUpdate::Kind::kTimeout) << "no heartbeat";
      if (u->kind == StreamUpdate::Kind::kHeartbeat) return;
      if (events && u->kind == StreamUpdate::Kind::kEvent) events->push_back(*u);
    }
  }

  // Reads until the service announces it is closing; returns the events.
  std::vector<StreamUpdate> DrainUntilClosed(StreamClient& c) {
    std::vector<StreamUpdate> events;
    while (true) {
      auto u = c.Next(kWaitMillis);
      EXPECT_OK(u.status());
      if (!u.ok()) return events;
      EXPECT_NE(u->kind, StreamUpdate::Kind::kTimeout) << "the closing heartbeat never arrived";
      if (u->kind == StreamUpdate::Kind::kTimeout || u->kind == StreamUpdate::Kind::kClosed) return events;
      if (u->kind == StreamUpdate::Kind::kEvent) events.push_back(*u);
    }
  }

  // The aggregator's rollups, read from its store after the service stopped.
  std::vector<std::string> StoredRows(const std::vector<std::string>& prefixes = {}) {
    auto store = storage::OpenRocksDbStore(cfg_.aggregate().store_path(), Aggregator::ColumnFamilies(),
                                           storage::OpenMode::kReadOnly);
    EXPECT_OK(store.status());
    if (!store.ok()) return {};
    Aggregator agg(store->get());
    return AggregatorRows(agg, prefixes);
  }

  testing::TempDir dir_;
  config::v1::PipelineConfig cfg_;
  zmq::context_t context_;
  std::unique_ptr<messaging::SocketFactory> factory_;
  zmq::socket_t acks_, input_;
  std::unique_ptr<AggregateService> service_;
  std::thread thread_;
  Status run_status_;
};

TEST_F(AggregateStreamTest, LateSubscriberWithSnapshotEndsWithTheAggregatorsState) {
  StartLossless();
  Apply(0, 120);
  auto client = Subscribe({});
  ASSERT_NE(client, nullptr);
  ASSERT_OK(client->Snapshot());
  const uint64_t joined_at = client->state().sequence();
  EXPECT_GT(joined_at, 0u);
  EXPECT_GT(client->state().rollup_count(), 0u);
  // From here on the client belongs to the reader thread, as in a real consumer.
  std::vector<StreamUpdate> events;
  std::thread reader([&] { events = DrainUntilClosed(*client); });
  Apply(120, 240);
  Apply(0, 40, /*revision=*/1);  // re-extracted documents replace their contribution
  Stop();
  reader.join();
  EXPECT_TRUE(client->complete()) << "sequence " << client->state().sequence() << ", announced "
                                  << client->last_heartbeat();
  EXPECT_GT(client->state().sequence(), joined_at);
  EXPECT_FALSE(events.empty());
  for (const auto& e : events) EXPECT_GT(e.event.sequence(), joined_at);
  const auto stored = StoredRows();
  EXPECT_FALSE(stored.empty());
  EXPECT_EQ(StateRows(client->state()), stored);
}

TEST_F(AggregateStreamTest, TopicPrefixesFilterByKindMetricAndRegion) {
  StartLossless();
  const std::vector<std::string> metric_prefix = {"metric.mediation."};
  const std::vector<std::string> region_prefix = {"agg.county.巫溪县."};
  auto all = Subscribe({});
  auto metrics = Subscribe(metric_prefix);
  auto county = Subscribe(region_prefix);
  ASSERT_TRUE(all && metrics && county);
  for (auto* c : {all.get(), metrics.get(), county.get()}) AwaitHeartbeat(*c);
  std::vector<StreamUpdate> all_events, metric_events, county_events;
  std::thread readers[] = {std::thread([&] { all_events = DrainUntilClosed(*all); }),
                           std::thread([&] { metric_events = DrainUntilClosed(*metrics); }),
                           std::thread([&] { county_events = DrainUntilClosed(*county); })};
  Apply(0, 60);
  Stop();
  for (auto& t : readers) t.join();
  for (auto* c : {all.get(), metrics.get(), county.get()}) {
    EXPECT_TRUE(c->complete());
    EXPECT_EQ(c->gaps(), 0u);
  }
  auto matching = [&](const std::vector<std::string>& prefixes) {
    std::vector<uint64_t> seqs;
    for (const auto& e : all_events) {
      if (stream::MatchesAny(e.topic, prefixes)) seqs.push_back(e.event.sequence());
    }
    return seqs;
  };
  auto sequences = [](const std::vector<StreamUpdate>& events) {
    std::vector<uint64_t> seqs;
    for (const auto& e : events) seqs.push_back(e.event.sequence());
    return seqs;
  };
  for (const auto& e : metric_events) {
    EXPECT_TRUE(e.topic.rfind("metric.mediation.", 0) == 0) << e.topic;
    EXPECT_EQ(e.event.event_case(), apb::StreamEvent::kMetric);
  }
  for (const auto& e : county_events) {
    EXPECT_TRUE(e.topic.rfind("agg.county.巫溪县.", 0) == 0) << e.topic;
    EXPECT_EQ(e.event.rollup().key().region(), "巫溪县");
  }
  EXPECT_FALSE(metric_events.empty());
  EXPECT_FALSE(county_events.empty());
  EXPECT_LT(metric_events.size(), all_events.size());
  // Exactly the events of the unfiltered stream whose topic matches, in order.
  EXPECT_EQ(sequences(metric_events), matching(metric_prefix));
  EXPECT_EQ(sequences(county_events), matching(region_prefix));
  // The filtered state is the matching part of the aggregator's state.
  EXPECT_EQ(StateRows(county->state()), StoredRows(region_prefix));
  EXPECT_EQ(StateRows(all->state()), StoredRows());
}

TEST_F(AggregateStreamTest, SlowSubscriberWithATinyQueueDetectsTheGapAndRepairsIt) {
  Start({"limits.stream_hwm=100"});  // the publisher keeps at most 100 events per subscriber
  auto slow = Subscribe({}, /*recv_hwm=*/1);
  ASSERT_NE(slow, nullptr);
  AwaitHeartbeat(*slow);
  // Thousands of events while the subscriber reads nothing: its one-message
  // queue (and the publisher's bounded one) overflow and events are dropped.
  Apply(0, 400);
  bool repaired = false;
  while (!repaired) {
    auto u = slow->Next(kWaitMillis);
    ASSERT_OK(u.status());
    ASSERT_NE(u->kind, StreamUpdate::Kind::kTimeout) << "no gap was detected";
    repaired = u->kind == StreamUpdate::Kind::kRepaired;
  }
  EXPECT_GE(slow->gaps(), 1u);
  EXPECT_GE(slow->snapshots(), 1u);
  // The stream goes on after the repair; read until a heartbeat shows the
  // subscriber caught up (further gaps, if any, are repaired on the way).
  Apply(400, 402);
  while (true) {
    auto u = slow->Next(kWaitMillis);
    ASSERT_OK(u.status());
    ASSERT_NE(u->kind, StreamUpdate::Kind::kTimeout);
    if (u->kind == StreamUpdate::Kind::kHeartbeat && slow->complete()) break;
  }
  Stop();
  DrainUntilClosed(*slow);
  EXPECT_TRUE(slow->complete());
  EXPECT_EQ(StateRows(slow->state()), StoredRows());
}

}  // namespace
}  // namespace reportflow::aggregate

namespace reportflow::aggregate {
namespace {

// `reportflow run` asks the service how the documents were placed once its
// batch is done (instead of opening the store after the service stopped):
// the answer counts every stored document and lists the undecided ones, the
// same as a tally of the store read afterwards.
TEST_F(AggregateStreamTest, PlacesRequestTalliesEveryStoredDocumentLikeTheStore) {
  namespace cpb = ::reportflow::common::v1;
  StartLossless();
  Apply(0, 30, 0, [](int i, extract::v1::ExtractionResult& r) {
    cpb::PlaceResolution* place = r.mutable_metadata()->mutable_place();
    if (i % 3 == 0) place->set_status(cpb::PLACE_STATUS_RESOLVED);
    if (i % 3 == 1) place->set_status(i % 2 ? cpb::PLACE_STATUS_AMBIGUOUS : cpb::PLACE_STATUS_NOT_FOUND);
    if (i == 3) r.mutable_metadata()->set_unit_level(cpb::REGION_LEVEL_COUNTY);
  });
  auto dealer = factory_->Connect(zmq::socket_type::dealer, cfg_.endpoints().aggregate_snapshot());
  ASSERT_OK(dealer.status());
  apb::PlacesRequest request;
  request.set_request_id(7);
  request.set_max_listed(4);
  messaging::Frames frames;
  messaging::AppendMessage(stream::kPlacesRequestHeader, request, &frames);
  ASSERT_OK(messaging::SendFrames(*dealer, frames, /*dont_wait=*/false));
  auto reply = messaging::RecvFrames(*dealer, /*dont_wait=*/false);
  ASSERT_OK(reply.status());
  apb::PlacesSummary asked;
  ASSERT_OK(messaging::ParseMessage(*reply, 0, stream::kPlacesHeader, &asked));
  EXPECT_EQ(asked.request_id(), 7u);
  EXPECT_EQ(asked.documents(), 30u);
  EXPECT_EQ(asked.resolved(), 10u);
  EXPECT_EQ(asked.ambiguous(), 5u);
  EXPECT_EQ(asked.not_found(), 5u);
  EXPECT_EQ(asked.unnamed(), 10u);
  EXPECT_EQ(asked.county_level(), 1u);
  EXPECT_EQ(asked.undecided(), 10u);
  ASSERT_EQ(asked.listed_size(), 4);
  for (const auto& head : asked.listed()) {
    const auto status = head.metadata().place().status();
    EXPECT_TRUE(status == cpb::PLACE_STATUS_AMBIGUOUS || status == cpb::PLACE_STATUS_NOT_FOUND) << head.doc_id();
  }
  Stop();
  auto store = storage::OpenRocksDbStore(cfg_.aggregate().store_path(), Aggregator::ColumnFamilies(),
                                         storage::OpenMode::kReadOnly);
  ASSERT_OK(store.status());
  Aggregator agg(store->get());
  Result<apb::PlacesSummary> read = agg.PlacesSummary(4);  // counted from the store's heads
  ASSERT_OK(read.status());
  read->set_request_id(asked.request_id());
  EXPECT_EQ(read->SerializeAsString(), asked.SerializeAsString());
}

}  // namespace
}  // namespace reportflow::aggregate
