#include "common/audit/fingerprint.h"

#include <xxhash.h>

#include <algorithm>
#include <array>

#include "common/text/han_variants.h"
#include "common/text/utf8.h"

namespace reportflow::audit {
namespace {

constexpr char32_t kNumberMask = U'#';
constexpr char32_t kNameMask = U'@';

// The classifiers below see characters after Fold (full-width forms are
// ASCII by then); each answers the common case, a Han character, in a test
// or two.
bool IsClauseBreak(char32_t c) {
  if (c < 0x80) return c == U',' || c == U';' || c == U':' || c == U'!' || c == U'?';
  if (c == U'。' || c == U'、') return true;
  if (c < 0xFF01 || c > 0xFF1F) return false;
  return c == U'，' || c == U'；' || c == U'：' || c == U'！' || c == U'？';
}

// Line ends are white space: where a line is broken depends on the layout
// (a heading on its own line, a text on one line, a PDF wrapped mid-sentence),
// not on the words, so they never cut a clause.
bool IsSpace(char32_t c) {
  if (c <= U' ') return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n';
  return c == U'\u00A0' || c == U'\u3000';
}

bool IsDigit(char32_t c) { return c >= U'0' && c <= U'9'; }

// Numerals of every script the reports use (一 and 十 included: masking them
// everywhere is consistent on both sides of a comparison).
constexpr char32_t kHanNumerals[] = {U'零', U'一', U'二', U'两', U'三', U'四', U'五', U'六', U'七', U'八',
                                     U'九', U'十', U'百', U'千', U'万', U'亿'};
constexpr char32_t kHanFirst = 0x4E00, kHanEnd = 0xA000;  // the Han numerals above all lie in [kHanFirst, kHanEnd)
struct HanNumeralBits {
  std::array<uint64_t, (kHanEnd - kHanFirst) / 64> bits{};
  constexpr HanNumeralBits() {
    for (char32_t c : kHanNumerals) bits[(c - kHanFirst) / 64] |= uint64_t{1} << ((c - kHanFirst) % 64);
  }
  bool operator()(char32_t c) const {
    return c >= kHanFirst && c < kHanEnd && ((bits[(c - kHanFirst) / 64] >> ((c - kHanFirst) % 64)) & 1);
  }
};
constexpr HanNumeralBits kIsHanNumeral;

bool IsNumeral(char32_t c) { return IsDigit(c) || c == U'〇' || kIsHanNumeral(c); }

// Full-width ASCII folded to ASCII, quotes unified, letters lower-cased,
// traditional characters simplified.
char32_t Fold(char32_t c, const text::HanVariants& han) {
  if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
  if (c == U'“' || c == U'”' || c == U'「' || c == U'」') return U'"';
  if (c == U'‘' || c == U'’') return U'\'';
  if (c >= U'A' && c <= U'Z') return c + 32;
  return han.ToSimplified(c);
}

std::u32string Normalize(std::string_view utf8) {
  std::u32string out;
  const text::HanVariants& han = text::HanVariants::Get();
  for (size_t pos = 0; pos < utf8.size();) {
    const char32_t c = Fold(text::DecodeUtf8(utf8, &pos), han);
    if (!IsSpace(c)) out.push_back(c);
  }
  return out;
}

// The names to mask, longest first (so 巫溪县 is masked before 巫溪), with a
// bit set for the first character of each (by its low 12 bits), so most
// characters of a clause are passed in one test.
struct NameMasks {
  explicit NameMasks(const std::vector<std::string>& names) {
    for (const auto& n : names) {
      if (!n.empty()) masks.push_back(Normalize(n));
    }
    masks.erase(std::remove(masks.begin(), masks.end(), std::u32string()), masks.end());
    std::stable_sort(masks.begin(), masks.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& m : masks) first[(m[0] >> 6) & 63] |= uint64_t{1} << (m[0] & 63);
  }
  bool MayStart(char32_t c) const { return (first[(c >> 6) & 63] >> (c & 63)) & 1; }
  std::vector<std::u32string> masks;
  std::array<uint64_t, 64> first{};
};

// clause[0, n) with every name masked (one mask each, leftmost first) into
// out (room for n); returns the characters written.
size_t MaskNames(const char32_t* clause, size_t n, const NameMasks& names, char32_t* out) {
  size_t w = 0;
  for (size_t i = 0; i < n;) {
    const char32_t c = clause[i];
    size_t matched = 0;
    if (names.MayStart(c)) {
      for (const auto& m : names.masks) {
        if (m[0] == c && m.size() <= n - i && std::equal(m.begin(), m.end(), clause + i)) {
          matched = m.size();
          break;
        }
      }
    }
    if (matched > 0) {
      out[w++] = kNameMask;
      i += matched;
    } else {
      out[w++] = c;
      ++i;
    }
  }
  return w;
}

uint32_t Hash(const char32_t* s, size_t n) { return static_cast<uint32_t>(XXH3_64bits(s, n * sizeof(char32_t))); }

// The numbers of s[0, n) masked into out (room for n): a run of numerals,
// with the . , separators between digits, becomes one mask. Returns the
// characters written.
size_t MaskNumbers(const char32_t* s, size_t n, char32_t* out) {
  size_t w = 0;
  for (size_t i = 0; i < n; ++i) {
    const char32_t c = s[i];
    const bool separator =
        (c == U'.' || c == U',') && i > 0 && i + 1 < n && IsDigit(s[i - 1]) && IsDigit(s[i + 1]);
    if (IsNumeral(c) || separator) {
      if (w == 0 || out[w - 1] != kNumberMask) out[w++] = kNumberMask;
    } else {
      out[w++] = c;
    }
  }
  return w;
}

bool IsTrailingSuffix(const std::u32string& name, const std::u32string& suffix) {
  return name.size() > suffix.size() + 1 && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<std::string> NamesToMask(const common::v1::DocumentMetadata& m) {
  std::vector<std::string> names = {m.township(), m.county(), m.city(), m.province(),
                                    m.place().township_written(), m.place().county_written(),
                                    m.place().city_written(), m.place().province_written()};
  static const std::vector<std::u32string> suffixes = {U"街道办事处", U"街道", U"民族乡", U"乡", U"镇", U"苏木",
                                                       U"自治县", U"县", U"区", U"市", U"旗", U"省", U"自治区"};
  const size_t n = names.size();
  for (size_t i = 0; i < n; ++i) {
    const std::u32string name = Normalize(names[i]);
    for (const auto& suffix : suffixes) {
      if (!IsTrailingSuffix(name, suffix)) continue;
      std::string shorter;
      for (size_t k = 0; k + suffix.size() < name.size(); ++k) text::AppendUtf8(name[k], &shorter);
      names.push_back(shorter);
      break;
    }
  }
  names.erase(std::remove(names.begin(), names.end(), std::string()), names.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

extract::v1::TextFingerprint ComputeFingerprint(std::string_view text, const std::vector<std::string>& names) {
  extract::v1::TextFingerprint fp;
  ComputeFingerprint(text, names, &fp);
  return fp;
}

void ComputeFingerprint(std::string_view text, const std::vector<std::string>& names,
                        extract::v1::TextFingerprint* out) {
  const NameMasks masks(names);
  extract::v1::TextFingerprint& fp = *out;
  fp.Clear();
  fp.set_version(kFingerprintVersion);
  const text::HanVariants& han = text::HanVariants::Get();
  // A clause, with names masked, then numbers masked too: buffers reused
  // from clause to clause, grown to the longest clause (masking never
  // lengthens one).
  std::vector<char32_t> clause, numbered, masked;
  size_t n = 0;
  size_t begin = 0, end = 0, last_end = 0;
  auto flush = [&] {
    if (n > 0) {
      if (numbered.size() < n) {
        numbered.resize(clause.size());
        masked.resize(clause.size());
      }
      const size_t nn = MaskNames(clause.data(), n, masks, numbered.data());
      const size_t nm = MaskNumbers(numbered.data(), nn, masked.data());
      fp.add_numbered(Hash(numbered.data(), nn));
      fp.add_masked(Hash(masked.data(), nm));
      fp.add_clause_gap(static_cast<uint32_t>(begin - last_end));
      fp.add_clause_length(static_cast<uint32_t>(end - begin));
      last_end = end;
    }
    n = 0;
  };
  auto append = [&](char32_t c, size_t at, size_t pos) {
    if (n == 0) begin = at;
    if (n == clause.size()) clause.resize(std::max<size_t>(64, 2 * n));
    clause[n++] = c;
    end = pos;
  };
  for (size_t pos = 0; pos < text.size();) {
    const size_t at = pos;
    char32_t c = text::DecodeUtf8(text, &pos);
    // Most of a report: a CJK ideograph, which only folds to its simplified
    // form (never a break, a space or a number separator).
    if (c >= kHanFirst && c < kHanEnd) {
      c = han.ToSimplified(c);
      if (c >= kHanFirst && c < kHanEnd) {
        append(c, at, pos);
        continue;
      }
    } else {
      c = Fold(c, han);
    }
    // A '.' or ',' between digits belongs to the number; elsewhere '.' and ',' end a clause.
    const bool between_digits = (c == U'.' || c == U',') && n > 0 && IsDigit(clause[n - 1]) &&
                                pos < text.size() && IsDigit(static_cast<unsigned char>(text[pos]));
    if (!between_digits && (IsClauseBreak(c) || c == U'.')) {
      flush();
      continue;
    }
    if (IsSpace(c)) continue;
    append(c, at, pos);
  }
  flush();
}

std::vector<ClauseSpan> ClauseSpans(const extract::v1::TextFingerprint& fp) {
  std::vector<ClauseSpan> out;
  const int n = std::min(fp.clause_gap_size(), fp.clause_length_size());
  out.reserve(static_cast<size_t>(n));
  uint32_t at = 0;
  for (int i = 0; i < n; ++i) {
    const uint32_t begin = at + fp.clause_gap(i);
    at = begin + fp.clause_length(i);
    out.push_back({begin, at});
  }
  return out;
}

std::vector<uint64_t> Shingles(const extract::v1::TextFingerprint& fp, int clauses, int window) {
  const auto& h = fp.masked();
  const int n = h.size();
  std::vector<uint64_t> all, out;
  if (n == 0 || clauses < 1) return out;
  const int k = std::min(n, clauses);
  all.reserve(static_cast<size_t>(n - k + 1));
  for (int i = 0; i + k <= n; ++i) all.push_back(XXH3_64bits(h.data() + i, sizeof(uint32_t) * static_cast<size_t>(k)));
  if (window <= 1) {
    out = std::move(all);
  } else {
    // Winnowing (Schleimer, Wilkerson, Aiken 2003): the least hash of every
    // `window` consecutive shingles, the rightmost on a tie, once per
    // position; a text shorter than one window keeps its least.
    const size_t w = std::min(all.size(), static_cast<size_t>(window));
    out.reserve(2 * all.size() / (w + 1) + 1);
    size_t last = SIZE_MAX;
    for (size_t start = 0; start + w <= all.size(); ++start) {
      size_t least = start;
      for (size_t i = start + 1; i < start + w; ++i) {
        if (all[i] <= all[least]) least = i;
      }
      if (least != last) out.push_back(all[least]), last = least;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace reportflow::audit
