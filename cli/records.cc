#include "cli/records.h"

#include "common/stream/rollup_keys.h"
#include "common/text/han_variants.h"

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

std::string PlaceStatusName(cpb::PlaceStatus status) {
  switch (status) {
    case cpb::PLACE_STATUS_RESOLVED: return "resolved";
    case cpb::PLACE_STATUS_AMBIGUOUS: return "ambiguous";
    case cpb::PLACE_STATUS_NOT_FOUND: return "not_in_gazetteer";
    default: return "unknown";
  }
}

std::string PlaceSourceName(cpb::PlaceSource source) {
  std::string name = cpb::PlaceSource_Name(source);
  constexpr std::string_view kPrefix = "PLACE_SOURCE_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string RoleName(extract::v1::QuantityRole role) {
  switch (role) {
    case extract::v1::QUANTITY_ROLE_PART: return "part";
    case extract::v1::QUANTITY_ROLE_TARGET: return "target";
    case extract::v1::QUANTITY_ROLE_CHANGE: return "change";
    default: return "value";
  }
}

std::string MetricKindName(extract::v1::MetricKind kind) {
  switch (kind) {
    case extract::v1::METRIC_KIND_COUNT: return "count";
    case extract::v1::METRIC_KIND_RATE: return "rate";
    case extract::v1::METRIC_KIND_MONEY: return "money";
    default: return "other";
  }
}

std::string StatisticName(aggregate::v1::RollupStatistic statistic) {
  return statistic == aggregate::v1::ROLLUP_STATISTIC_SUM ? "sum" : "mean";
}

std::string SimplifiedName(const std::string& name) {
  return text::HanVariants::Get().Simplify(name);
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
  r["unit_level"] = m.unit_level() == cpb::REGION_LEVEL_UNSPECIFIED ? ordered_json(nullptr)
                                                                    : ordered_json(stream::LevelName(m.unit_level()));
  r["county"] = OrNull(m.county());
  r["city"] = OrNull(m.city());
  r["province"] = OrNull(m.province());
  r["township_code"] = OrNull(m.township_code());
  r["county_code"] = OrNull(m.county_code());
  r["city_code"] = OrNull(m.city_code());
  r["province_code"] = OrNull(m.province_code());
  const cpb::PlaceResolution& place = m.place();
  r["place_status"] = PlaceStatusName(place.status());
  std::string sources;
  for (int s : place.sources()) {
    sources += (sources.empty() ? "" : ",") + PlaceSourceName(static_cast<cpb::PlaceSource>(s));
  }
  r["place_source"] = OrNull(sources);
  ordered_json candidates = ordered_json::array();
  for (const auto& c : place.candidates()) {
    candidates.push_back({{"township", OrNull(c.township())}, {"county", OrNull(c.county())},
                          {"city", OrNull(c.city())}, {"province", OrNull(c.province())}, {"code", c.code()}});
  }
  r["place_candidates"] = candidates;
  r["township_written"] = OrNull(place.township_written());
  r["county_written"] = OrNull(place.county_written());
  r["place_note"] = OrNull(place.note());
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
                          const extract::v1::Metric& metric, const results::SectionHeadings& sections) {
  ordered_json r;
  AddMetricFields(doc_id, source, meta, metric, sections, &r);
  return r;
}

void AddMetricFields(const std::string& doc_id, const std::string& source, const cpb::DocumentMetadata& meta,
                     const extract::v1::Metric& metric, const results::SectionHeadings& sections, ordered_json* out) {
  ordered_json& r = *out;
  r["doc_id"] = doc_id;
  r["source"] = source;
  r["township"] = OrNull(meta.township());
  r["county"] = OrNull(meta.county());
  r["city"] = OrNull(meta.city());
  r["province"] = OrNull(meta.province());
  r["region_code"] = OrNull(meta.township_code().empty() ? meta.county_code() : meta.township_code());
  r["year"] = meta.has_year() ? ordered_json(meta.year()) : ordered_json(nullptr);
  r["metric"] = metric.metric_id();
  r["metric_kind"] = MetricKindName(metric.metric_kind());
  r["role"] = RoleName(metric.role());
  r["parent"] = metric.has_parent() ? ordered_json(metric.parent()) : ordered_json(nullptr);
  r["total"] = metric.total();
  r["subject"] = metric.subject();
  r["value"] = metric.value();
  r["value_max"] = metric.has_value_max() ? ordered_json(metric.value_max()) : ordered_json(nullptr);
  r["unit"] = metric.unit();
  r["canonical_value"] = metric.canonical_unit().empty() ? ordered_json(nullptr) : ordered_json(metric.canonical_value());
  r["canonical_unit"] = OrNull(metric.canonical_unit());
  r["approx"] = ApproxName(metric.approx());
  r["kind"] = KindName(metric.kind());
  r["text"] = metric.text();
  r["span"] = ordered_json::array({metric.span().begin(), metric.span().end()});
  r["section"] = results::JoinedSectionPath(sections, metric, " > ");
  r["label"] = OrNull(metric.label_en());
}

ordered_json RollupRecord(const aggregate::v1::Rollup& rollup) {
  const bool summed = rollup.statistic() == aggregate::v1::ROLLUP_STATISTIC_SUM;
  ordered_json r;
  r["level"] = stream::LevelName(rollup.key().level());
  r["region"] = rollup.key().region().empty() ? ordered_json("(unknown)") : ordered_json(rollup.key().region());
  r["region_code"] = OrNull(rollup.key().region_code());
  r["reports"] = rollup.key().source_level() == common::v1::REGION_LEVEL_COUNTY ? "county" : "township";
  r["year"] = rollup.key().year() ? ordered_json(rollup.key().year()) : ordered_json(nullptr);
  r["metric"] = rollup.key().metric_id();
  r["kind"] = MetricKindName(rollup.metric_kind());
  r["statistic"] = StatisticName(rollup.statistic());
  // The headline figure: the total of a count or amount, the mean of a rate.
  r["value"] = summed ? rollup.sum() : rollup.mean();
  r["unit"] = rollup.unit();
  r["documents"] = rollup.documents();
  r["mentions"] = rollup.mentions();
  r["sum"] = summed ? ordered_json(rollup.sum()) : ordered_json(nullptr);
  r["mean"] = rollup.mean();
  r["median"] = rollup.median();
  r["p90"] = rollup.p90();
  r["min"] = rollup.min();
  r["max"] = rollup.max();
  r["approx_share"] = rollup.count() ? static_cast<double>(rollup.approx_count()) / rollup.count() : 0.0;
  r["coverage"] = rollup.coverage();
  return r;
}

ordered_json RegionRecord(const RegionRow& region) {
  ordered_json r;
  r["code"] = OrNull(region.code);
  r["level"] = stream::LevelName(region.level);
  r["name"] = region.name;
  r["parent_code"] = OrNull(region.parent_code);
  r["documents"] = region.documents;
  return r;
}

std::vector<std::string> RegionColumns() { return {"code", "level", "name", "parent_code", "documents"}; }

std::vector<std::string> DocumentColumns(bool table) {
  if (table) {
    return {"doc_id", "source", "status", "unit_level", "township", "county", "city", "province", "township_code",
            "county_code", "city_code", "province_code", "place_status", "place_source", "year", "title"};
  }
  return {"doc_id", "source", "status", "township", "unit_type", "unit_level", "county", "city", "province",
          "township_code", "county_code", "city_code", "province_code", "place_status", "place_source",
          "place_candidates", "township_written", "county_written", "place_note", "year", "report_date", "title",
          "doc_numbers", "cited_laws", "metrics", "attempts", "error"};
}

std::vector<std::string> MetricColumns(bool table) {
  if (table) return {"township", "year", "metric", "role", "subject", "value", "unit", "approx", "text"};
  return {"doc_id", "source", "township", "county", "city", "province", "region_code", "year", "metric",
          "metric_kind", "role", "parent", "total", "subject", "value", "value_max", "unit", "canonical_value",
          "canonical_unit", "approx", "kind", "text", "span", "section", "label"};
}

std::vector<std::string> RollupColumns(bool table) {
  if (table) {
    return {"level", "region", "year", "metric", "statistic", "value", "unit", "documents", "mentions",
            "min", "max", "median", "coverage"};
  }
  return {"level", "region", "year", "metric", "region_code", "reports", "kind", "statistic", "value", "unit",
          "documents", "mentions", "sum", "mean", "median", "p90", "min", "max", "approx_share", "coverage"};
}

}  // namespace reportflow::cli
