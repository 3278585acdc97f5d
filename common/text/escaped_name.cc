#include "common/text/escaped_name.h"

#include <cstdio>

#include "common/text/utf8.h"

namespace reportflow::text {
namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0.
size_t ValidSequenceAt(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  return IsValidUtf8(s.substr(i, len)) ? len : 0;
}

bool EscapedCodePoint(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string EscapeName(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  char buf[16];
  for (size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    const size_t len = ValidSequenceAt(bytes, i);
    if (len == 0 || c < 0x20 || c == 0x7F) {
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out += buf;
      ++i;
      continue;
    }
    if (c == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    size_t pos = i;
    const char32_t cp = DecodeUtf8(bytes, &pos);
    if (EscapedCodePoint(cp)) {
      std::snprintf(buf, sizeof(buf), "\\u{%04X}", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(bytes.substr(i, len));
    }
    i += len;
  }
  return out;
}

Result<std::string> UnescapeName(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto bad = [&](size_t at) {
    return Status::InvalidArgument("malformed escape at byte " + std::to_string(at) + " of '" + std::string(s) + "'");
  };
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out.push_back(s[i++]);
      continue;
    }
    if (i + 1 >= s.size()) return bad(i);
    const char kind = s[i + 1];
    if (kind == '\\') {
      out.push_back('\\');
      i += 2;
    } else if (kind == 'x') {
      if (i + 3 >= s.size() || HexValue(s[i + 2]) < 0 || HexValue(s[i + 3]) < 0) return bad(i);
      out.push_back(static_cast<char>(HexValue(s[i + 2]) * 16 + HexValue(s[i + 3])));
      i += 4;
    } else if (kind == 'u' && i + 2 < s.size() && s[i + 2] == '{') {
      const size_t close = s.find('}', i + 3);
      if (close == std::string_view::npos || close == i + 3 || close - (i + 3) > 6) return bad(i);
      char32_t cp = 0;
      for (size_t k = i + 3; k < close; ++k) {
        if (HexValue(s[k]) < 0) return bad(i);
        cp = cp * 16 + static_cast<char32_t>(HexValue(s[k]));
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return bad(i);
      AppendUtf8(cp, &out);
      i = close + 1;
    } else {
      return bad(i);
    }
  }
  return out;
}

}  // namespace reportflow::text
