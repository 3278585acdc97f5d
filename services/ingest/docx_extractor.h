// DocxExtractor: the body text of a Word .docx (Office Open XML) in reading
// order, as plain UTF-8 lines.
//
// Output contract:
//   - one line per paragraph (empty paragraphs stay empty lines);
//   - automatic numbering (numbering.xml, direct or through the paragraph
//     style, e.g. Word heading styles) is rendered as the number text the
//     reader sees ("一、", "（二）", "3.") in front of the paragraph;
//   - a table becomes one line per row, cells separated by a tab; nested
//     tables are flattened into their cell;
//   - no Word residue: field instructions (w:instrText), deleted revisions,
//     bookmarks, comments, headers, footers and footnotes are not part of the
//     text; field results (what Word displays) are.
// Limits: text boxes and drawings are not read (documented in README.md).
//
// Pure function; the package is read from memory through libarchive with a
// cap on each inflated XML part.
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace reportflow::ingest {

// Extracts the text of a .docx package. Errors: InvalidArgument for a corrupt
// package or XML; ResourceExhausted when a part inflates beyond
// `max_part_bytes`.
Result<std::string> ExtractDocxText(std::string_view bytes, size_t max_part_bytes = 64u << 20);

}  // namespace reportflow::ingest
