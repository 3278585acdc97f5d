// Near matches for "did you mean": candidates within a small edit distance of
// a mistyped name (a subcommand, a metric id, a region name), compared by
// Unicode code point so 塘坡县 and 塘坝县 are one edit apart.
// Thread-safety: free functions.
#pragma once

#include <string>
#include <vector>

namespace reportflow::cli {

// Levenshtein distance between two UTF-8 strings, in code points.
size_t EditDistance(const std::string& a, const std::string& b);

// Up to `max` candidates close to `query`, closest first (ties in candidate
// order): those within max(1, length/3) edits, and those that contain the
// query or are contained in it. Duplicates are listed once.
std::vector<std::string> NearMatches(const std::string& query, const std::vector<std::string>& candidates,
                                     size_t max = 5);

// "; did you mean 'a', 'b'?" or "" when `matches` is empty.
std::string DidYouMean(const std::vector<std::string>& matches);

}  // namespace reportflow::cli
