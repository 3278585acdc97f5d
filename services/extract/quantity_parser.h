// Quantities of the extraction grammar: [prefix qualifier] number [range]
// [suffix qualifier] unit [post qualifier], read at a number start of a
// sentence buffer, and the exclusions that make a reading not a claim (see
// the grammar in extractor.cc and README.md). Internal to services/extract.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/text/utf8.h"
#include "reportflow/common/v1/common.pb.h"
#include "services/extract/numerals.h"
#include "services/extract/sentence_buffer.h"
#include "services/extract/units.h"

namespace reportflow::extract::internal {

struct Quantity {
  size_t begin = 0, end = 0;            // surface span (qualifiers included)
  size_t num_begin = 0, num_end = 0;    // the number(s)
  size_t unit_begin = 0, unit_end = 0;  // the unit ([unit_begin, unit_end) may be empty)
  size_t claim_end = 0;                 // after post-qualifiers
  double value = 0;
  std::optional<double> value_max;
  cpb::Approx approx = cpb::APPROX_EXACT;
  cpb::QuantityKind kind = kCount;
  std::string unit;
  bool chinese = false;
  bool single_yi = false;
  bool explicit_count_marker = false;   // 共/仅/累计 ... directly before
  bool time_unit = false;
  bool bare = false;                    // no unit written
  Number number;                        // the (first) number as read
};

// True if `prev` + `marker` is a word, so `marker` is not a predicate marker.
bool EndsWord(char32_t prev, char32_t marker);

class SentenceParser {
 public:
  explicit SentenceParser(const Buffer& b) : b_(b) {}
  // Tries to read a quantity starting at i. On failure returns false and sets
  // *next past the numeral run so it is not re-read from its middle.
  bool Parse(size_t i, Quantity* q, size_t* next) const;

  // True if `q` (from Parse()) is not a claim (see the file comment).
  bool Excluded(const Quantity& q) const;

  std::string Utf8(size_t from, size_t to) const { return text_->substr(b_.off[from], b_.off[to] - b_.off[from]); }
  // [from, to) with traditional characters read as simplified (for classification).
  std::string Simplified(size_t from, size_t to) const {
    std::string out;
    if (to > from) AppendSimplified(from, to, &out);
    return out;
  }
  void AppendSimplified(size_t from, size_t to, std::string* out) const {
    if (to <= from) return;
    if (!b_.simplified) {  // every character as stored: the bytes are the text's
      out->append(*text_, b_.off[from], b_.off[to] - b_.off[from]);
      return;
    }
    if (!b_.length_changed && plain_ != nullptr) {  // byte-aligned with the text
      out->append(*plain_, b_.off[from] - b_.off[0], b_.off[to] - b_.off[from]);
      return;
    }
    AppendEncoded(from, to, out);
  }
  // [from, to) encoded from the code points (always a fresh encoding).
  void AppendEncoded(size_t from, size_t to, std::string* out) const {
    for (size_t k = from; k < to; ++k) text::AppendUtf8(b_.cp[k], out);
  }
  // [from, to) read as simplified, without copying when the sentence is
  // byte-aligned with its simplified form (always, unless a character changes
  // its UTF-8 length); else decoded into `*scratch`.
  std::string_view SimplifiedView(size_t from, size_t to, std::string* scratch) const {
    if (to <= from) return {};
    if (!b_.simplified) return std::string_view(*text_).substr(b_.off[from], b_.off[to] - b_.off[from]);
    if (!b_.length_changed && plain_ != nullptr) {
      return std::string_view(*plain_).substr(b_.off[from] - b_.off[0], b_.off[to] - b_.off[from]);
    }
    scratch->clear();
    AppendSimplified(from, to, scratch);
    return *scratch;
  }
  // The whole sentence read as simplified (set when b_.simplified), which
  // AppendSimplified() and SimplifiedView() slice.
  void set_plain(const std::string* plain) { plain_ = plain; }
  void set_text(const std::string* text) { text_ = text; }

  const UnitDef* MatchUnit(size_t j) const {
    const char32_t c = b_.at(j);
    if (c == U'\0') return nullptr;
    for (const UnitDef* u : UnitsStartingWith(c)) {
      if (b_.Has(j, u->text)) return u;
    }
    return nullptr;
  }

 private:
  bool ReadNumber(size_t i, Number* out) const {
    const char32_t c = b_.at(i);
    if (ArabicDigit(c) >= 0) return ParseArabic(b_, i, out);
    if (IsChineseNumeral(c)) {
      const char32_t p = i > 0 ? b_.cp[i - 1] : U'\0';
      const bool approx_before = p == U'逾' || p == U'近' || p == U'上' || p == U'过' || p == U'约' ||
                                 p == U'数' || p == U'几';
      return ParseChinese(b_, i, ChineseRunEnd(b_, i), out, approx_before);
    }
    return false;
  }
  size_t SkipRun(size_t i) const {
    size_t j = i;
    if (b_.Has(j, U"百分之")) j += 3;
    while (j < b_.size() && (ArabicDigit(b_.cp[j]) >= 0 || IsChineseNumeral(b_.cp[j]) || b_.cp[j] == U'.' ||
                             b_.cp[j] == U',' || b_.cp[j] == U'．')) {
      ++j;
    }
    return j;
  }
  // The length of the predicate (为/是/达/达到) before a bare number at
  // `start`, or 0; 0 too when the subject names a code (号码, 编码, 电话).
  size_t BarePredicateLength(size_t start) const {
    const size_t k = MatchAnyBefore(b_, start, 0, {U"为", U"是", U"达到", U"达"});
    if (k == 0 || start < k + 1) return k;
    const char32_t head = b_.cp[start - k - 1];
    if (head == U'码' || head == U'号' || head == U'话' || head == U'址') return 0;
    return k;
  }
  bool IsUnknownMeasureEnd(size_t j) const {
    const char32_t c = b_.at(j);
    return c == U'\0' || IsClauseBoundary(c) || c == U'、' || c == U'。';
  }
  static bool IsTimeOrCodeChar(char32_t c) {
    switch (c) {
      case U'月': case U'日': case U'号': case U'时': case U'点': case U'分': case U'秒':
      case U'届': case U'级': case U'楼': case U'层': case U'室': case U'栋': case U'路': case U'版':
        return true;
      default:
        return false;
    }
  }

  const Buffer& b_;
  const std::string* text_ = nullptr;
  const std::string* plain_ = nullptr;
};

}  // namespace reportflow::extract::internal
