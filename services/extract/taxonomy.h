// Taxonomy: the operator-editable YAML list of metric ids with their labels,
// their kind (count, rate, money, other), the kind and canonical unit of what
// they count, and the topic cues that select them (deploy/config/taxonomy.yaml;
// a default copy is compiled into the binary).
//
// Classification is a small scorer over a clause, not a keyword lottery:
//   1. an entry is eligible only when the quantity's kind and unit fit it
//      (people 人/名/人次 are never sessions, 个村 is an organisation count);
//   2. a cue group (all its keywords) found in the subject itself wins; text
//      inside 《》 titles never counts, text inside “”/「」 names only when
//      nothing outside them matches;
//   3. a group anchored in the subject and completed by the clauses before it
//      comes next (成功率 after 调解…);
//   4. a subject without any cue (走进社区开展2场次, 覆盖500余人次) takes the
//      topic of the nearest clause before it that has one;
//   within a tier the longest matched cue text wins, ties go to file order.
// For a rate, the cue that contains 率/度 must be in the rate's own name, so a
// rate never inherits the qualifier of the rate before it.
//
// Thread-safety: immutable after loading; share it as shared_ptr<const Taxonomy>.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "reportflow/common/v1/common.pb.h"
#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::extract {

struct TaxonomyEntry {
  std::string metric_id;  // mediation.disputes_handled
  std::string label_zh;
  std::string label_en;
  v1::MetricKind metric_kind = v1::METRIC_KIND_UNSPECIFIED;  // `kind:`; unset = from the quantity
  std::string unit_kind;       // people, sessions, cases, documents, organisations, money, percent …
  std::string canonical_unit;  // `unit:`; empty = any unit, kept as written
  std::vector<std::string> unit_aliases;  // units as written that count as canonical_unit
};

// What a 个 counts, read from the noun after it (个村, 个家庭): the unit alone
// does not say.
enum class CountedNoun { kNone, kOrganisation, kHousehold };

// Supplies a request's context clauses on demand: classification reads them
// only when no cue group lies wholly in the subject, which is the common case.
class ContextSource {
 public:
  // Appends the clauses of the sentence before the subject, nearest first.
  // The views must stay valid until the classification returns.
  virtual void Read(std::vector<std::string_view>* clauses) const = 0;

 protected:
  ~ContextSource() = default;
};

// One quantity to classify.
struct ClassifyRequest {
  std::string_view subject;  // the subject phrase (what is counted), as written
  // The clauses of the sentence before the subject, nearest first.
  std::vector<std::string_view> context;
  // If set, the context is read from here (at most once, only when needed)
  // and `context` is ignored.
  const ContextSource* context_source = nullptr;
  common::v1::QuantityKind kind = common::v1::QUANTITY_KIND_COUNT;
  std::string_view unit;  // as written
  CountedNoun noun = CountedNoun::kNone;
};

// A value in a metric's canonical unit.
struct CanonicalValue {
  std::string unit;   // 件, 人, 元, % … (as written when nothing maps it)
  double factor = 1;  // canonical value = value × factor (万元 → 10000)
};

class Taxonomy {
 public:
  // Parses YAML text; unknown keys and malformed entries are errors.
  static Result<std::shared_ptr<const Taxonomy>> Parse(std::string_view yaml);
  static Result<std::shared_ptr<const Taxonomy>> LoadFile(const std::string& path);
  // The taxonomy compiled into the binary.
  static Result<std::shared_ptr<const Taxonomy>> Default();

  // The entry for a quantity in its clause (see the file comment), or nullptr
  // (= "unclassified").
  virtual const TaxonomyEntry* ClassifyClause(const ClassifyRequest& request) const = 0;
  // Shorthands: the subject alone; the subject with the text before it as one
  // context clause (a group must still have a keyword in the subject).
  virtual const TaxonomyEntry* Classify(std::string_view subject, common::v1::QuantityKind kind,
                                        std::string_view unit) const = 0;
  virtual const TaxonomyEntry* ClassifyInContext(std::string_view subject, std::string_view context,
                                                 common::v1::QuantityKind kind, std::string_view unit) const = 0;
  // True if a quantity of this kind and unit fits `entry` (used for 其中 parts).
  virtual bool Fits(const TaxonomyEntry& entry, common::v1::QuantityKind kind, std::string_view unit,
                    CountedNoun noun) const = 0;
  // The canonical unit and factor of `unit` in `entry` (nullptr: unclassified,
  // where only the built-in aliases apply: 名/位 → 人, 件次 → 件, 场次 → 场,
  // 千元/万元/亿元 → 元).
  virtual CanonicalValue Canonicalize(const TaxonomyEntry* entry, common::v1::QuantityKind kind,
                                      std::string_view unit) const = 0;
  // A hash of the taxonomy content; part of the extractor's processing version.
  virtual const std::string& version() const = 0;
  virtual const std::vector<TaxonomyEntry>& entries() const = 0;
  virtual ~Taxonomy() = default;
};

// The metric kind of an unclassified quantity: from its quantity kind.
v1::MetricKind MetricKindOf(common::v1::QuantityKind kind);

}  // namespace reportflow::extract
