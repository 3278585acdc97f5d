// Character-set detection and decoding to UTF-8 with ICU.
//
// Detection order: byte-order mark; UTF-16 (LE/BE) when NUL bytes show a
// 16-bit text; strict UTF-8; strict GB18030 (which covers GBK and GB2312).
// Decoding is strict: an invalid or truncated sequence is an error, never a
// silent replacement character.
//
// Thread-safety: free functions; each call opens its own ICU converter.
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace reportflow::text {

struct DecodedText {
  std::string utf8;      // BOM removed; line endings untouched
  std::string encoding;  // canonical name: UTF-8, UTF-16LE, UTF-16BE, GB18030
};

// Detects the character set of `bytes` and decodes them.
// Errors (kInvalidArgument) name the reason: empty input, binary content,
// invalid or truncated sequences in every candidate encoding.
Result<DecodedText> DecodeToUtf8(std::string_view bytes);

// Decodes `bytes` from the named charset (any ICU converter name) strictly.
Result<std::string> ConvertToUtf8(std::string_view bytes, const char* charset);

// Encodes UTF-8 text into the named charset strictly (for tests and the corpus
// generator: writes GB18030 and UTF-16 files).
Result<std::string> ConvertFromUtf8(std::string_view utf8, const char* charset);

}  // namespace reportflow::text
