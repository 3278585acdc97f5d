// Structure between the quantities of a report, decided after each sentence's
// quantities are classified:
//   - role: VALUE (an achievement), PART (a 其中/包括 sub-count of `parent`),
//     TARGET (a plan section, or 力争/目标/计划… in the clause), CHANGE
//     (同比增长15%, 较上年下降3个百分点: a change, never a level of the thing);
//   - total: the quantity is marked as a total (全年/累计/共计/总计/合计/共) or
//     is the parent of parts;
//   - a part that names no metric of its own takes its parent's id.
// A part must fit the parent's metric (kind and unit), and the parts of one
// total never add up to more than it; a run of parts ends at 。/；, at the
// bracket that opened it, or at the first quantity that does not fit.
//
// Pure logic on the metrics of one sentence in an ExtractionResult.
// Thread-safety: free functions; StructureState belongs to one Extract() call.
#pragma once

#include <string_view>

#include "reportflow/extract/v1/extract.pb.h"
#include "services/extract/taxonomy.h"

namespace reportflow::extract {

// Carried from one sentence to the next within a document.
struct StructureState {
  int section = -2;     // the section of the last sentence seen
  int last_total = -1;  // index of the last count/money value, for a sentence opening with 其中
};

struct SentenceContext {
  std::string_view text;  // the sentence as stored
  uint32_t begin = 0;     // its byte offset in the document text
  int section = -1;
  bool plan_section = false;  // a plans/next-steps section (SECTION_KIND_PLANS or its heading)
};

// Sets role, parent and total (and a part's inherited metric id) on
// out->metrics()[first, out->metrics_size()), the metrics of `sentence`.
void AssignStructure(const SentenceContext& sentence, const Taxonomy& taxonomy, int first,
                     v1::ExtractionResult* out, StructureState* state);

// True if a section heading names plans or targets (下一步, 2025年工作计划,
// 工作打算, 目标 …).
bool IsPlanHeading(std::string_view heading);

}  // namespace reportflow::extract
