// Small helpers over UTF-32 text (std::u32string_view), the form segmentation
// matches on (services/segment/text_normalizer.h).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace reportflow::segment {

// True if `w` occurs in `s` at position `i`.
inline bool StartsWith(std::u32string_view s, size_t i, std::u32string_view w) {
  if (i + w.size() > s.size()) return false;
  for (size_t k = 0; k < w.size(); ++k) {
    if (s[i + k] != w[k]) return false;
  }
  return true;
}

inline bool EndsWith(std::u32string_view s, std::u32string_view w) {
  return s.size() >= w.size() && s.substr(s.size() - w.size()) == w;
}

}  // namespace reportflow::segment
