// CorpusGenerator: a deterministic province of synthetic township reports with
// their ground truth, for measuring accuracy and speed at scale.
//
// Layout written under `out_dir`:
//   reports/NNNNNN.txt      one report each: UTF-8 or GB18030, simplified or
//                           traditional characters, full-width or ASCII
//                           punctuation, with or without a title line, some on
//                           a single line
//   reports/archive-NNNN.zip a few reports packed together (no gold: eval reads
//                           only the .txt files)
//   gold.jsonl              every quantity of every .txt report, in the devset
//                           format (tests/testdata/devset/README.md); `text` is
//                           a span of the decoded UTF-8 text, unique in its file
//   gold_meta.jsonl         per-report metadata in the devset format
//   gold_copies.jsonl       the planted copies (--copies): {file, source,
//                           relation (same_unit_previous_year or
//                           other_unit_same_year), edits}; empty without
//
// Planted copies: a share of reports is made from an earlier report (the same
// unit's, a year later, or another unit's of the same year) by replaying the
// generator from where that report began with the numbers drawn elsewhere:
// the same structure, wording and choices, the copier's own place names and
// numbers, then 2-4 sentences edited (one added, a stock sentence dropped, a
// sub-heading reworded). Encoding, punctuation and script are drawn afresh.
// Reports that are not copies are drawn independently, from the same
// templates as the copies, each with prose of its own besides them (a small
// grammar, cli/corpus_prose.h: real reports are mostly their own text): how
// similar they are anyway is measured in common/audit/README.md.
//
// The same (reports, seed) always gives the same bytes: the generator uses its
// own SplitMix64 stream and no library distributions.
// Thread-safety: a free function; no shared state.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/result.h"

namespace reportflow::cli {

struct CorpusOptions {
  int reports = 100;
  uint64_t seed = 1;
  std::string out_dir;
  int copies_percent = 0;  // share of reports planted as copies (0-50)
};

struct CorpusStats {
  int text_files = 0;     // reports written as .txt
  int archived = 0;       // reports inside zip archives
  int archives = 0;
  int gold_items = 0;
  uint64_t bytes = 0;     // bytes of report files written
  int copies = 0;         // planted copies (gold_copies.jsonl)
};

Result<CorpusStats> GenerateCorpus(const CorpusOptions& options);

}  // namespace reportflow::cli
