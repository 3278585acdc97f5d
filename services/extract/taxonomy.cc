#include "services/extract/taxonomy.h"

#include <xxhash.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "common/base/macros.h"
#include "common/config/yaml_limits.h"
#include "common/text/utf8.h"

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

// Where a keyword occurs in a request: bit 0 the subject outside quotes, bit 1
// the subject inside “” names, bit 2 + c context clause c (outside 《》).
using Where = uint32_t;
constexpr Where kInSubject = 1;
constexpr Where kInQuotedSubject = 2;
constexpr int kMaxContext = 12;
constexpr Where ContextBit(int c) { return Where{4} << c; }

// The first UTF-8 character of s packed into an integer (the index key).
uint32_t FirstChar(std::string_view s, size_t i, size_t* len) {
  const unsigned char b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
  n = std::min(n, s.size() - i);
  uint32_t key = 0;
  for (size_t k = 0; k < n; ++k) key = (key << 8) | static_cast<unsigned char>(s[i + k]);
  *len = n;
  return key;
}

// Keyword group over keyword ids.
struct Group {
  std::vector<int> keywords;
  size_t length = 0;  // bytes of all keywords
};

// A group by position: groups_[rule][group].
struct GroupRef {
  uint32_t rule, group;
};

class TaxonomyImpl final : public Taxonomy {
 public:
  TaxonomyImpl(std::vector<TaxonomyEntry> entries, std::vector<Rule> rules, std::string version)
      : entries_(std::move(entries)), rules_(std::move(rules)), version_(std::move(version)) {
    std::map<std::string, int> ids;
    auto id_of = [&](const std::string& kw) {
      auto [it, added] = ids.emplace(kw, static_cast<int>(keywords_.size()));
      if (added) {
        keywords_.push_back(kw);
        rate_word_.push_back(IsRateWord(kw));
        size_t pos = 0;
        const char32_t first = text::DecodeUtf8(kw, &pos);
        if (first < 0x10000) {
          if (first_index_.empty()) first_index_.assign(0x10000, -1);
          if (first_index_[first] < 0) {
            first_index_[first] = static_cast<int32_t>(by_first_.size());
            by_first_.emplace_back();
          }
          uint32_t next = 0;  // the bytes after the first character, up to 3
          for (size_t k = pos; k < std::min(kw.size(), pos + 3); ++k) next = (next << 8) | static_cast<unsigned char>(kw[k]);
          by_first_[first_index_[first]].push_back({it->second, static_cast<uint8_t>(std::min<size_t>(kw.size() - pos, 3)), next});
        }
      }
      return it->second;
    };
    // Units: every unit an entry names gets a small id; an entry's accepted
    // units are a bit set over them.
    accepted_.resize(rules_.size());
    for (size_t i = 0; i < rules_.size(); ++i) {
      const TaxonomyEntry& e = entries_[i];
      if (e.canonical_unit.empty()) continue;
      accepted_[i].push_back(UnitId(e.canonical_unit, true));
      for (const std::string& a : e.unit_aliases) accepted_[i].push_back(UnitId(a, true));
    }
    organisations_.assign(rules_.size(), false);
    for (size_t i = 0; i < rules_.size(); ++i) organisations_[i] = entries_[i].unit_kind == "organisations";
    groups_.resize(rules_.size());
    excludes_.resize(rules_.size());
    for (size_t i = 0; i < rules_.size(); ++i) {
      for (const auto& g : rules_[i].match) {
        Group group;
        for (const std::string& kw : g) {
          group.keywords.push_back(id_of(kw));
          group.length += kw.size();
        }
        groups_[i].push_back(std::move(group));
      }
      for (const std::string& ex : rules_[i].exclude) excludes_[i].push_back(id_of(ex));
    }
    // A group can only score when its first keyword occurs somewhere, so only
    // the groups of the keywords found are visited (in rule and group order).
    groups_by_first_.resize(keywords_.size());
    for (size_t i = 0; i < rules_.size(); ++i) {
      for (size_t g = 0; g < groups_[i].size(); ++g) {
        if (groups_[i][g].keywords.empty()) continue;  // never matches (`all` over nothing is scored below)
        groups_by_first_[groups_[i][g].keywords[0]].push_back(GroupRef{static_cast<uint32_t>(i),
                                                                         static_cast<uint32_t>(g)});
      }
    }
    for (size_t i = 0; i < rules_.size(); ++i) {
      for (const Group& g : groups_[i]) has_empty_group_ = has_empty_group_ || g.keywords.empty();
      has_unit_filter_ = has_unit_filter_ || !rules_[i].units.empty();
    }
    // Eligibility depends only on (kind, money unit, unit id, noun) when no
    // rule has a legacy `units` filter: precomputed per combination.
    if (!has_unit_filter_) {
      const size_t units = unit_ids_.size() + 1;  // + "not a unit any entry names"
      eligible_table_.resize(kEligibleKinds * 2 * units * 3 * rules_.size());
      for (int kind = 0; kind < kEligibleKinds; ++kind) {
        for (int money = 0; money <= 1; ++money) {
          for (size_t u = 0; u < units; ++u) {
            for (int noun = 0; noun < 3; ++noun) {
              uint8_t* row = &eligible_table_[EligibleRow(kind, money, static_cast<int>(u) - 1, noun)];
              const std::string_view unit = money ? std::string_view("元") : std::string_view();
              for (size_t i = 0; i < rules_.size(); ++i) {
                row[i] = FitsFast(i, static_cast<QuantityKind>(kind), unit, static_cast<int>(u) - 1,
                                  static_cast<CountedNoun>(noun));
              }
            }
          }
        }
      }
    }
  }

  const TaxonomyEntry* ClassifyClause(const ClassifyRequest& r) const override { return Best(r, /*strict=*/false); }

  const TaxonomyEntry* Classify(std::string_view subject, QuantityKind kind, std::string_view unit) const override {
    ClassifyRequest r;
    r.subject = subject;
    r.kind = kind;
    r.unit = unit;
    return Best(r, /*strict=*/true);
  }
  const TaxonomyEntry* ClassifyInContext(std::string_view subject, std::string_view context, QuantityKind kind,
                                         std::string_view unit) const override {
    ClassifyRequest r;
    r.subject = subject;
    r.context.push_back(context);
    r.kind = kind;
    r.unit = unit;
    return Best(r, /*strict=*/true);
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
  // Marks in `where` every keyword occurring in `s`: `plain_bit` outside
  // quotes, `quoted_bit` inside “”/「」 names; nothing inside 《》 titles.
  // Keywords marked for the first time are appended to `marked`.
  void Mark(std::string_view s, Where plain_bit, Where quoted_bit, std::vector<Where>* where,
            std::vector<int>* marked) const {
    int title = 0, name = 0;
    bool ascii = false;
    size_t i = 0;
    while (i < s.size()) {
      size_t len = 0;
      const uint32_t key = FirstChar(s, i, &len);
      switch (key) {
        case 0xE3808A: ++title; break;                                    // 《
        case 0xE3808B: title = std::max(0, title - 1); break;             // 》
        case 0xE2809C: case 0xE3808C: case 0xE3808E: case 0xE28098: ++name; break;  // “ 「 『 ‘
        case 0xE2809D: case 0xE3808D: case 0xE3808F: case 0xE28099: name = std::max(0, name - 1); break;
        case '"': ascii = !ascii; break;
        default:
          if (title == 0 && !first_index_.empty()) {
            size_t pos = i;
            const char32_t cp = text::DecodeUtf8(s, &pos);
            const int32_t slot = cp < 0x10000 ? first_index_[cp] : -1;
            if (slot >= 0) {
              const Where bit = (name > 0 || ascii) ? quoted_bit : plain_bit;
              // The bytes after this character, to reject most candidates cheaply.
              uint32_t next = 0;
              const size_t avail = std::min<size_t>(s.size() - pos, 3);
              for (size_t k = 0; k < avail; ++k) next = (next << 8) | static_cast<unsigned char>(s[pos + k]);
              for (const KeywordRef& ref : by_first_[slot]) {
                if (ref.next_len > avail || (next >> (8 * (avail - ref.next_len))) != ref.next) continue;
                const std::string& kw = keywords_[ref.id];
                if (kw.size() <= s.size() - i && std::memcmp(s.data() + i, kw.data(), kw.size()) == 0) {
                  if ((*where)[ref.id] == 0) marked->push_back(ref.id);
                  (*where)[ref.id] |= bit;
                }
              }
            }
          }
      }
      i += len;
    }
  }

  int UnitId(const std::string& unit, bool add) {
    auto it = unit_ids_.find(unit);
    if (it != unit_ids_.end()) return it->second;
    if (!add) return -1;
    const int id = static_cast<int>(unit_ids_.size());
    unit_ids_.emplace(unit, id);
    return id;
  }
  int FindUnit(std::string_view unit) const {
    auto it = unit_ids_.find(std::string(unit));
    return it == unit_ids_.end() ? -1 : it->second;
  }

  // FitsImpl() with the unit already looked up.
  bool FitsFast(size_t i, QuantityKind kind, std::string_view unit, int unit_id, CountedNoun noun) const {
    const Rule& rule = rules_[i];
    if (!rule.kinds.empty() && std::find(rule.kinds.begin(), rule.kinds.end(), kind) == rule.kinds.end()) {
      return false;
    }
    if (!rule.units.empty() && std::find(rule.units.begin(), rule.units.end(), unit) == rule.units.end()) {
      return false;
    }
    if (noun == CountedNoun::kOrganisation && !organisations_[i]) return false;
    const TaxonomyEntry& e = entries_[i];
    if (e.canonical_unit.empty()) return true;
    if (kind == common::v1::QUANTITY_KIND_PERCENT) return e.canonical_unit == "%";
    if (kind == common::v1::QUANTITY_KIND_MONEY) return MoneyFactor(e.canonical_unit) > 0 && MoneyFactor(unit) > 0;
    return unit_id >= 0 && std::find(accepted_[i].begin(), accepted_[i].end(), unit_id) != accepted_[i].end();
  }

  Score ScoreGroup(const Group& g, const std::vector<Where>& where, bool rate, bool weak, int contexts,
                   bool strict) const {
    bool all_plain = true;
    for (int id : g.keywords) {
      if (where[id] == 0) return {};  // absent everywhere: no tier can match
      all_plain = all_plain && (where[id] & kInSubject);
    }
    if (all_plain) return {1, 0, g.length};
    for (int quoted_anchor = 0; quoted_anchor <= 1; ++quoted_anchor) {
      const Where in_subject = quoted_anchor ? (kInSubject | kInQuotedSubject) : kInSubject;
      bool any = false, ok = true;
      int distance = 0;
      for (int id : g.keywords) {
        if (where[id] & in_subject) {
          any = true;
          continue;
        }
        if (rate && rate_word_[id]) {  // a rate's 率 word is its own name
          ok = false;
          break;
        }
        const Where ctx = where[id] >> 2;
        if (ctx == 0) {
          ok = false;
          break;
        }
        distance = std::max(distance, __builtin_ctz(ctx) + 1);
      }
      if (ok && any) return {2 + quoted_anchor, distance, g.length};
    }
    if (weak && !strict) {
      for (int c = 0; c < contexts; ++c) {
        bool all = true;
        for (int id : g.keywords) {
          all = all && !(rate && rate_word_[id]) && (where[id] & (ContextBit(c) | kInQuotedSubject));
        }
        if (all) return {4, c, g.length};
      }
    }
    return {};
  }

  // Offset of the eligibility row of a combination in eligible_table_.
  size_t EligibleRow(int kind, int money, int unit_id, int noun) const {
    const size_t units = unit_ids_.size() + 1;
    return (((static_cast<size_t>(kind) * 2 + money) * units + static_cast<size_t>(unit_id + 1)) * 3 + noun) *
           rules_.size();
  }

  const TaxonomyEntry* Best(const ClassifyRequest& r, bool strict) const {
    // `where` is all zero between calls: only the entries marked are reset.
    thread_local std::vector<Where> where;
    thread_local std::vector<int> marked;
    thread_local std::vector<uint8_t> eligible_scratch;
    thread_local std::vector<GroupRef> candidates;
    if (where.size() < keywords_.size()) where.resize(keywords_.size(), 0);
    marked.clear();
    struct Reset {
      ~Reset() {
        for (int id : marked) where[id] = 0;
      }
    } reset;

    const int unit_id = FindUnit(r.noun == CountedNoun::kHousehold ? std::string_view("户") : r.unit);
    const uint8_t* eligible;
    const int kind = static_cast<int>(r.kind);
    const int noun = static_cast<int>(r.noun);
    if (!has_unit_filter_ && kind >= 0 && kind < kEligibleKinds && noun >= 0 && noun < 3) {
      eligible = &eligible_table_[EligibleRow(kind, MoneyFactor(r.unit) > 0 ? 1 : 0, unit_id, noun)];
    } else {
      eligible_scratch.assign(rules_.size(), 0);
      for (size_t i = 0; i < rules_.size(); ++i) eligible_scratch[i] = FitsFast(i, r.kind, r.unit, unit_id, r.noun);
      eligible = eligible_scratch.data();
    }
    Mark(r.subject, kInSubject, kInQuotedSubject, &where, &marked);
    auto excluded = [&](size_t i) {
      for (int id : excludes_[i]) {
        if (where[id] & kInSubject) return true;
      }
      return false;
    };
    // A group wholly in the subject beats anything the context could add:
    // only without one is the context read.
    const TaxonomyEntry* best = nullptr;
    Score best_score;
    if (has_empty_group_) {
      // A group without keywords is wholly in every subject: the plain scan.
      for (size_t i = 0; i < rules_.size(); ++i) {
        if (!eligible[i] || excluded(i)) continue;
        for (const Group& g : groups_[i]) {
          bool all = true;
          for (int id : g.keywords) all = all && (where[id] & kInSubject);
          if (all && (best == nullptr || g.length > best_score.length)) {
            best = &entries_[i];
            best_score = {1, 0, g.length};
          }
        }
      }
    } else {
      Candidates(where, marked, kInSubject, &candidates);
      for (const GroupRef& ref : candidates) {
        if (!eligible[ref.rule] || excluded(ref.rule)) continue;
        const Group& g = groups_[ref.rule][ref.group];
        bool all = true;
        for (int id : g.keywords) all = all && (where[id] & kInSubject);
        if (all && (best == nullptr || g.length > best_score.length)) {
          best = &entries_[ref.rule];
          best_score = {1, 0, g.length};
        }
      }
    }
    if (best != nullptr) return best;
    thread_local std::vector<std::string_view> read_context;
    const std::vector<std::string_view>* context = &r.context;
    if (r.context_source != nullptr) {
      read_context.clear();
      r.context_source->Read(&read_context);
      context = &read_context;
    }
    const int contexts = static_cast<int>(std::min<size_t>(context->size(), kMaxContext));
    for (int c = 0; c < contexts; ++c) Mark((*context)[c], ContextBit(c), ContextBit(c), &where, &marked);
    const bool rate = r.kind == common::v1::QUANTITY_KIND_PERCENT;
    const bool weak = !strict && IsWeakSubject(SplitQuotes(r.subject).plain);
    // A group scores only when every keyword occurs somewhere (ScoreGroup),
    // so the groups whose first keyword was marked are all that can.
    Candidates(where, marked, ~Where{0}, &candidates);
    for (const GroupRef& ref : candidates) {
      if (!eligible[ref.rule] || excluded(ref.rule)) continue;
      const Score sc = ScoreGroup(groups_[ref.rule][ref.group], where, rate, weak, contexts, strict);
      if (sc.tier < 99 && (best == nullptr || sc.Better(best_score))) {
        best = &entries_[ref.rule];
        best_score = sc;
      }
    }
    return best;
  }

  // The groups whose first keyword is marked with any of `bits`, in rule and
  // group order (the order of the full scan, so ties resolve the same way).
  void Candidates(const std::vector<Where>& where, const std::vector<int>& marked, Where bits,
                  std::vector<GroupRef>* out) const {
    out->clear();
    for (int id : marked) {
      if ((where[id] & bits) == 0) continue;
      const auto& refs = groups_by_first_[id];
      out->insert(out->end(), refs.begin(), refs.end());
    }
    std::sort(out->begin(), out->end(), [](const GroupRef& a, const GroupRef& b) {
      return a.rule != b.rule ? a.rule < b.rule : a.group < b.group;
    });
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
  std::vector<std::string> keywords_;
  std::vector<bool> rate_word_;
  std::vector<int32_t> first_index_;          // BMP code point → slot in by_first_, or -1
  struct KeywordRef {
    int id;
    uint8_t next_len;  // bytes in `next` (0..3)
    uint32_t next;     // the keyword's bytes after its first character
  };
  std::vector<std::vector<KeywordRef>> by_first_;  // keywords by first character
  std::vector<std::vector<Group>> groups_;
  std::vector<std::vector<GroupRef>> groups_by_first_;  // per keyword id: the groups it opens
  bool has_empty_group_ = false;
  bool has_unit_filter_ = false;                        // some rule has a legacy `units` list
  static constexpr int kEligibleKinds = 5;              // QuantityKind values 0..4
  std::vector<uint8_t> eligible_table_;                 // see EligibleRow()
  std::vector<std::vector<int>> excludes_;
  std::unordered_map<std::string, int> unit_ids_;
  std::vector<std::vector<int>> accepted_;  // unit ids per rule
  std::vector<bool> organisations_;         // unit_kind == organisations, per rule
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
  RETURN_IF_ERROR(config::CheckYamlExpansion(yaml).WithContext("taxonomy"));
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
