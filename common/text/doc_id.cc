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

std::string TraceIdFor(std::string_view seed) {
  const XXH64_hash_t h = XXH3_64bits(seed.data(), seed.size());
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace reportflow::text
