// Test helper: builds a SegmentedDocument by hand (one sentence per
// 。/！/？-terminated piece or line), so extractor tests do not depend on the
// segmenter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reportflow/segment/v1/segment.pb.h"

namespace reportflow::extract::testing {

// Sentences end after 。！？ or a newline; every sentence gets `section`.
inline segment::v1::SegmentedDocument MakeDoc(std::string_view text, int section = -1) {
  segment::v1::SegmentedDocument doc;
  doc.set_source("test.txt");
  doc.set_text(std::string(text));
  const std::string& t = doc.text();
  size_t start = 0;
  size_t i = 0;
  while (i < t.size()) {
    bool end = false;
    size_t len = 1;
    if (t.compare(i, 3, "。") == 0 || t.compare(i, 3, "！") == 0 || t.compare(i, 3, "？") == 0) {
      end = true;
      len = 3;
    } else if (t[i] == '\n') {
      end = true;
    }
    i += len;
    if (end || i >= t.size()) {
      auto* s = doc.add_sentences();
      s->mutable_span()->set_begin(static_cast<uint32_t>(start));
      s->mutable_span()->set_end(static_cast<uint32_t>(i));
      s->set_section(section);
      start = i;
    }
  }
  return doc;
}

}  // namespace reportflow::extract::testing
