#include "cli/audit_data.h"

#include <map>
#include <set>

#include "common/audit/findings.h"
#include "common/base/macros.h"
#include "common/geo/gazetteer.h"
#include "common/storage/store.h"
#include "services/aggregate/audit_keeper.h"
#include "services/aggregate/document_values.h"

namespace reportflow::cli {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace cpb = ::reportflow::common::v1;
namespace epb = ::reportflow::extract::v1;

bool TownshipLevel(const cpb::DocumentMetadata& m) {
  return m.unit_level() != cpb::REGION_LEVEL_COUNTY && !m.township().empty();
}

// The unit key of year-over-year rows: the code, else county + name.
std::string UnitKey(const cpb::DocumentMetadata& m) {
  return !m.township_code().empty() ? m.township_code() : m.county() + "/" + m.township();
}

}  // namespace

Result<audit::AuditOptions> AuditOptionsOf(const DataReader& reader) {
  return audit::AuditOptionsFromConfig(reader.config().audit());
}

Result<std::vector<audit::FiledDocument>> FiledDocuments(DataReader& reader) {
  std::vector<audit::FiledDocument> out;
  RETURN_IF_ERROR(reader.aggregator().ForEachContributionHead([&](const apb::DocContributionHead& h) {
    const auto& m = h.metadata();
    audit::FiledDocument d;
    d.doc_id = h.doc_id();
    d.source = h.source();
    d.township = m.township();
    d.township_code = m.township_code();
    d.county_code = m.county_code();
    d.city_code = m.city_code();
    d.province_code = m.province_code();
    d.year = m.has_year() ? m.year() : 0;
    out.push_back(std::move(d));
  }));
  return out;
}

Result<std::vector<audit::YoyRow>> YearOverYearRows(DataReader& reader, const audit::AuditOptions& options) {
  std::vector<audit::YoyObservation> obs;
  RETURN_IF_ERROR(reader.aggregator().ForEachContribution([&](const apb::DocContribution& c) {
    const auto& m = c.metadata();
    if (!TownshipLevel(m) || !m.has_year()) return;
    for (const aggregate::DocValue& v : aggregate::DocumentValues(c.metrics())) {
      audit::YoyObservation o;
      o.unit_key = UnitKey(m);
      o.unit_name = m.township();
      o.year = m.year();
      o.metric_id = std::string(v.metric_id);
      o.unit = std::string(v.unit);
      o.rate = aggregate::StatisticOf(v.kind) == apb::ROLLUP_STATISTIC_MEAN;
      o.value = v.value;
      o.doc_id = c.doc_id();
      o.source = c.source();
      for (const epb::Metric& metric : c.metrics()) {  // the first sentence stating it
        const std::string& unit = metric.canonical_unit().empty() ? metric.unit() : metric.canonical_unit();
        if (metric.metric_id() == v.metric_id && unit == v.unit && metric.role() != epb::QUANTITY_ROLE_TARGET) {
          o.sentence = metric.sentence_span();
          break;
        }
      }
      obs.push_back(std::move(o));
    }
  }));
  return audit::YearOverYear(obs, options);
}

Status ForEachCountyCoverage(DataReader& reader, const std::function<void(const audit::Coverage&)>& fn) {
  ASSIGN_OR_RETURN(std::vector<audit::FiledDocument> docs, FiledDocuments(reader));
  std::map<std::string, std::set<int>> county_years;
  for (const auto& d : docs) {
    if (!d.county_code.empty() && !d.township_code.empty() && d.year != 0) county_years[d.county_code].insert(d.year);
  }
  const geo::Gazetteer& g = geo::Gazetteer::Default();
  for (const auto& [county, years] : county_years) {
    auto id = audit::ResolveScope(g, county);
    if (!id.ok()) continue;
    for (int year : years) fn(audit::ComputeCoverage(g, *id, year, docs));
  }
  return Status::OK();
}

namespace {

// Every finding of `kind` ("" = every kind).
Status FindingsOfKind(DataReader& reader, const std::string& kind,
                      const std::function<void(const apb::AuditFinding&)>& fn) {
  auto wanted = [&](const char* k) { return kind.empty() || kind == k; };
  ASSIGN_OR_RETURN(audit::AuditOptions options, AuditOptionsOf(reader));
  // consistency
  if (wanted(audit::kConsistency)) RETURN_IF_ERROR(reader.aggregator().ForEachContribution([&](const apb::DocContribution& c) {
    for (const auto& f : c.findings()) fn(audit::ConsistencyFinding(c.doc_id(), c.source(), c.metadata(), c.metrics(), f));
  }));
  // near_duplicate: aggregate's store, opened read-only beside the reader's
  if (wanted(audit::kNearDuplicate)) {
    ASSIGN_OR_RETURN(auto store, storage::OpenRocksDbStore(reader.config().aggregate().store_path(),
                                                         aggregate::Aggregator::ColumnFamilies(),
                                                         storage::OpenMode::kReadOnly));
    aggregate::AuditKeeper keeper(store.get(), options);
    RETURN_IF_ERROR(keeper.ForEachNearDuplicate(fn));
  }
  // yoy_jump
  if (wanted(audit::kYoyJump)) {
    ASSIGN_OR_RETURN(std::vector<audit::YoyRow> rows, YearOverYearRows(reader, options));
    for (const auto& row : rows) {
      if (!row.jump.empty()) fn(audit::YoyJumpFinding(row));
    }
  }
  if (!wanted(audit::kMissingFiler)) return Status::OK();
  // missing_filer: each county with reports, each of its years
  return ForEachCountyCoverage(reader, [&](const audit::Coverage& c) {
    for (const auto& unit : c.units) {
      if (unit.reports.empty()) fn(audit::MissingFilerFinding(unit, c.year));
    }
  });
}

}  // namespace

Status ForEachFinding(DataReader& reader, const std::function<void(const apb::AuditFinding&)>& fn) {
  return FindingsOfKind(reader, "", fn);
}

Status ForEachFinding(DataReader& reader, const std::string& kind, const std::string& region,
                      const std::function<void(const apb::AuditFinding&)>& fn) {
  if (!kind.empty() && !audit::IsFindingKind(kind)) {
    return Status::InvalidArgument("unknown finding kind '" + kind +
                                   "': consistency, near_duplicate, yoy_jump or missing_filer");
  }
  std::string prefix;  // a region scope as a code prefix (2, 4 or 6 digits)
  if (!region.empty()) {
    auto scope = audit::ResolveScope(geo::Gazetteer::Default(), region);
    if (scope.ok()) prefix = std::to_string(geo::Gazetteer::Default().short_code(*scope));
  }
  auto in_region = [&](const std::string& name, const std::string& code) {
    if (region.empty()) return true;
    if (name == region || code == region) return true;
    return !prefix.empty() && code.compare(0, prefix.size(), prefix) == 0;
  };
  return FindingsOfKind(reader, kind, [&](const apb::AuditFinding& f) {
    if (!kind.empty() && f.kind() != kind) return;
    bool match = in_region(f.region(), f.region_code());
    for (const auto& d : f.documents()) match |= in_region(d.region(), d.region_code());
    if (match) fn(f);
  });
}

}  // namespace reportflow::cli
