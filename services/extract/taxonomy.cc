#include "services/extract/taxonomy.h"

#include <xxhash.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
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
  std::vector<std::string> units;               // legacy filter; empty = any
};

// Money units and their factor to 元.
double MoneyFactor(std::string_view unit) {
  if (unit == "元") return 1;
  if (unit == "千元") return 1e3;
  if (unit == "万元") return 1e4;
  if (unit == "亿元") return 1e8;
  return 0;
}

// Built-in aliases for quantities no entry claims.
std::string_view DefaultCanonical(std::string_view unit) {
  if (unit == "名" || unit == "位") return "人";
  if (unit == "件次") return "件";
  if (unit == "场次") return "场";
  return unit;
}

// A subject or context clause split by quotation: `plain` is the text outside
// any quotes, `quoted` the text inside “”/「」/『』/‘’/"" names; text inside
// 《》 titles is dropped. Removed pieces leave a '|' so keywords never join
// across them.
struct Split {
  std::string plain, quoted;
};

Split SplitQuotes(std::string_view s) {
  Split out;
  int title = 0;       // depth of 《
  int name = 0;        // depth of “「『‘
  bool ascii = false;  // inside "..."
  size_t i = 0;
  auto starts = [&](std::string_view w) { return s.substr(i, w.size()) == w; };
  while (i < s.size()) {
    if (starts("《")) { ++title; out.plain += '|'; i += 3; continue; }
    if (starts("》")) { if (title > 0) --title; i += 3; continue; }
    if (starts("“") || starts("「") || starts("『") || starts("‘")) { ++name; out.plain += '|'; i += 3; continue; }
    if (starts("”") || starts("」") || starts("』") || starts("’")) {
      if (name > 0) --name;
      out.quoted += '|';
      i += 3;
      continue;
    }
    if (s[i] == '"') { ascii = !ascii; out.plain += '|'; out.quoted += '|'; ++i; continue; }
    const unsigned char b = static_cast<unsigned char>(s[i]);
    const size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
    const std::string_view ch = s.substr(i, len);
    if (title > 0) {
      // dropped
    } else if (name > 0 || ascii) {
      out.quoted += ch;
    } else {
      out.plain += ch;
    }
    i += len;
  }
  return out;
}

bool Has(std::string_view hay, std::string_view kw) { return hay.find(kw) != std::string_view::npos; }

bool IsRateWord(std::string_view kw) { return Has(kw, "率") || Has(kw, "度"); }

// A subject that names no counted thing of its own, only an action
// (走进社区开展, 覆盖, 全年累计开展): it takes its topic from the clause before.
bool IsWeakSubject(std::string_view plain) {
  while (!plain.empty() && (plain.back() == '|' || plain.back() == ' ')) plain.remove_suffix(1);
  if (plain.size() <= 6) return true;  // at most two characters
  static constexpr std::string_view kLightVerbs[] = {
      "开展", "组织", "举办", "进行", "召开", "覆盖", "参与", "参加", "惠及", "累计", "共计", "完成",
      "实施", "举行", "开设", "到位", "走访", "服务", "涉及", "受益", "达到", "共", "达", "有", "计"};
  for (std::string_view v : kLightVerbs) {
    if (plain.size() >= v.size() && plain.substr(plain.size() - v.size()) == v) return true;
  }
  return false;
}

// How well a rule matches; lower tier is better, then nearer context, then a
// longer match, then file order.
struct Score {
  int tier = 99;
  int distance = 0;
  size_t length = 0;
  bool Better(const Score& o) const {
    if (tier != o.tier) return tier < o.tier;
    if (distance != o.distance) return distance < o.distance;
    return length > o.length;
  }
};

struct Prepared {
  Split subject;
  std::vector<Split> context;
  bool rate = false;
  bool weak = false;
};

Score ScoreGroup(const std::vector<std::string>& group, const Prepared& p) {
  Score best;
  size_t length = 0;
  for (const std::string& kw : group) length += kw.size();
  // Tier 1: all in the subject (outside quotes).
  bool all_plain = true;
  for (const std::string& kw : group) all_plain = all_plain && Has(p.subject.plain, kw);
  if (all_plain) return {1, 0, length};
  // Tiers 2 and 3: anchored in the subject (plain / quoted), completed by the
  // subject or the nearest context clauses.
  for (int quoted_anchor = 0; quoted_anchor <= 1; ++quoted_anchor) {
    bool any_in_subject = false, ok = true;
    int distance = 0;
    for (const std::string& kw : group) {
      if (Has(p.subject.plain, kw) || (quoted_anchor == 1 && Has(p.subject.quoted, kw))) {
        any_in_subject = true;
        continue;
      }
      if (p.rate && IsRateWord(kw)) {  // a rate's own name
        ok = false;
        break;
      }
      int found = -1;
      for (size_t c = 0; c < p.context.size() && found < 0; ++c) {
        if (Has(p.context[c].plain, kw) || Has(p.context[c].quoted, kw)) found = static_cast<int>(c);
      }
      if (found < 0) {
        ok = false;
        break;
      }
      distance = std::max(distance, found + 1);
    }
    if (ok && any_in_subject) return {2 + quoted_anchor, distance, length};
  }
  // Tier 4: a weak subject takes the topic of the nearest clause that has one.
  if (p.weak) {
    for (size_t c = 0; c < p.context.size(); ++c) {
      bool all = true;
      for (const std::string& kw : group) {
        if (p.rate && IsRateWord(kw)) { all = false; break; }
        all = all && (Has(p.context[c].plain, kw) || Has(p.context[c].quoted, kw) || Has(p.subject.quoted, kw));
      }
      if (all) return {4, static_cast<int>(c), length};
    }
  }
  return best;
}

class TaxonomyImpl final : public Taxonomy {
 public:
  TaxonomyImpl(std::vector<TaxonomyEntry> entries, std::vector<Rule> rules, std::string version)
      : entries_(std::move(entries)), rules_(std::move(rules)), version_(std::move(version)) {}

  const TaxonomyEntry* ClassifyClause(const ClassifyRequest& r) const override {
    Prepared p;
    p.subject = SplitQuotes(r.subject);
    for (std::string_view c : r.context) p.context.push_back(SplitQuotes(c));
    p.rate = r.kind == common::v1::QUANTITY_KIND_PERCENT;
    p.weak = IsWeakSubject(p.subject.plain);
    const TaxonomyEntry* best = nullptr;
    Score best_score;
    for (size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      if (!FitsImpl(entries_[i], rule, r.kind, r.unit, r.noun)) continue;
      bool excluded = false;
      for (const std::string& ex : rule.exclude) excluded = excluded || Has(p.subject.plain, ex);
      if (excluded) continue;
      for (const auto& group : rule.match) {
        const Score s = ScoreGroup(group, p);
        if (s.tier < 99 && (best == nullptr || s.Better(best_score))) {
          best = &entries_[i];
          best_score = s;
        }
      }
    }
    return best;
  }

  const TaxonomyEntry* Classify(std::string_view subject, QuantityKind kind, std::string_view unit) const override {
    ClassifyRequest r;
    r.subject = subject;
    r.kind = kind;
    r.unit = unit;
    return ClassifyStrict(r);
  }
  const TaxonomyEntry* ClassifyInContext(std::string_view subject, std::string_view context, QuantityKind kind,
                                         std::string_view unit) const override {
    ClassifyRequest r;
    r.subject = subject;
    r.context.push_back(context);
    r.kind = kind;
    r.unit = unit;
    return ClassifyStrict(r);
  }

  bool Fits(const TaxonomyEntry& entry, QuantityKind kind, std::string_view unit, CountedNoun noun) const override {
    const size_t i = static_cast<size_t>(&entry - entries_.data());
    if (i >= entries_.size()) return false;
    return FitsImpl(entry, rules_[i], kind, unit, noun);
  }

  CanonicalValue Canonicalize(const TaxonomyEntry* entry, QuantityKind kind, std::string_view unit) const override {
    if (kind == common::v1::QUANTITY_KIND_PERCENT) return {"%", 1};
    if (const double f = MoneyFactor(unit); f > 0) return {"元", f};
    if (entry != nullptr && !entry->canonical_unit.empty()) return {entry->canonical_unit, 1};
    return {std::string(DefaultCanonical(unit)), 1};
  }

  const std::string& version() const override { return version_; }
  const std::vector<TaxonomyEntry>& entries() const override { return entries_; }

 private:
  // Classify()/ClassifyInContext(): a group needs a keyword in the subject.
  const TaxonomyEntry* ClassifyStrict(const ClassifyRequest& r) const {
    Prepared p;
    p.subject = SplitQuotes(r.subject);
    for (std::string_view c : r.context) p.context.push_back(SplitQuotes(c));
    p.rate = r.kind == common::v1::QUANTITY_KIND_PERCENT;
    p.weak = false;
    const TaxonomyEntry* best = nullptr;
    Score best_score;
    for (size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      if (!FitsImpl(entries_[i], rule, r.kind, r.unit, r.noun)) continue;
      bool excluded = false;
      for (const std::string& ex : rule.exclude) excluded = excluded || Has(p.subject.plain, ex);
      if (excluded) continue;
      for (const auto& group : rule.match) {
        const Score s = ScoreGroup(group, p);
        if (s.tier <= 3 && (best == nullptr || s.Better(best_score))) {
          best = &entries_[i];
          best_score = s;
        }
      }
    }
    return best;
  }

  static bool FitsImpl(const TaxonomyEntry& e, const Rule& rule, QuantityKind kind, std::string_view unit,
                       CountedNoun noun) {
    if (!rule.kinds.empty() && std::find(rule.kinds.begin(), rule.kinds.end(), kind) == rule.kinds.end()) {
      return false;
    }
    if (!rule.units.empty() && std::find(rule.units.begin(), rule.units.end(), unit) == rule.units.end()) {
      return false;
    }
    if (noun == CountedNoun::kOrganisation && e.unit_kind != "organisations") return false;
    if (e.canonical_unit.empty()) return true;
    if (kind == common::v1::QUANTITY_KIND_PERCENT) return e.canonical_unit == "%";
    if (kind == common::v1::QUANTITY_KIND_MONEY) return MoneyFactor(e.canonical_unit) > 0 && MoneyFactor(unit) > 0;
    const std::string_view u = noun == CountedNoun::kHousehold ? std::string_view("户") : unit;
    if (u == e.canonical_unit) return true;
    return std::find(e.unit_aliases.begin(), e.unit_aliases.end(), u) != e.unit_aliases.end();
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

Result<v1::MetricKind> ParseMetricKind(const std::string& s) {
  if (s == "count") return v1::METRIC_KIND_COUNT;
  if (s == "rate") return v1::METRIC_KIND_RATE;
  if (s == "money") return v1::METRIC_KIND_MONEY;
  if (s == "other") return v1::METRIC_KIND_OTHER;
  return Status::InvalidArgument("taxonomy: unknown metric kind '" + s + "' (count, rate, money, other)");
}

QuantityKind QuantityKindFor(v1::MetricKind k) {
  switch (k) {
    case v1::METRIC_KIND_RATE: return common::v1::QUANTITY_KIND_PERCENT;
    case v1::METRIC_KIND_MONEY: return common::v1::QUANTITY_KIND_MONEY;
    case v1::METRIC_KIND_OTHER: return common::v1::QUANTITY_KIND_OTHER;
    default: return common::v1::QUANTITY_KIND_COUNT;
  }
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
    RETURN_IF_ERROR(CheckKeys(m,
                              {"id", "label_zh", "label_en", "kind", "unit_kind", "unit", "unit_aliases", "kinds",
                               "units", "match", "exclude"},
                              where));
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
    if (m["kind"]) {
      ASSIGN_OR_RETURN(std::string k, ScalarString(m["kind"], where + ".kind"));
      ASSIGN_OR_RETURN(entry.metric_kind, ParseMetricKind(k));
      if (rule.kinds.empty()) rule.kinds.push_back(QuantityKindFor(entry.metric_kind));
    }
    if (m["unit_kind"]) {
      ASSIGN_OR_RETURN(entry.unit_kind, ScalarString(m["unit_kind"], where + ".unit_kind"));
    }
    if (m["unit"]) {
      ASSIGN_OR_RETURN(entry.canonical_unit, ScalarString(m["unit"], where + ".unit"));
    }
    if (m["unit_aliases"]) {
      if (entry.canonical_unit.empty()) {
        return Status::InvalidArgument("taxonomy: " + where + ": unit_aliases need a canonical 'unit'");
      }
      ASSIGN_OR_RETURN(entry.unit_aliases, StringList(m["unit_aliases"], where + ".unit_aliases"));
    }
    if (entry.metric_kind == v1::METRIC_KIND_RATE && !entry.canonical_unit.empty() && entry.canonical_unit != "%") {
      return Status::InvalidArgument("taxonomy: " + where + ": a rate's unit is %");
    }
    if (entry.metric_kind == v1::METRIC_KIND_MONEY && !entry.canonical_unit.empty() &&
        MoneyFactor(entry.canonical_unit) == 0) {
      return Status::InvalidArgument("taxonomy: " + where + ": a money metric's unit is 元, 千元, 万元 or 亿元");
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

v1::MetricKind MetricKindOf(common::v1::QuantityKind kind) {
  switch (kind) {
    case common::v1::QUANTITY_KIND_COUNT: return v1::METRIC_KIND_COUNT;
    case common::v1::QUANTITY_KIND_PERCENT: return v1::METRIC_KIND_RATE;
    case common::v1::QUANTITY_KIND_MONEY: return v1::METRIC_KIND_MONEY;
    default: return v1::METRIC_KIND_OTHER;
  }
}

}  // namespace reportflow::extract
