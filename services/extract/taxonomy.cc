#include "services/extract/taxonomy.h"

#include <xxhash.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "common/base/macros.h"

namespace reportflow::extract {

extern const std::string_view kDefaultTaxonomyYaml;

namespace {

using common::v1::QuantityKind;

// One classification rule: an entry plus the conditions that select it.
struct Rule {
  std::vector<std::vector<std::string>> match;  // any group; all keywords of a group
  std::vector<std::string> exclude;
  std::vector<QuantityKind> kinds;              // empty = any
  std::vector<std::string> units;               // empty = any
};

class TaxonomyImpl final : public Taxonomy {
 public:
  TaxonomyImpl(std::vector<TaxonomyEntry> entries, std::vector<Rule> rules, std::string version)
      : entries_(std::move(entries)), rules_(std::move(rules)), version_(std::move(version)) {}

  const TaxonomyEntry* Classify(std::string_view subject, QuantityKind kind,
                                std::string_view unit) const override {
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (Matches(rules_[i], subject, {}, kind, unit)) return &entries_[i];
    }
    return nullptr;
  }
  const TaxonomyEntry* ClassifyInContext(std::string_view subject, std::string_view context, QuantityKind kind,
                                         std::string_view unit) const override {
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (Matches(rules_[i], subject, context, kind, unit)) return &entries_[i];
    }
    return nullptr;
  }
  const std::string& version() const override { return version_; }
  const std::vector<TaxonomyEntry>& entries() const override { return entries_; }

 private:
  // All keywords of a group in subject or context, at least one in subject.
  static bool Matches(const Rule& rule, std::string_view subject, std::string_view context, QuantityKind kind,
                      std::string_view unit) {
    if (!rule.kinds.empty()) {
      bool ok = false;
      for (QuantityKind k : rule.kinds) ok = ok || k == kind;
      if (!ok) return false;
    }
    if (!rule.units.empty()) {
      bool ok = false;
      for (const std::string& u : rule.units) ok = ok || u == unit;
      if (!ok) return false;
    }
    for (const std::string& ex : rule.exclude) {
      if (subject.find(ex) != std::string_view::npos) return false;
    }
    for (const auto& group : rule.match) {
      bool all = true;
      bool anchored = false;
      for (const std::string& kw : group) {
        if (subject.find(kw) != std::string_view::npos) {
          anchored = true;
        } else if (context.find(kw) == std::string_view::npos) {
          all = false;
          break;
        }
      }
      if (all && anchored) return true;
    }
    return false;
  }

  std::vector<TaxonomyEntry> entries_;
  std::vector<Rule> rules_;
  std::string version_;
};

Status CheckKeys(const YAML::Node& node, const std::set<std::string>& allowed, const std::string& where) {
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (allowed.count(key) == 0) {
      return Status::InvalidArgument("taxonomy: unknown key '" + key + "' in " + where);
    }
  }
  return Status::OK();
}

Result<std::string> ScalarString(const YAML::Node& node, const std::string& where) {
  if (!node || !node.IsScalar()) return Status::InvalidArgument("taxonomy: " + where + " must be a string");
  std::string s = node.as<std::string>();
  if (s.empty()) return Status::InvalidArgument("taxonomy: " + where + " must not be empty");
  return s;
}

Result<std::vector<std::string>> StringList(const YAML::Node& node, const std::string& where) {
  if (!node.IsSequence()) return Status::InvalidArgument("taxonomy: " + where + " must be a list");
  std::vector<std::string> out;
  for (const auto& item : node) {
    ASSIGN_OR_RETURN(std::string s, ScalarString(item, where + " item"));
    out.push_back(std::move(s));
  }
  return out;
}

Result<QuantityKind> ParseKind(const std::string& s) {
  if (s == "count") return common::v1::QUANTITY_KIND_COUNT;
  if (s == "percent") return common::v1::QUANTITY_KIND_PERCENT;
  if (s == "money") return common::v1::QUANTITY_KIND_MONEY;
  if (s == "other") return common::v1::QUANTITY_KIND_OTHER;
  return Status::InvalidArgument("taxonomy: unknown kind '" + s + "' (count, percent, money, other)");
}

Result<std::shared_ptr<const Taxonomy>> ParseImpl(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("taxonomy: invalid YAML: ") + e.what());
  }
  if (!root.IsMap()) return Status::InvalidArgument("taxonomy: top level must be a mapping");
  RETURN_IF_ERROR(CheckKeys(root, {"schema", "metrics"}, "top level"));
  if (!root["schema"] || !root["schema"].IsScalar() || root["schema"].as<std::string>() != "1") {
    return Status::InvalidArgument("taxonomy: 'schema: 1' is required");
  }
  const YAML::Node metrics = root["metrics"];
  if (!metrics || !metrics.IsSequence() || metrics.size() == 0) {
    return Status::InvalidArgument("taxonomy: 'metrics' must be a non-empty list");
  }
  std::vector<TaxonomyEntry> entries;
  std::vector<Rule> rules;
  std::set<std::string> ids;
  for (size_t i = 0; i < metrics.size(); ++i) {
    const YAML::Node m = metrics[i];
    std::string where = "metrics[" + std::to_string(i) + "]";
    if (!m.IsMap()) return Status::InvalidArgument("taxonomy: " + where + " must be a mapping");
    RETURN_IF_ERROR(CheckKeys(m, {"id", "label_zh", "label_en", "kinds", "units", "match", "exclude"}, where));
    TaxonomyEntry entry;
    ASSIGN_OR_RETURN(entry.metric_id, ScalarString(m["id"], where + ".id"));
    where += " (" + entry.metric_id + ")";
    if (entry.metric_id == "unclassified") {
      return Status::InvalidArgument("taxonomy: " + where + ": 'unclassified' is reserved");
    }
    for (char c : entry.metric_id) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
      if (!ok) return Status::InvalidArgument("taxonomy: " + where + ": id must match [a-z0-9_.]+");
    }
    if (!ids.insert(entry.metric_id).second) {
      return Status::InvalidArgument("taxonomy: duplicate id " + entry.metric_id);
    }
    ASSIGN_OR_RETURN(entry.label_zh, ScalarString(m["label_zh"], where + ".label_zh"));
    ASSIGN_OR_RETURN(entry.label_en, ScalarString(m["label_en"], where + ".label_en"));
    Rule rule;
    if (m["kinds"]) {
      ASSIGN_OR_RETURN(std::vector<std::string> kinds, StringList(m["kinds"], where + ".kinds"));
      for (const std::string& k : kinds) {
        ASSIGN_OR_RETURN(QuantityKind kind, ParseKind(k));
        rule.kinds.push_back(kind);
      }
    }
    if (m["units"]) {
      ASSIGN_OR_RETURN(rule.units, StringList(m["units"], where + ".units"));
    }
    if (m["exclude"]) {
      ASSIGN_OR_RETURN(rule.exclude, StringList(m["exclude"], where + ".exclude"));
    }
    const YAML::Node match = m["match"];
    if (!match || !match.IsSequence() || match.size() == 0) {
      return Status::InvalidArgument("taxonomy: " + where + ".match must be a non-empty list of keyword lists");
    }
    for (const auto& group : match) {
      ASSIGN_OR_RETURN(std::vector<std::string> kws, StringList(group, where + ".match group"));
      if (kws.empty()) return Status::InvalidArgument("taxonomy: " + where + ": empty match group");
      rule.match.push_back(std::move(kws));
    }
    entries.push_back(std::move(entry));
    rules.push_back(std::move(rule));
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(XXH64(yaml.data(), yaml.size(), 0)));
  return std::shared_ptr<const Taxonomy>(
      std::make_shared<TaxonomyImpl>(std::move(entries), std::move(rules), std::string(buf)));
}

}  // namespace

Result<std::shared_ptr<const Taxonomy>> Taxonomy::Parse(std::string_view yaml) {
  try {
    return ParseImpl(yaml);
  } catch (const YAML::Exception& e) {  // conversion errors inside a well-formed document
    return Status::InvalidArgument(std::string("taxonomy: ") + e.what());
  }
}

Result<std::shared_ptr<const Taxonomy>> Taxonomy::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("taxonomy: cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("taxonomy: cannot read " + path);
  auto result = Parse(ss.str());
  if (!result.ok()) return result.status().WithContext(path);
  return result;
}

Result<std::shared_ptr<const Taxonomy>> Taxonomy::Default() { return Parse(kDefaultTaxonomyYaml); }

}  // namespace reportflow::extract
