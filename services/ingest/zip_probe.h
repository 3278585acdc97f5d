// ZipProbe: lists the entry names of a zip file from its central directory,
// without inflating anything. Used to tell office packages (.docx, .xlsx,
// .odt, .ofd) from plain zip archives by content rather than by file name.
//
// Pure function over bytes; bounded: at most `max_entries` names are read and
// every offset is checked against the buffer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace reportflow::ingest {

// Entry names in central-directory order; empty if `bytes` is not a readable
// zip (no end-of-central-directory record, or offsets out of range).
std::vector<std::string> ZipEntryNames(std::string_view bytes, size_t max_entries = 4096);

// The package kind of a zip, judged from its entry names: "docx", "xlsx",
// "pptx", "ooxml" (another Office Open XML package), "odt", "ods", "odp",
// "ofd" (the Chinese e-document format) or "" for an ordinary archive.
std::string ZipPackageKind(std::string_view bytes);

}  // namespace reportflow::ingest
