#include "common/audit/fingerprint.h"

#include <xxhash.h>

#include <algorithm>

#include "common/text/han_variants.h"
#include "common/text/utf8.h"

namespace reportflow::audit {
namespace {

constexpr char32_t kNumberMask = U'#';
constexpr char32_t kNameMask = U'@';

bool IsClauseBreak(char32_t c) {
  switch (c) {
    case U'。': case U'，': case U'；': case U'：': case U'、': case U'！': case U'？':
    case U',': case U';': case U':': case U'!': case U'?':
      return true;
    default:
      return false;
  }
}

// Line ends are white space: where a line is broken depends on the layout
// (a heading on its own line, a text on one line, a PDF wrapped mid-sentence),
// not on the words, so they never cut a clause.
bool IsSpace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == U'\u00A0' || c == U'\u3000';
}

bool IsDigit(char32_t c) { return c >= U'0' && c <= U'9'; }

// Numerals of every script the reports use (一 and 十 included: masking them
// everywhere is consistent on both sides of a comparison).
bool IsNumeral(char32_t c) {
  if (IsDigit(c)) return true;
  switch (c) {
    case U'〇': case U'零': case U'一': case U'二': case U'两': case U'三': case U'四': case U'五':
    case U'六': case U'七': case U'八': case U'九': case U'十': case U'百': case U'千': case U'万':
    case U'亿':
      return true;
    default:
      return false;
  }
}

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

// `clause` with every name of `masks` (longest first) replaced by one mask,
// leftmost first, into `out`; `first` has bit (c & 63) set for the first
// character c of every name, so most characters are passed in one test.
void MaskNames(const std::u32string& clause, const std::vector<std::u32string>& masks, uint64_t first,
               std::u32string* out) {
  out->clear();
  for (size_t i = 0; i < clause.size();) {
    const char32_t c = clause[i];
    size_t matched = 0;
    if ((first >> (c & 63)) & 1) {
      for (const auto& m : masks) {
        if (m[0] == c && clause.compare(i, m.size(), m) == 0) {
          matched = m.size();
          break;
        }
      }
    }
    if (matched > 0) {
      out->push_back(kNameMask);
      i += matched;
    } else {
      out->push_back(c);
      ++i;
    }
  }
}

uint32_t Hash(const std::u32string& s) {
  return static_cast<uint32_t>(XXH3_64bits(s.data(), s.size() * sizeof(char32_t)));
}

// The numbers of `s` masked into `out`: a run of numerals, with the . ,
// separators between digits, becomes one mask.
void MaskNumbers(const std::u32string& s, std::u32string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    const bool separator = (s[i] == U'.' || s[i] == U',') && i > 0 && i + 1 < s.size() && IsDigit(s[i - 1]) &&
                           IsDigit(s[i + 1]);
    if (IsNumeral(s[i]) || separator) {
      if (out->empty() || out->back() != kNumberMask) out->push_back(kNumberMask);
    } else {
      out->push_back(s[i]);
    }
  }
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
  // Longest names first, so 巫溪县 is masked before 巫溪.
  std::vector<std::u32string> masks;
  for (const auto& n : names) {
    if (!n.empty()) masks.push_back(Normalize(n));
  }
  std::sort(masks.begin(), masks.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  uint64_t first = 0;
  for (const auto& m : masks) first |= uint64_t{1} << (m[0] & 63);

  extract::v1::TextFingerprint fp;
  fp.set_version(kFingerprintVersion);
  const text::HanVariants& han = text::HanVariants::Get();
  std::u32string clause, numbered, masked;  // reused from clause to clause
  size_t begin = 0, end = 0, last_end = 0;
  auto flush = [&] {
    if (!clause.empty()) {
      MaskNames(clause, masks, first, &numbered);
      MaskNumbers(numbered, &masked);
      fp.add_numbered(Hash(numbered));
      fp.add_masked(Hash(masked));
      fp.add_clause_gap(static_cast<uint32_t>(begin - last_end));
      fp.add_clause_length(static_cast<uint32_t>(end - begin));
      last_end = end;
    }
    clause.clear();
  };
  for (size_t pos = 0; pos < text.size();) {
    const size_t at = pos;
    const char32_t c = Fold(text::DecodeUtf8(text, &pos), han);
    // A '.' or ',' between digits belongs to the number; elsewhere '.' and ',' end a clause.
    const bool between_digits = (c == U'.' || c == U',') && !clause.empty() && IsDigit(clause.back()) &&
                                pos < text.size() && IsDigit(static_cast<unsigned char>(text[pos]));
    if (!between_digits && (IsClauseBreak(c) || c == U'.')) {
      flush();
      continue;
    }
    if (IsSpace(c)) continue;
    if (clause.empty()) begin = at;
    clause.push_back(c);
    end = pos;
  }
  flush();
  return fp;
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
