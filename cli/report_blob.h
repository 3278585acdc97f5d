// Compressed blocks of the HTML report: data is gzip-compressed (zlib) and
// base64-encoded into <script type="text/plain"> blocks, which the page's
// script decodes with the browser's DecompressionStream("gzip") when it needs
// them (per-document detail only when a document is opened).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace reportflow::cli {

// `data` as a gzip member (RFC 1952), best compression.
Result<std::string> Gzip(std::string_view data);
// Inverse of Gzip() (any gzip or zlib stream); for tests and tools.
Result<std::string> Gunzip(std::string_view data);
// Standard base64 (RFC 4648, with padding, no line breaks).
std::string Base64(std::string_view data);
// Inverse of Base64(); InvalidArgument on a character outside the alphabet.
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace reportflow::cli
