// DocumentValues: what one document contributes to rollups: one value per
// (metric id, canonical unit), chosen by a fixed rule, so a document that
// repeats a figure, states a total and its parts, or names a target does not
// inflate its region's totals.
//
// The rule (also in services/aggregate/README.md):
//   1. Units: every value is taken in the metric's canonical unit
//      (Metric.canonical_unit/canonical_value, set by extract from the
//      taxonomy: 件次/起 -> 件, 名 -> 人, 场次 -> 场, 万元 -> 元 ...); metrics
//      stored before canonical units existed use the unit as written.
//   2. Eligible mentions: achievements (role VALUE). Targets (plan sections,
//      力争…) and changes (同比增长 X%) are never values. A 其中 part counts
//      only toward a metric other than its parent's: sub-counts never add to
//      their parent.
//   3. Counts and money (statistic SUM): a mention marked as a total
//      (全年/累计/共计…) wins: the largest total is the value. Without a total,
//      the sum of the distinct eligible values (the same number stated twice
//      is one restatement, counted once).
//   4. Rates and other measures (statistic MEAN): the mean of the eligible
//      values, totals alone when there are any.
//   5. The value is approximate when any mention it is made of is.
// Every mention of the (metric, unit), eligible or not, is counted in
// `mentions`, so the number of times a document states a metric stays visible.
//
// Thread-safety: pure functions.
#pragma once

#include <absl/container/inlined_vector.h>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "reportflow/aggregate/v1/aggregate.pb.h"
#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::aggregate {

// The strings are views into the metrics given to DocumentValues: valid as
// long as they are (no copy per value: rollups take one per document).
struct DocValue {
  std::string_view metric_id;
  std::string_view unit;  // canonical
  extract::v1::MetricKind kind = extract::v1::METRIC_KIND_UNSPECIFIED;
  double value = 0;
  bool approx = false;
  uint32_t mentions = 0;
  // Unit as written -> mentions, ordered by unit (mostly one).
  absl::InlinedVector<std::pair<std::string_view, uint32_t>, 1> units_written;
};

// The metric kind of a mention: the taxonomy's when extract set it, else
// inferred from the quantity kind (percent -> rate, money -> money).
extract::v1::MetricKind KindOf(const extract::v1::Metric& m);

// SUM for counts and money, MEAN for everything else.
aggregate::v1::RollupStatistic StatisticOf(extract::v1::MetricKind kind);

// The document's values, ordered by (metric id, unit). Keys with no eligible
// mention (only targets, say) contribute no value.
std::vector<DocValue> DocumentValues(const google::protobuf::RepeatedPtrField<extract::v1::Metric>& metrics);

}  // namespace reportflow::aggregate
