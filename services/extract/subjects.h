// Subjects: what a quantity counts, read from its clause (list markers, time
// phrases, scope and predicate markers trimmed), the clause bounds, the noun
// a 个 counts, and the clauses before a subject that the classifier reads as
// its context. Internal to services/extract.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "services/extract/quantity_parser.h"
#include "services/extract/sentence_buffer.h"
#include "services/extract/taxonomy.h"

namespace reportflow::extract::internal {

void TrimSubject(const Buffer& b, size_t* from, size_t* to);

// A clause is cut at this many characters on either side of a quantity: text
// without punctuation would otherwise be one clause, scanned once per
// quantity (quadratic; tests/hostile). Real clauses are far shorter.
constexpr size_t kMaxClauseReach = 400;

// The start (end) of the clause around index i, at most kMaxClauseReach away.
size_t ClauseStart(const Buffer& b, size_t i);
size_t ClauseEnd(const Buffer& b, size_t i);

// What a 个 counts, from the noun after it: 个村/个社区/个单位 are
// organisations, 个家庭 households.
CountedNoun NounAfter(const Buffer& b, const Quantity& q);

// The context of a subject for the classifier: the clauses of [floor, end)
// nearest first, at most `max` of them, read as simplified. Read only when the
// classifier asks (most subjects decide their metric alone).
class ClauseContext final : public ContextSource {
 public:
  // `scratch` holds the clauses that cannot be views into the sentence.
  ClauseContext(const Buffer& b, const SentenceParser& parser, size_t floor, size_t end, size_t max,
                std::vector<std::string>* scratch)
      : b_(b), parser_(parser), floor_(floor), end_(end), max_(max), scratch_(scratch) {}
  void Read(std::vector<std::string_view>* clauses) const override;

 private:
  const Buffer& b_;
  const SentenceParser& parser_;
  size_t floor_, end_, max_;
  std::vector<std::string>* scratch_;
};

}  // namespace reportflow::extract::internal
