#include "common/text/doc_id.h"

#include <xxhash.h>

#include <cstdio>

namespace reportflow::text {

std::string DocIdForText(std::string_view utf8_text) {
  const XXH128_hash_t h = XXH3_128bits(utf8_text.data(), utf8_text.size());
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

namespace {
int Nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case or other: not the canonical form
}
}  // namespace

std::optional<PackedDocId> PackDocId(std::string_view doc_id) {
  if (doc_id.size() != 32) return std::nullopt;
  PackedDocId k;
  for (size_t i = 0; i < 16; ++i) {
    const int hi = Nibble(doc_id[2 * i]), lo = Nibble(doc_id[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    k[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return k;
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + 2 * bytes.size());
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

void UnpackDocId(const PackedDocId& packed, std::string* out) {
  out->clear();
  AppendHex(std::string_view(reinterpret_cast<const char*>(packed.data()), packed.size()), out);
}

std::string TraceIdFor(std::string_view seed) {
  const XXH64_hash_t h = XXH3_64bits(seed.data(), seed.size());
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace reportflow::text
