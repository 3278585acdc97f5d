#include "cli/filters.h"

#include <algorithm>
#include <iostream>

#include "cli/data_reader.h"
#include "cli/near_match.h"
#include "cli/records.h"
#include "common/base/macros.h"
#include "common/geo/gazetteer.h"
#include "common/text/utf8.h"

namespace reportflow::cli {

std::string NormalizeRegionCode(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return "";
  if (s.size() != 2 && s.size() != 4 && s.size() != 6 && s.size() != 9 && s.size() != 12) return "";
  return s + std::string(12 - s.size(), '0');
}

Result<FilterVocabulary> FilterVocabulary::Read(DataReader& reader) {
  FilterVocabulary v;
  std::set<std::pair<std::string, std::string>> seen;
  RETURN_IF_ERROR(reader.aggregator().ForEachRegion([&](const aggregate::v1::RegionCount& rc) {
    v.years.insert(rc.year());
    if (!rc.region().empty() && seen.emplace(rc.region(), rc.region_code()).second) {
      v.regions.push_back({rc.region(), rc.region_code()});
    }
  }));
  RETURN_IF_ERROR(reader.aggregator().ForEachRollup(
      [&](const aggregate::v1::Rollup& r) { v.metrics.insert(r.key().metric_id()); }));
  return v;
}

namespace {

bool AnyStartsWith(const std::set<std::string>& ids, const std::string& prefix) {
  auto it = ids.lower_bound(prefix);
  return it != ids.end() && it->rfind(prefix, 0) == 0;
}

// Metric ids and their dotted prefixes ("mediation."), the forms a --metric takes.
std::vector<std::string> MetricCandidates(const std::set<std::string>& ids) {
  std::set<std::string> out;
  for (const auto& id : ids) {
    out.insert(id);
    for (size_t dot = id.find('.'); dot != std::string::npos; dot = id.find('.', dot + 1)) {
      out.insert(id.substr(0, dot + 1));
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace

Result<RecordFilter> RecordFilter::Create(const FilterSpec& spec, const FilterVocabulary& vocab, DataReader* reader) {
  RecordFilter f;
  f.spec_ = spec;
  if (!spec.region.empty()) {
    if (spec.region == "(unknown)") {
      f.unknown_region_ = true;
    } else if (const std::string code = NormalizeRegionCode(spec.region); !code.empty()) {
      f.codes_.insert(code);
      const bool known = std::any_of(vocab.regions.begin(), vocab.regions.end(),
                                     [&](const FilterVocabulary::Region& r) { return r.code == code; });
      if (!known) {
        std::vector<std::string> codes;
        for (const auto& r : vocab.regions) {
          if (!r.code.empty()) codes.push_back(r.code);
        }
        std::sort(codes.begin(), codes.end());
        return Status::InvalidArgument("no region with code " + spec.region + " in this data" +
                                       DidYouMean(NearMatches(code, codes)));
      }
    } else {
      f.name_ = SimplifiedName(spec.region);
      // Gazetteer units of that name (full or short, any spelling) that the data holds.
      const geo::Gazetteer& gaz = geo::Gazetteer::Default();
      std::set<std::string> gazetteer_codes;
      for (geo::UnitId id : gaz.Find(std::string_view(spec.region))) gazetteer_codes.insert(gaz.Code12(id));
      std::u32string name32;
      for (size_t pos = 0; pos < spec.region.size();) name32.push_back(text::DecodeUtf8(spec.region, &pos));
      for (geo::UnitId id : gaz.FindShort(name32)) gazetteer_codes.insert(gaz.Code12(id));
      for (const auto& r : vocab.regions) {
        if (SimplifiedName(r.name) == f.name_ || (!r.code.empty() && gazetteer_codes.count(r.code))) {
          if (!r.code.empty()) f.codes_.insert(r.code);
        }
      }
      const bool by_name = std::any_of(vocab.regions.begin(), vocab.regions.end(), [&](const auto& r) {
        return r.code.empty() && SimplifiedName(r.name) == f.name_;
      });
      if (f.codes_.empty() && !by_name) {
        std::vector<std::string> names;
        for (const auto& r : vocab.regions) names.push_back(SimplifiedName(r.name));
        std::sort(names.begin(), names.end());
        return Status::InvalidArgument("no region '" + spec.region + "' in this data" +
                                       DidYouMean(NearMatches(f.name_, names)) +
                                       " (a name at any level, traditional spellings too, or a code)");
      }
    }
  }
  if (spec.year != 0 && !vocab.years.count(spec.year)) {
    std::string years;
    for (int y : vocab.years) {
      if (y != 0) years += (years.empty() ? "" : ", ") + std::to_string(y);
    }
    return Status::InvalidArgument("no document reports on year " + std::to_string(spec.year) +
                                   " in this data (years: " + (years.empty() ? "none" : years) + ")");
  }
  if (!spec.metric.empty() && !AnyStartsWith(vocab.metrics, spec.metric)) {
    std::set<std::string> ids = vocab.metrics;
    // A metric seen only as a target is in no rollup: look in the documents too.
    if (reader != nullptr) {
      RETURN_IF_ERROR(reader->aggregator().ForEachContribution([&](const aggregate::v1::DocContribution& c) {
        for (const auto& m : c.metrics()) ids.insert(m.metric_id());
      }));
    }
    if (!AnyStartsWith(ids, spec.metric)) {
      return Status::InvalidArgument("no metric id starting with '" + spec.metric + "' in this data" +
                                     DidYouMean(NearMatches(spec.metric, MetricCandidates(ids))));
    }
  }
  return f;
}

Result<RecordFilter> RecordFilter::Open(const FilterSpec& spec, DataReader& reader) {
  if (spec.empty()) return RecordFilter();
  ASSIGN_OR_RETURN(FilterVocabulary vocab, FilterVocabulary::Read(reader));
  return Create(spec, vocab, &reader);
}

bool RecordFilter::KeepRegion(const std::string& region_name, const std::string& region_code) const {
  if (spec_.region.empty()) return true;
  if (unknown_region_) return region_name.empty() && region_code.empty();
  if (!region_code.empty()) return codes_.count(region_code) > 0;
  return !region_name.empty() && !name_.empty() && SimplifiedName(region_name) == name_;
}

bool RecordFilter::KeepPlace(const common::v1::DocumentMetadata& m) const {
  if (spec_.year != 0 && (!m.has_year() || m.year() != spec_.year)) return false;
  if (spec_.region.empty()) return true;
  if (unknown_region_) return m.township().empty() && m.county().empty() && m.city().empty() && m.province().empty();
  return KeepRegion(m.township(), m.township_code()) || KeepRegion(m.county(), m.county_code()) ||
         KeepRegion(m.city(), m.city_code()) || KeepRegion(m.province(), m.province_code());
}

bool RecordFilter::KeepMetricId(const std::string& metric_id) const {
  return spec_.metric.empty() || metric_id.rfind(spec_.metric, 0) == 0;
}

bool RecordFilter::KeepDocument(const common::v1::DocumentMetadata& meta,
                                const google::protobuf::RepeatedPtrField<extract::v1::Metric>& metrics) const {
  if (!KeepPlace(meta)) return false;
  if (spec_.metric.empty()) return true;
  return std::any_of(metrics.begin(), metrics.end(),
                     [&](const extract::v1::Metric& m) { return KeepMetricId(m.metric_id()); });
}

bool RecordFilter::KeepMetric(const common::v1::DocumentMetadata& meta, const extract::v1::Metric& metric) const {
  return KeepMetricId(metric.metric_id()) && KeepPlace(meta);
}

bool RecordFilter::KeepRollup(const aggregate::v1::RollupKey& key) const {
  if (spec_.year != 0 && key.year() != spec_.year) return false;
  return KeepMetricId(key.metric_id()) && KeepRegion(key.region(), key.region_code());
}

}  // namespace reportflow::cli

namespace reportflow::cli {

void AddFilterOptions(CLI::App* cmd, FilterSpec* spec) {
  cmd->add_option("--region", spec->region,
                  "only this region, at any level: a name (塘坡县 or 塘坡縣; 万州 for 万州区) or a code (50, 500101, "
                  "500101001000); \"(unknown)\" for what has no place");
  cmd->add_option("--year", spec->year, "only this year");
  cmd->add_option("--metric", spec->metric, "only metric ids starting with this prefix, e.g. mediation.");
}

Result<QueryInputs> OpenQuery(const std::string& command, const std::string& data_dir, const std::string& format,
                              const FilterSpec& spec) {
  QueryInputs q;
  Format fmt;
  Status s = ParseFormat(format, &fmt);
  if (s.ok()) {
    q.format = fmt;
    auto reader = DataReader::Open(data_dir);
    if (reader.ok()) {
      q.reader = std::move(reader).value();
      auto filter = RecordFilter::Open(spec, *q.reader);
      if (filter.ok()) {
        q.filter = std::move(filter).value();
        return q;
      }
      s = filter.status();
    } else {
      s = reader.status();
    }
  }
  std::cerr << "reportflow " << command << ": " << s.message() << "\n";
  return s;
}

}  // namespace reportflow::cli
