// Build-time generator of han_variants_table.inc (common/text/han_variants.cc):
// every BMP character that ICU's "Traditional-Simplified" transliterator maps to
// another single code point, as `{from, to},` lines. Building this table at
// every process start took tens of milliseconds of ICU work in each service.
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <cstdio>
#include <memory>

namespace {

// CJK punctuation, CJK Extension A, CJK Unified Ideographs, compatibility
// ideographs and vertical/compatibility forms.
constexpr UChar32 kTransliteratedRanges[][2] = {
    {0x3000, 0x303F}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
    {0xF900, 0xFAFF}, {0xFE30, 0xFE4F},
};

void Emit(UChar32 from, UChar32 to) { std::printf("{0x%04X, 0x%04X},\n", from, to); }

}  // namespace

int main() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> translit(
      icu::Transliterator::createInstance("Traditional-Simplified", UTRANS_FORWARD, status));
  if (U_FAILURE(status) || translit == nullptr) {
    std::fprintf(stderr, "ICU Traditional-Simplified transliterator: %s\n", u_errorName(status));
    return 1;
  }
  std::printf("// Generated at build time by han_variants_gen from ICU's Traditional-Simplified\n"
              "// transliterator (ICU %s): do not edit.\n", U_ICU_VERSION);
  for (const auto& range : kTransliteratedRanges) {
    icu::UnicodeString in;
    for (UChar32 c = range[0]; c <= range[1]; ++c) in.append(c);
    icu::UnicodeString out = in;
    translit->transliterate(out);
    if (out.countChar32() == in.countChar32()) {
      int32_t i = 0, o = 0;
      while (i < in.length()) {
        const UChar32 a = in.char32At(i);
        const UChar32 b = out.char32At(o);
        if (a != b) Emit(a, b);
        i = in.moveIndex32(i, 1);
        o = out.moveIndex32(o, 1);
      }
    } else {
      // Not one to one as a block: one code point at a time, keeping only
      // single-code-point results.
      for (UChar32 c = range[0]; c <= range[1]; ++c) {
        icu::UnicodeString one(c);
        translit->transliterate(one);
        if (one.countChar32() == 1 && one.char32At(0) != c) Emit(c, one.char32At(0));
      }
    }
  }
  return 0;
}
