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
};

struct CorpusStats {
  int text_files = 0;     // reports written as .txt
  int archived = 0;       // reports inside zip archives
  int archives = 0;
  int gold_items = 0;
  uint64_t bytes = 0;     // bytes of report files written
};

Result<CorpusStats> GenerateCorpus(const CorpusOptions& options);

}  // namespace reportflow::cli
