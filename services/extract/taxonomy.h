// Taxonomy: the operator-editable YAML mapping of subjects to canonical metric
// ids with Chinese and English labels (deploy/config/taxonomy.yaml; a default
// copy is compiled into the binary).
//
// Thread-safety: immutable after loading; share it as shared_ptr<const Taxonomy>.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "reportflow/common/v1/common.pb.h"

namespace reportflow::extract {

struct TaxonomyEntry {
  std::string metric_id;   // mediation.disputes_handled
  std::string label_zh;
  std::string label_en;
};

class Taxonomy {
 public:
  // Parses YAML text; unknown keys and malformed entries are errors.
  static Result<std::shared_ptr<const Taxonomy>> Parse(std::string_view yaml);
  static Result<std::shared_ptr<const Taxonomy>> LoadFile(const std::string& path);
  // The taxonomy compiled into the binary.
  static Result<std::shared_ptr<const Taxonomy>> Default();

  // The entry for a subject of the given kind and unit, or nullptr (= "unclassified").
  virtual const TaxonomyEntry* Classify(std::string_view subject, common::v1::QuantityKind kind,
                                        std::string_view unit) const = 0;
  // Like Classify(), for a short subject (成功, 合格率) read in its sentence: a
  // keyword group matches when all its keywords occur in `context` (the text
  // before the subject) or `subject`, and at least one occurs in `subject`.
  virtual const TaxonomyEntry* ClassifyInContext(std::string_view subject, std::string_view context,
                                                 common::v1::QuantityKind kind, std::string_view unit) const = 0;
  // A hash of the taxonomy content; part of the extractor's processing version.
  virtual const std::string& version() const = 0;
  virtual const std::vector<TaxonomyEntry>& entries() const = 0;
  virtual ~Taxonomy() = default;
};

}  // namespace reportflow::extract
