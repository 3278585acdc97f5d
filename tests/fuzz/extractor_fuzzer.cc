// Fuzz target: Segmenter + Extractor on arbitrary valid UTF-8, the path every
// document takes. Invariants: never crashes; every metric's span lies inside
// the text and its surface text is the text at that span.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/text/utf8.h"
#include "services/extract/extractor.h"
#include "services/segment/segmenter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<reportflow::segment::Segmenter> segmenter = [] {
    auto s = reportflow::segment::Segmenter::Create();
    if (!s.ok()) std::abort();
    return std::move(s).value();
  }();
  static std::unique_ptr<reportflow::extract::Extractor> extractor = [] {
    auto taxonomy = reportflow::extract::Taxonomy::Default();
    if (!taxonomy.ok()) std::abort();
    auto e = reportflow::extract::Extractor::Create(*taxonomy);
    if (!e.ok()) std::abort();
    return std::move(e).value();
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!reportflow::text::IsValidUtf8(text)) return 0;
  reportflow::segment::v1::SegmentedDocument doc;
  if (!segmenter->Segment(text, &doc).ok()) return 0;
  reportflow::extract::v1::ExtractionResult result;
  if (!extractor->Extract(doc, &result).ok()) return 0;
  for (const auto& m : result.metrics()) {
    const auto& span = m.span();
    if (span.begin() > span.end() || span.end() > size) std::abort();
    if (text.substr(span.begin(), span.end() - span.begin()) != m.text()) std::abort();
  }
  return 0;
}
