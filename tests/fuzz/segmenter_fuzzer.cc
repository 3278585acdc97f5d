// Fuzz target: Segmenter on arbitrary valid UTF-8 (the decoder guarantees
// valid UTF-8, so invalid inputs are skipped). Invariants: never crashes;
// every sentence span lies inside the text.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/text/utf8.h"
#include "services/segment/segmenter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<reportflow::segment::Segmenter> segmenter = [] {
    auto s = reportflow::segment::Segmenter::Create();
    if (!s.ok()) std::abort();
    return std::move(s).value();
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!reportflow::text::IsValidUtf8(text)) return 0;
  reportflow::segment::v1::SegmentedDocument doc;
  if (!segmenter->Segment(text, &doc).ok()) return 0;
  for (const auto& sentence : doc.sentences()) {
    if (sentence.span().begin() > sentence.span().end() || sentence.span().end() > size) std::abort();
  }
  return 0;
}
