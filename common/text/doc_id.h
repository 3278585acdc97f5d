// Document identity: a document is identified by its decoded text, so the same
// report in another encoding (or re-ingested) gets the same id.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reportflow::text {

// 32 lowercase hex digits of XXH3-128 over the decoded UTF-8 text.
std::string DocIdForText(std::string_view utf8_text);

// A doc_id in its canonical form (32 lowercase hex digits: every id
// DocIdForText makes) as its 16 bytes, for compact sets and tables of ids;
// nullopt for any other string, which callers keep as text.
using PackedDocId = std::array<uint8_t, 16>;
std::optional<PackedDocId> PackDocId(std::string_view doc_id);
// The canonical doc_id of `packed`, into `out` (32 characters).
void UnpackDocId(const PackedDocId& packed, std::string* out);
// A hash of a packed id for hash tables: its first 8 bytes (the id is already a hash).
struct PackedDocIdHash {
  size_t operator()(const PackedDocId& packed) const {
    uint64_t h = 0;
    for (size_t i = 0; i < 8; ++i) h = h << 8 | packed[i];
    return static_cast<size_t>(h);
  }
};

// `bytes` as lowercase hex digits, two per byte, appended to `out` (doc ids,
// and binary identities such as ZeroMQ's routing ids where a log shows them).
void AppendHex(std::string_view bytes, std::string* out);

// A short random-looking id for traces (16 hex digits), from a seed string.
std::string TraceIdFor(std::string_view seed);

}  // namespace reportflow::text
