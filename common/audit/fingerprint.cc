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
char32_t Fold(char32_t c, const text::HanVariants* han) {
  if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
  if (c == U'“' || c == U'”' || c == U'「' || c == U'」') return U'"';
  if (c == U'‘' || c == U'’') return U'\'';
  if (c >= U'A' && c <= U'Z') return c + 32;
  return han ? han->ToSimplified(c) : c;
}

const text::HanVariants* Han() {
  static const text::HanVariants* han = [] {
    auto h = text::HanVariants::Get();
    return h.ok() ? *h : nullptr;
  }();
  return han;
}

std::u32string Normalize(std::string_view utf8) {
  std::u32string out;
  const text::HanVariants* han = Han();
  for (size_t pos = 0; pos < utf8.size();) {
    const char32_t c = Fold(text::DecodeUtf8(utf8, &pos), han);
    if (!IsSpace(c)) out.push_back(c);
  }
  return out;
}

void ReplaceAll(std::u32string* s, const std::u32string& from, char32_t to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s->find(from, pos)) != std::u32string::npos; ++pos) s->replace(pos, from.size(), 1, to);
}

uint64_t Hash(const std::u32string& s) { return XXH3_64bits(s.data(), s.size() * sizeof(char32_t)); }

// The numbers of `s` masked: a run of numerals, with the . , separators
// between digits, becomes one mask.
std::u32string MaskNumbers(const std::u32string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool separator = (s[i] == U'.' || s[i] == U',') && i > 0 && i + 1 < s.size() && IsDigit(s[i - 1]) &&
                           IsDigit(s[i + 1]);
    if (IsNumeral(s[i]) || separator) {
      if (out.empty() || out.back() != kNumberMask) out.push_back(kNumberMask);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
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

  extract::v1::TextFingerprint fp;
  fp.set_version(kFingerprintVersion);
  const text::HanVariants* han = Han();
  std::u32string clause;
  size_t begin = 0, end = 0;
  auto flush = [&] {
    if (!clause.empty()) {
      for (const auto& m : masks) ReplaceAll(&clause, m, kNameMask);
      fp.add_numbered(Hash(clause));
      fp.add_masked(Hash(MaskNumbers(clause)));
      fp.add_clause_start(static_cast<uint32_t>(begin));
      fp.add_clause_end(static_cast<uint32_t>(end));
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

std::vector<uint64_t> Shingles(const extract::v1::TextFingerprint& fp, int clauses) {
  const auto& h = fp.masked();
  const int n = h.size();
  std::vector<uint64_t> out;
  if (n == 0 || clauses < 1) return out;
  const int k = std::min(n, clauses);
  out.reserve(static_cast<size_t>(n - k + 1));
  for (int i = 0; i + k <= n; ++i) out.push_back(XXH3_64bits(h.data() + i, sizeof(uint64_t) * static_cast<size_t>(k)));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace reportflow::audit
