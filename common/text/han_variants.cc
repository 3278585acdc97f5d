#include "common/text/han_variants.h"

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <memory>
#include <mutex>

#include "common/text/utf8.h"

namespace reportflow::text {
namespace {

// Ranges fed to the Traditional-Simplified transliterator: CJK punctuation,
// CJK Extension A, CJK Unified Ideographs, compatibility ideographs and
// vertical/compatibility forms. The transform maps characters one to one.
constexpr char32_t kTransliteratedRanges[][2] = {
    {0x3000, 0x303F}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
    {0xF900, 0xFAFF}, {0xFE30, 0xFE4F},
};

}  // namespace

Result<const HanVariants*> HanVariants::Get() {
  static std::once_flag once;
  static HanVariants* instance = nullptr;
  static Status* init_status = nullptr;
  std::call_once(once, [] {
    auto* v = new HanVariants();
    Status s = v->Init();
    if (s.ok()) {
      instance = v;
    } else {
      delete v;
      init_status = new Status(std::move(s));
    }
  });
  if (instance == nullptr) return *init_status;
  return static_cast<const HanVariants*>(instance);
}

Status HanVariants::Init() {
  table_.resize(0x10000);
  for (char32_t c = 0; c < table_.size(); ++c) table_[c] = c;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> translit(
      icu::Transliterator::createInstance("Traditional-Simplified", UTRANS_FORWARD, status));
  if (U_FAILURE(status) || translit == nullptr) {
    return Status::Internal(std::string("ICU Traditional-Simplified transliterator: ") + u_errorName(status));
  }
  for (const auto& range : kTransliteratedRanges) {
    icu::UnicodeString in;
    for (char32_t c = range[0]; c <= range[1]; ++c) in.append(static_cast<UChar32>(c));
    icu::UnicodeString out = in;
    translit->transliterate(out);
    if (out.countChar32() == in.countChar32()) {
      int32_t i = 0, o = 0;
      while (i < in.length()) {
        const UChar32 a = in.char32At(i);
        const UChar32 b = out.char32At(o);
        if (a != b) table_[static_cast<char32_t>(a)] = static_cast<char32_t>(b);
        i = in.moveIndex32(i, 1);
        o = out.moveIndex32(o, 1);
      }
    } else {
      // Not one to one as a block: one code point at a time, keeping only
      // single-code-point results.
      for (char32_t c = range[0]; c <= range[1]; ++c) {
        icu::UnicodeString one(static_cast<UChar32>(c));
        translit->transliterate(one);
        if (one.countChar32() == 1 && one.char32At(0) != static_cast<UChar32>(c)) {
          table_[c] = static_cast<char32_t>(one.char32At(0));
        }
      }
    }
  }
  return Status::OK();
}

std::string HanVariants::Simplify(std::string_view utf8) const {
  std::string out;
  out.reserve(utf8.size());
  for (size_t pos = 0; pos < utf8.size();) AppendUtf8(ToSimplified(DecodeUtf8(utf8, &pos)), &out);
  return out;
}

}  // namespace reportflow::text
