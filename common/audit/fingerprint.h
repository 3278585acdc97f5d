// Fingerprint: a compact description of a report's text for near-duplicate
// detection, computed where the text is (extract) and carried to aggregate.
//
// The text is cut into clauses (at 。，；：、！？ and their ASCII forms; line
// ends are white space, so a text laid out on one line or wrapped elsewhere
// gives the same clauses). Each clause is normalized (full-width ASCII folded, traditional
// characters simplified, white space dropped) and hashed twice: with the
// document's own place names masked and every number (arabic, full-width or
// Chinese numerals, with their separators) masked (`masked`), and with the
// names masked but the numbers kept (`numbered`). Aggregate compares the
// clause sequences of likely copies (near_duplicate.h) and finds the likely
// copies through shingles, runs of kShingleClauses masked clauses, that few
// documents share (duplicate_index.h).
//
// Why clause runs and not character n-grams: two independent reports of one
// county share boilerplate phrases and sentences, but rarely the same four
// clauses in the same order outside their boilerplate; a copy keeps its
// source's sequence even when its names, numbers and a few sentences change.
// Text common to many documents weighs little (audit_keeper.h; README.md has
// the measurement).
// Thread-safety: free functions over immutable tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reportflow/common/v1/common.pb.h"
#include "reportflow/extract/v1/extract.pb.h"

namespace reportflow::audit {

// 3: line ends no longer cut clauses. 4: no MinHash signature (aggregate
// finds candidates through rare shingles instead). 5: 32-bit clause hashes and
// clause offsets as gaps and lengths, half the bytes.
inline constexpr uint32_t kFingerprintVersion = 5;
inline constexpr int kShingleClauses = 6;

// The fingerprint of `text` (UTF-8; byte offsets refer to it) with every name
// in `names` masked (the document's own township, county ... in any written
// form; empty names are ignored).
extract::v1::TextFingerprint ComputeFingerprint(std::string_view text, const std::vector<std::string>& names);
// The same into `out` (cleared first), on whatever arena holds it.
void ComputeFingerprint(std::string_view text, const std::vector<std::string>& names,
                        extract::v1::TextFingerprint* out);

// A clause's bytes in the stored text, [begin, end).
struct ClauseSpan {
  uint32_t begin = 0, end = 0;
};
// Every clause's span, from the fingerprint's gaps and lengths.
std::vector<ClauseSpan> ClauseSpans(const extract::v1::TextFingerprint& fp);

// The names a document's fingerprint masks: its township, county, city and
// province as resolved and as written, and their forms without the
// administrative suffix (巫溪县 -> 巫溪) when at least two characters remain.
std::vector<std::string> NamesToMask(const common::v1::DocumentMetadata& meta);

// Shingles kept for the candidate index: of every kWinnowWindow consecutive
// shingles, the one with the least hash (winnowing). About 2 / (window + 1) of
// them are kept, and two texts sharing a run of kShingleClauses +
// kWinnowWindow - 1 masked clauses (9) always keep a shingle of it in common:
// a copy is still found through the runs between its edits, with 60% fewer
// entries to count, list and look up.
inline constexpr int kWinnowWindow = 4;

// The sorted, distinct shingle hashes of a fingerprint's masked clauses, in
// runs of `clauses` (a text shorter than that is one shingle); with `window`
// > 1, only those winnowing selects.
std::vector<uint64_t> Shingles(const extract::v1::TextFingerprint& fp, int clauses = kShingleClauses,
                               int window = 1);

}  // namespace reportflow::audit
