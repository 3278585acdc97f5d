// PdfExtractor: the text layer of a PDF in reading order, as plain UTF-8
// lines, one per paragraph.
//
// Words come from poppler's C++ API (page::text_list) in its reading order
// (the order of `pdftotext` without -layout/-raw) with their boxes, and are
// grouped into lines. Line breaks inside a paragraph are joined: a line that
// reaches the page's right margin continues on the next line when that one
// starts at the left margin (not indented) and does not start with a heading
// marker (一、 （二） 3. 第四章 ...). Bare page-number lines (- 3 -, 第3页 共9页)
// are dropped. Spaces poppler reports between Chinese and Latin/digit text
// (the typesetter's CJK-Latin gap) are removed.
//
// Pure function; thread-safe (poppler documents are not shared).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace reportflow::ingest {

// Errors: NotFound "scanned PDF, no text layer" when no page has text;
// Unimplemented for an encrypted PDF; InvalidArgument for a corrupt one.
Result<std::string> ExtractPdfText(std::string_view bytes);

// One line of a page with what its geometry says.
struct PdfLine {
  std::string text;
  bool reaches_right = false;  // ends at the right margin
  bool indented = false;       // starts right of the left margin
};

// Joins lines into paragraphs (exposed for tests): see the file comment.
std::string JoinPdfLines(const std::vector<PdfLine>& lines);

}  // namespace reportflow::ingest
