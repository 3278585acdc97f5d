// Small UTF-8 helpers shared by every stage (no ICU objects kept).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace reportflow::text {

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

// Decodes the code point starting at s[*pos] and advances *pos past it.
// Invalid bytes decode as U+FFFD and advance by one byte.
char32_t DecodeUtf8(std::string_view s, size_t* pos);

// Appends the UTF-8 encoding of `cp` to `out`.
void AppendUtf8(char32_t cp, std::string* out);

// Removes a leading UTF-8 BOM and turns CRLF and lone CR into LF.
std::string NormalizeNewlines(std::string_view s);

}  // namespace reportflow::text
