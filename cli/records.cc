#include "cli/records.h"

#include "services/aggregate/aggregator.h"

namespace reportflow::cli {
namespace cpb = ::reportflow::common::v1;
using nlohmann::ordered_json;

std::string ApproxName(cpb::Approx approx) {
  switch (approx) {
    case cpb::APPROX_MORE_THAN: return "more_than";
    case cpb::APPROX_ABOUT: return "about";
    case cpb::APPROX_LESS_THAN: return "less_than";
    case cpb::APPROX_AT_LEAST: return "at_least";
    default: return "exact";
  }
}

std::string KindName(cpb::QuantityKind kind) {
  switch (kind) {
    case cpb::QUANTITY_KIND_COUNT: return "count";
    case cpb::QUANTITY_KIND_PERCENT: return "percent";
    case cpb::QUANTITY_KIND_MONEY: return "money";
    default: return "other";
  }
}

namespace {
ordered_json OrNull(const std::string& s) { return s.empty() ? ordered_json(nullptr) : ordered_json(s); }
}  // namespace

ordered_json DocumentRecord(const ingest::v1::LedgerEntry& entry, const cpb::DocumentMetadata* meta) {
  static const cpb::DocumentMetadata kEmpty;
  const cpb::DocumentMetadata& m = meta ? *meta : kEmpty;
  ordered_json r;
  r["doc_id"] = entry.doc_id();
  r["source"] = entry.source();
  switch (entry.state()) {
    case ingest::v1::DOC_STATE_COMPLETE: r["status"] = "complete"; break;
    case ingest::v1::DOC_STATE_QUARANTINED: r["status"] = "quarantined"; break;
    case ingest::v1::DOC_STATE_SEGMENTED: r["status"] = "segmented"; break;
    default: r["status"] = "ingested"; break;
  }
  r["township"] = OrNull(m.township());
  r["unit_type"] = OrNull(m.unit_type());
  r["county"] = OrNull(m.county());
  r["city"] = OrNull(m.city());
  r["province"] = OrNull(m.province());
  r["year"] = m.has_year() ? ordered_json(m.year()) : ordered_json(nullptr);
  r["report_date"] = OrNull(m.report_date());
  r["title"] = OrNull(m.title());
  r["doc_numbers"] = ordered_json(std::vector<std::string>(m.doc_numbers().begin(), m.doc_numbers().end()));
  r["cited_laws"] = ordered_json(std::vector<std::string>(m.cited_laws().begin(), m.cited_laws().end()));
  r["metrics"] = entry.metrics();
  r["attempts"] = entry.attempts();
  if (!entry.last_error().empty()) r["error"] = entry.last_error_stage() + ": " + entry.last_error();
  return r;
}

ordered_json MetricRecord(const std::string& doc_id, const std::string& source, const cpb::DocumentMetadata& meta,
                          const extract::v1::Metric& metric) {
  ordered_json r;
  r["doc_id"] = doc_id;
  r["source"] = source;
  r["township"] = OrNull(meta.township());
  r["county"] = OrNull(meta.county());
  r["year"] = meta.has_year() ? ordered_json(meta.year()) : ordered_json(nullptr);
  r["metric"] = metric.metric_id();
  r["subject"] = metric.subject();
  r["value"] = metric.value();
  r["value_max"] = metric.has_value_max() ? ordered_json(metric.value_max()) : ordered_json(nullptr);
  r["unit"] = metric.unit();
  r["approx"] = ApproxName(metric.approx());
  r["kind"] = KindName(metric.kind());
  r["text"] = metric.text();
  r["span"] = ordered_json::array({metric.span().begin(), metric.span().end()});
  std::string section;
  for (const auto& s : metric.section_path()) section += (section.empty() ? "" : " > ") + s;
  r["section"] = section;
  r["label"] = OrNull(metric.label_en());
  return r;
}

ordered_json RollupRecord(const aggregate::v1::Rollup& rollup) {
  ordered_json r;
  r["level"] = aggregate::RegionLevelName(rollup.key().level());
  r["region"] = rollup.key().region().empty() ? ordered_json("(unknown)") : ordered_json(rollup.key().region());
  r["year"] = rollup.key().year() ? ordered_json(rollup.key().year()) : ordered_json(nullptr);
  r["metric"] = rollup.key().metric_id();
  r["documents"] = rollup.documents();
  r["count"] = rollup.count();
  r["sum"] = rollup.sum();
  r["min"] = rollup.min();
  r["max"] = rollup.max();
  r["mean"] = rollup.mean();
  r["median"] = rollup.median();
  r["p90"] = rollup.p90();
  r["approx_share"] = rollup.count() ? static_cast<double>(rollup.approx_count()) / rollup.count() : 0.0;
  r["coverage"] = rollup.coverage();
  r["unit"] = rollup.unit();
  return r;
}

}  // namespace reportflow::cli
