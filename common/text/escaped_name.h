// File names are bytes. What the pipeline stores (ledger, rejections) and
// prints is their escaped form: valid UTF-8 without control characters, so a
// name with invalid UTF-8 cannot poison a protobuf string, and a name holding
// a newline or terminal escape codes cannot forge lines of a report. The form
// is reversible (UnescapeName gives the bytes back):
//   \\           a backslash
//   \xHH         a byte that is not part of valid UTF-8, or an ASCII control
//                character (0x00-0x1F, 0x7F)
//   \u{HHHH}     a C1 control (U+0080-U+009F) or an invisible format character
//                that reorders or breaks lines (U+200E/F, U+2028/9, U+202A-E,
//                U+2066-9)
// Every other character, Chinese included, is kept as it is.
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace reportflow::text {

std::string EscapeName(std::string_view bytes);

// The bytes of an escaped name; InvalidArgument on a malformed escape.
Result<std::string> UnescapeName(std::string_view escaped);

}  // namespace reportflow::text
