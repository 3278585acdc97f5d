// The generated report's own prose: sentences about the unit's own work,
// problems and plans, composed from a small grammar (a topic, two or three
// measures, an outcome), so that each report, like a real one, has text of its
// own besides the template's quantity phrasings and stock sentences.
//
// Why: in the five real reports of samples/, 90-97% of a report's clauses
// (cut at punctuation, names and numbers masked) are found in no other of them
// (`bench/own_clauses.py` measures it); a generated province whose reports are
// only a combination of ~160 template clauses has two short independent reports
// as alike as a copy with a few edits, which no real province has. A copy
// replays its source's choices, so it keeps the source's prose.
//
// The sentences hold no number, no numeral and no place-name suffix (乡, 镇,
// 县, 区, 市, 省, 街道): they add no quantity to the gold and never change where
// a report is placed.
// Thread-safety: free functions over immutable tables.
#pragma once

#include <string>

#include "cli/corpus_rng.h"

namespace reportflow::cli {

// A sentence on the unit's work: topic, measures, outcome, ending in 。.
std::string WorkSentence(Rng& r);
// A shortcoming, for the problems section, ending in 。.
std::string ProblemSentence(Rng& r);
// A plan, for the plans section, ending in 。.
std::string PlanSentence(Rng& r);

}  // namespace reportflow::cli
