#include "services/extract/sentence_buffer.h"

namespace reportflow::extract::internal {

bool DecodeInto(std::string_view text, uint32_t begin, uint32_t end, const text::HanVariants& variants,
                const CharTable& chars, Buffer* buf, std::vector<uint32_t>* starts, uint32_t* bad_offset) {
  const uint32_t max = end - begin;
  if (buf->cp.size() < max) buf->cp.resize(max);
  if (buf->off.size() < max + 1) buf->off.resize(max + 1);
  buf->quotes.clear();
  buf->open.clear();
  starts->clear();
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  char32_t* cp = buf->cp.data();
  uint32_t* off = buf->off.data();
  uint32_t n = 0;
  uint32_t i = begin;
  uint32_t seen = 0;  // the flags of every character, or-ed
  while (i < end) {
    const unsigned char b = s[i];
    char32_t c;
    uint32_t len;
    if (b < 0x80) {
      c = b;
      len = 1;
    } else if ((b & 0xF0) == 0xE0 && i + 2 < end && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
      c = ((b & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      len = 3;
      if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)) {
        *bad_offset = i;
        return false;
      }
    } else if ((b & 0xE0) == 0xC0 && i + 1 < end && (s[i + 1] & 0xC0) == 0x80) {
      c = ((b & 0x1F) << 6) | (s[i + 1] & 0x3F);
      len = 2;
      if (c < 0x80) {
        *bad_offset = i;
        return false;
      }
    } else if ((b & 0xF8) == 0xF0 && i + 3 < end && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80 &&
               (s[i + 3] & 0xC0) == 0x80) {
      c = ((b & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
      len = 4;
      if (c < 0x10000 || c > 0x10FFFF) {
        *bad_offset = i;
        return false;
      }
    } else {
      *bad_offset = i;
      return false;
    }
    uint32_t flags = 0;
    if (c < 0x10000) {
      if (chars.Special(c)) {
        const uint32_t e = chars[c];
        c = e & CharTable::kCodePoint;
        flags = e & ~CharTable::kCodePoint;
      }
    } else {
      const char32_t simple = variants.ToSimplified(c);  // outside the BMP: identity unless the table grows
      if (simple != c) flags = CharTable::kSimplified | (Utf8Length(simple) != len ? CharTable::kLengthChanged : 0);
      c = simple;
      if (c < 0x10000) flags |= chars[c] & (CharTable::kNumberStart | CharTable::kMaybeQuote);
    }
    seen |= flags;
    if (flags & CharTable::kNumberStart) {
      starts->push_back(n);
    } else if (flags & CharTable::kMaybeQuote) {
      if (IsOpenQuote(c)) {
        buf->open.push_back(n);
      } else if (IsCloseQuote(c) && !buf->open.empty()) {
        buf->quotes.emplace_back(buf->open.back(), n);
        buf->open.pop_back();
      } else if (c == U'"') {  // ASCII quotes alternate
        if (!buf->open.empty() && cp[buf->open.back()] == U'"') {
          buf->quotes.emplace_back(buf->open.back(), n);
          buf->open.pop_back();
        } else {
          buf->open.push_back(n);
        }
      }
    }
    cp[n] = c;
    off[n] = i;
    ++n;
    i += len;
  }
  off[n] = end;
  buf->n = n;
  buf->simplified = (seen & CharTable::kSimplified) != 0;
  buf->length_changed = (seen & CharTable::kLengthChanged) != 0;
  return true;
}

// Returns the length of the first element of `list` that occurs at i, or 0.
size_t MatchAny(const Buffer& b, size_t i, std::initializer_list<U32> list) {
  for (U32 s : list) {
    if (b.Has(i, s)) return s.size();
  }
  return 0;
}
// Returns the length of the first element of `list` that ends at `end`, or 0.
size_t MatchAnyBefore(const Buffer& b, size_t end, size_t floor, std::initializer_list<U32> list) {
  for (U32 s : list) {
    if (b.EndsWith(end, s, floor)) return s.size();
  }
  return 0;
}

}  // namespace reportflow::extract::internal
