#include "common/text/utf8.h"

namespace reportflow::text {

char32_t DecodeUtf8Slow(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; min = 0x10000; }
  else { *pos = i + 1; return 0xFFFD; }
  for (int k = 1; k < len; ++k) {
    const int c = cont(k);
    if (c < 0) { *pos = i + 1; return 0xFFFD; }
    cp = (cp << 6) | static_cast<char32_t>(c);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *pos = i + 1; return 0xFFFD; }
  *pos = i + len;
  return cp;
}

bool IsValidUtf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t before = pos;
    const char32_t cp = DecodeUtf8(s, &pos);
    if (cp == 0xFFFD) {
      // A literal U+FFFD is three bytes EF BF BD; anything else is an error.
      if (pos - before != 3) return false;
    }
  }
  return true;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string NormalizeNewlines(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  std::string out;
  out.reserve(s.size());
  // Runs between carriage returns are copied whole (most text has none).
  size_t start = 0;
  for (size_t cr = s.find('\r'); cr != std::string_view::npos; cr = s.find('\r', start)) {
    out.append(s.substr(start, cr - start));
    out.push_back('\n');
    start = cr + 1;
    if (start < s.size() && s[start] == '\n') ++start;
  }
  out.append(s.substr(start));
  return out;
}

void AppendUtf32(std::string_view s, std::u32string* out) {
  for (size_t pos = 0; pos < s.size();) out->push_back(DecodeUtf8(s, &pos));
}

std::u32string ToUtf32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size() / 3 + 1);
  AppendUtf32(s, &out);
  return out;
}

}  // namespace reportflow::text
