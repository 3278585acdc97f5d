// Document identity: a document is identified by its decoded text, so the same
// report in another encoding (or re-ingested) gets the same id.
#pragma once

#include <string>
#include <string_view>

namespace reportflow::text {

// 32 lowercase hex digits of XXH3-128 over the decoded UTF-8 text.
std::string DocIdForText(std::string_view utf8_text);

// A short random-looking id for traces (16 hex digits), from a seed string.
std::string TraceIdFor(std::string_view seed);

}  // namespace reportflow::text
