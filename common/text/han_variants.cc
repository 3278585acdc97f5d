#include "common/text/han_variants.h"

#include <memory>
#include <mutex>

#include "common/text/utf8.h"

namespace reportflow::text {
namespace {

struct Variant {
  char32_t traditional;
  char32_t simplified;
};

// Every BMP character ICU's "Traditional-Simplified" transliterator maps to
// another single code point, written at build time by han_variants_gen.
constexpr Variant kVariants[] = {
#include "han_variants_table.inc"
};

}  // namespace

const HanVariants& HanVariants::Get() {
  static const HanVariants* instance = [] {
    auto* v = new HanVariants();
    v->Init();
    return v;
  }();
  return *instance;
}

void HanVariants::Init() {
  table_.resize(kBmp);
  changed_.assign(kBmp / 64, 0);
  for (char32_t c = 0; c < table_.size(); ++c) table_[c] = c;
  for (const Variant& v : kVariants) {
    if (v.traditional >= kBmp || v.simplified == v.traditional) continue;
    table_[v.traditional] = v.simplified;
    changed_[v.traditional >> 6] |= uint64_t{1} << (v.traditional & 63);
  }
}

std::string HanVariants::Simplify(std::string_view utf8) const {
  std::string out;
  out.reserve(utf8.size());
  for (size_t pos = 0; pos < utf8.size();) AppendUtf8(ToSimplified(DecodeUtf8(utf8, &pos)), &out);
  return out;
}

}  // namespace reportflow::text
