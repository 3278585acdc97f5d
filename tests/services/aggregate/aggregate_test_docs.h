// Test helpers shared by the aggregate tests: small extraction results and
// rollups as sorted, comparable rows, stream events decoded.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/stream/encoded_event.h"
#include "common/stream/stream_state.h"
#include "common/stream/topics.h"
#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/extract/v1/extract.pb.h"
#include "services/aggregate/aggregator.h"
#include "tests/testing/test_util.h"

namespace reportflow::testing {

// One document's extraction: metadata plus metrics (id, value), counts in 件;
// values above 50 are marked "more than" so approximate shares are exercised.
inline extract::v1::ExtractionResult Doc(const std::string& township, const std::string& county, int year,
                                         std::vector<std::pair<std::string, double>> metrics) {
  extract::v1::ExtractionResult r;
  r.mutable_metadata()->set_township(township);
  r.mutable_metadata()->set_county(county);
  r.mutable_metadata()->set_year(year);
  for (const auto& [id, v] : metrics) {
    auto* m = r.add_metrics();
    m->set_metric_id(id);
    m->set_value(v);
    m->set_unit("件");
    m->set_kind(common::v1::QUANTITY_KIND_COUNT);
    m->set_approx(v > 50 ? common::v1::APPROX_MORE_THAN : common::v1::APPROX_EXACT);
  }
  return r;
}

using RollupVisitor = std::function<void(const aggregate::v1::Rollup&)>;

// Serialized rollups, sorted: equal vectors mean equal states.
inline std::vector<std::string> Rows(const std::function<void(const RollupVisitor&)>& each) {
  std::vector<std::string> rows;
  each([&](const aggregate::v1::Rollup& r) { rows.push_back(r.SerializeAsString()); });
  std::sort(rows.begin(), rows.end());
  return rows;
}

// The aggregator's rollups whose stream topic matches `prefixes` (empty = all),
// as the stream carries them (without histograms).
inline std::vector<std::string> AggregatorRows(const aggregate::Aggregator& agg,
                                               const std::vector<std::string>& prefixes = {}) {
  return Rows([&](const RollupVisitor& fn) {
    EXPECT_OK(agg.ForEachRollup([&](const aggregate::v1::Rollup& r) {
      if (stream::MatchesAny(stream::RollupTopic(r.key()), prefixes)) fn(aggregate::WithoutHistogram(r));
    }));
  });
}

// A stream consumer's rollups (with coverage filled in, as the aggregator's).
inline std::vector<std::string> StateRows(const stream::StreamState& state) {
  return Rows([&](const RollupVisitor& fn) { state.ForEachRollup(fn); });
}

// A change's events as a subscriber parses them; each must carry its
// sequence and be published under its topic.
inline std::vector<aggregate::v1::StreamEvent> Decoded(const std::vector<stream::EncodedEvent>& events) {
  std::vector<aggregate::v1::StreamEvent> out;
  for (const auto& encoded : events) {
    aggregate::v1::StreamEvent e;
    EXPECT_TRUE(e.ParseFromString(encoded.bytes));
    EXPECT_EQ(e.sequence(), encoded.sequence);
    EXPECT_EQ(stream::TopicOf(e), encoded.topic);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace reportflow::testing
