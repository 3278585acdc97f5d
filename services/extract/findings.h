// Consistency findings per sentence: a bounded rate above 100%, successes
// above their total, and whether total, successes and success rate agree
// (see the table in README.md). Internal to services/extract.
#pragma once

#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::extract::internal {

namespace pb = ::reportflow::extract::v1;

// Checks the metrics of one sentence, [first, last) in out->metrics().
void CheckSentence(pb::ExtractionResult* out, int first, int last);

}  // namespace reportflow::extract::internal
