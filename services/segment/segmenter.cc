#include "services/segment/segmenter.h"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/geo/gazetteer.h"
#include "services/segment/heading_classifier.h"
#include "services/segment/layout.h"
#include "services/segment/metadata_extractor.h"
#include "services/segment/place_finder.h"
#include "services/segment/text_normalizer.h"
#include "services/segment/u32_text.h"

namespace reportflow::segment {
namespace {

namespace pb = ::reportflow::segment::v1;
using U32View = std::u32string_view;

constexpr size_t kNpos = std::u32string_view::npos;
constexpr int kStyles = 6;

// Longest line that can still be a title, issuer or addressee line.
constexpr size_t kMaxTitleChars = 80;
constexpr size_t kMaxAddresseeChars = 40;
constexpr size_t kMaxSignatureChars = 60;

int Rank(MarkerStyle s) { return static_cast<int>(s); }


// Sentence punctuation that rules out a title/issuer/addressee line.
bool HasClausePunct(U32View s) {
  for (char32_t c : s) {
    if (c == U'。' || c == ',' || c == ';' || c == '!' || c == '?' || c == ':') return true;
  }
  return false;
}

bool EndsClause(char32_t c) {
  return c == U'。' || c == '!' || c == '?' || c == ';' || c == ':' || c == '.' ||
         c == U'”' || c == U'’' || c == ')' || c == U'」';
}

// Cheap filter: characters a heading or list marker can start with.
bool MayStartMarker(char32_t c) {
  switch (c) {
    case U'一': case U'二': case U'三': case U'四': case U'五': case U'六': case U'七':
    case U'八': case U'九': case U'十': case U'两': case U'第': case U'首': case U'其':
    case U'再': case '(': case U'—': case '-': case U'―': case U'–': case U'ー': case U'─':
      return true;
    default:
      return IsAsciiDigit(c) || (c >= 0x2460 && c <= 0x2473);
  }
}

struct Line {
  uint32_t begin;
  uint32_t end;
  bool blank_before;
  bool indented;  // starts with spaces: a new paragraph, never a continuation
};

// "- 2 -", "—3—", "2", "第2页", "第2页 共5页", "2/5": a page number line.
bool IsPageNumberLine(U32View v) {
  size_t i = 0;
  auto skip = [&](auto pred) {
    while (i < v.size() && pred(v[i])) ++i;
  };
  auto dash_or_space = [](char32_t c) { return c == '-' || c == U'—' || c == U'–' || IsSpace(c); };
  auto digits = [&] {
    const size_t start = i;
    skip([](char32_t c) { return IsAsciiDigit(c); });
    return i > start && i - start <= 4;
  };
  if (!v.empty() && v[0] == U'第') {
    ++i;
    if (!digits() || i >= v.size() || v[i] != U'页') return false;
    ++i;
    skip([](char32_t c) { return IsSpace(c); });
    if (i == v.size()) return true;
    if (v[i] != U'共') return false;
    ++i;
    if (!digits() || i >= v.size() || v[i] != U'页') return false;
    return i + 1 == v.size();
  }
  skip(dash_or_space);
  if (!digits()) return false;
  if (i < v.size() && v[i] == '/') {
    ++i;
    if (!digits()) return false;
  }
  skip(dash_or_space);
  return i == v.size();
}

struct HeadingExtra {
  MarkerStyle style;
  uint32_t marker_end;
};

// Builds the Layout of one document; single use.
class LayoutBuilder {
 public:
  explicit LayoutBuilder(U32View s) : s_(s) {}

  Layout Build() {
    // Typical reports have a line per ~60 characters and a block per ~40.
    lines_.reserve(s_.size() / 48 + 8);
    layout_.pieces.reserve(s_.size() / 32 + 8);
    extras_.reserve(s_.size() / 32 + 8);
    SplitLines();
    // A report whose lines rarely start with a heading (at most one: the
    // whole report on one line, or on a few) has its headings run into the
    // text; they are then also recognised after a full stop or colon, when
    // their numbering continues the sequence.
    int heading_lines = 0;
    for (const Line& l : lines_) {
      auto hm = MatchHeadingMarker(s_.substr(l.begin, l.end - l.begin));
      if (hm && Rank(hm->style) <= Rank(MarkerStyle::kParenChinese) && ++heading_lines > 1) break;
    }
    run_together_ = heading_lines <= 1;
    for (const Line& l : lines_) ProcessLine(l);
    MarkTrailingSignature();
    BuildSections();
    return std::move(layout_);
  }

  // Per piece: heading marker style and end (valid for headings only).
  const std::vector<HeadingExtra>& extras() const { return extras_; }
  // Per section: parent section id, -1 at top level.
  const std::vector<int>& parents() const { return parents_; }
  // Per section: index of its last piece (its span ends there).
  const std::vector<int>& section_end_piece() const { return section_end_piece_; }

 private:
  void SplitLines() {
    bool blank = false;
    uint32_t b = 0;
    const auto n = static_cast<uint32_t>(s_.size());
    for (uint32_t i = 0; i <= n; ++i) {
      if (i < n && s_[i] != '\n') continue;
      uint32_t lb = b, le = i;
      while (lb < le && IsSpace(s_[lb])) ++lb;
      while (le > lb && IsSpace(s_[le - 1])) --le;
      if (lb == le) {
        blank = true;
      } else if (IsPageNumberLine(s_.substr(lb, le - lb))) {
        // Page furniture from a converted document ("- 2 -", "第2页 共5页"):
        // neither text nor a paragraph break; sentences skip it.
        layout_.skipped.push_back({lb, le});
      } else {
        lines_.push_back({lb, le, blank, lb > b});
        blank = false;
      }
      b = i + 1;
    }
  }

  void Emit(pb::BlockKind kind, uint32_t b, uint32_t e, HeadingExtra extra = {}) {
    while (b < e && IsSpace(s_[b])) ++b;
    while (e > b && IsSpace(s_[e - 1])) --e;
    if (b >= e) return;
    layout_.pieces.push_back({kind, b, e, -1});
    extras_.push_back(extra);
    last_piece_end_ = e;
  }

  // The last non-space character before `k` in [b, k), or 0.
  char32_t PrevNonSpace(uint32_t k, uint32_t b) const {
    while (k > b && IsSpace(s_[k - 1])) --k;
    return k > b ? s_[k - 1] : 0;
  }

  // True if `k` starts a clause: the line start, right after another piece
  // (a heading cut off before it), or after a terminator or colon.
  bool ClauseStart(uint32_t k, uint32_t piece_begin) const {
    if (k == piece_begin) return true;
    uint32_t j = k;
    while (j > piece_begin && IsSpace(s_[j - 1])) --j;
    if (j == piece_begin || j == last_piece_end_) return true;
    return IsTerminatorAt(s_, j - 1) || s_[j - 1] == ':';
  }

  bool Consistent(const HeadingMarker& hm) const {
    return hm.number == last_num_[Rank(hm.style)] + 1;
  }

  void AcceptHeading(const HeadingMarker& hm) {
    const int r = Rank(hm.style);
    last_num_[r] = hm.number;
    for (int d = r + 1; d < kStyles; ++d) last_num_[d] = 0;
    list_last_ = 0;
  }

  // End of a heading that starts at `b` (marker of `len` chars): the line end,
  // the first sentence terminator or colon (kept in the heading), or the start
  // of a nested first sub-heading or first list item run into it.
  uint32_t HeadingEnd(uint32_t b, uint32_t len, uint32_t e, int rank) const {
    for (uint32_t k = b + len; k < e; ++k) {
      if (k >= b + len + 2) {
        const U32View rest = s_.substr(k, e - k);
        if (s_[k] == '(' || (s_[k] >= 0x2460 && s_[k] <= 0x2473)) {
          auto hm = MatchHeadingMarker(rest);
          if (hm && hm->number == 1 && Rank(hm->style) > rank) return k;
        }
        if (run_together_ && MayStartMarker(s_[k])) {
          auto lm = MatchListMarker(rest);
          if (lm && lm->number == 1) return k;
          auto hm = MatchHeadingMarker(rest);
          if (hm && hm->number == 1 && Rank(hm->style) == rank + 1) return k;
        }
      }
      if (IsTerminatorAt(s_, k) || s_[k] == ':') {
        uint32_t end = k + 1;
        while (end < e && (s_[end] == U'”' || s_[end] == U'’')) ++end;
        if (run_together_ && rank <= Rank(MarkerStyle::kChineseComma)) {
          return RunTogetherTopHeadingEnd(b + len, end);
        }
        return end;
      }
    }
    return e;
  }

  // A top-level heading run into its first sentence (二、存在的问题执法力量薄弱，…。)
  // ends after the last heading head noun (问题, 情况, 打算 …) before the
  // sentence's first comma, when text follows that noun directly. Otherwise
  // the heading keeps the whole sentence.
  uint32_t RunTogetherTopHeadingEnd(uint32_t text_begin, uint32_t sentence_end) const {
    static constexpr U32View kHeadNouns[] = {
        U"情况", U"问题", U"不足", U"打算", U"计划", U"成效", U"做法", U"安排", U"重点",
        U"举措", U"措施", U"经验", U"亮点", U"思路", U"原因", U"职责", U"差距", U"目标"};
    uint32_t limit = sentence_end;
    for (uint32_t k = text_begin; k < sentence_end; ++k) {
      if (s_[k] == ',' || s_[k] == U'，') {
        limit = k;
        break;
      }
    }
    uint32_t cut = 0;
    for (uint32_t k = text_begin; k + 2 <= limit; ++k) {
      for (U32View noun : kHeadNouns) {
        if (s_[k] == noun[0] && s_[k + 1] == noun[1]) cut = k + 2;
      }
    }
    if (cut == 0 || cut >= limit) return sentence_end;
    return cut;
  }

  // End of a paragraph or list item that starts at `b`: the next clause start
  // (after a terminator or colon) that begins a list item in sequence, the
  // copy-to line, or (in a run-together report) a heading in sequence.
  uint32_t BodyEnd(uint32_t b, uint32_t e) const {
    for (uint32_t k = b + 1; k < e; ++k) {
      const char32_t prev = s_[k - 1];
      if (!(IsTerminatorAt(s_, k - 1) || prev == ':')) continue;
      uint32_t k2 = k;
      while (k2 < e && IsSpace(s_[k2])) ++k2;
      if (k2 >= e) break;
      const U32View rest = s_.substr(k2, e - k2);
      if (StartsWith(rest, 0, U"抄送") && rest.size() > 2 && rest[2] == ':') return k2;
      if (auto lm = MatchListMarker(rest); lm && (lm->number == 1 || lm->number == list_last_ + 1)) {
        return k2;
      }
      if (run_together_) {
        auto hm = MatchHeadingMarker(rest);
        if (hm && Rank(hm->style) <= Rank(MarkerStyle::kParenChinese) && Consistent(*hm)) return k2;
      }
    }
    return e;
  }

  bool IsAddressee(uint32_t b, uint32_t e) const {
    if (e - b < 3 || e - b > kMaxAddresseeChars || s_[e - 1] != ':') return false;
    const U32View v = s_.substr(b, e - b - 1);
    if (HasClausePunct(v) || v.find(U"如下") != kNpos) return false;
    return true;
  }

  // Splits the trailing signature + date off a line; returns the body end.
  uint32_t SplitTail(uint32_t b, uint32_t e, std::vector<std::array<uint32_t, 3>>* tail) {
    const U32View line = s_.substr(b, e - b);
    const size_t d = FindTrailingDate(line);
    if (d == kNpos || d == 0) return e;
    const uint32_t date_begin = b + static_cast<uint32_t>(d);
    uint32_t sig_begin = date_begin;
    while (sig_begin > b && !IsTerminatorAt(s_, sig_begin - 1) && s_[sig_begin - 1] != ':') {
      --sig_begin;
    }
    U32View sig = s_.substr(sig_begin, date_begin - sig_begin);
    while (!sig.empty() && IsSpace(sig.back())) sig.remove_suffix(1);
    while (!sig.empty() && IsSpace(sig.front())) {
      sig.remove_prefix(1);
      ++sig_begin;
    }
    if (!sig.empty() &&
        (sig.size() > kMaxSignatureChars || HasClausePunct(sig) || !EndsWithOrganSuffix(sig))) {
      // Not a signature: the date ends a sentence only if a terminator
      // precedes it; otherwise it belongs to the text.
      if (!sig.empty()) return e;
    }
    if (!sig.empty()) {
      // Several issuing bodies may be run together: split at organ suffixes
      // when the remainder is itself an organ name.
      uint32_t cur = sig_begin;
      const uint32_t sig_end = sig_begin + static_cast<uint32_t>(sig.size());
      for (uint32_t k = cur + 4; k + 6 <= sig_end; ++k) {
        const U32View rest = s_.substr(k, sig_end - k);
        if (EndsWithOrganSuffix(s_.substr(cur, k - cur)) && EndsWithOrganSuffix(rest) &&
            !StartsWith(rest, 0, U"办") && !StartsWith(rest, 0, U"党") &&
            !StartsWith(rest, 0, U"委") && !StartsWith(rest, 0, U"人大")) {
          tail->push_back({pb::BLOCK_KIND_SIGNATURE, cur, k});
          cur = k;
        }
      }
      tail->push_back({pb::BLOCK_KIND_SIGNATURE, cur, sig_end});
    }
    tail->push_back({pb::BLOCK_KIND_DATE, date_begin, e});
    return sig.empty() ? date_begin : sig_begin;
  }

  // Front matter of a line that carries sentences: splits a title (and an
  // issuer before 关于) and an addressee off its start. Returns where the
  // body starts.
  uint32_t SplitFront(uint32_t b, uint32_t e) {
    uint32_t pos = b;
    if (!has_title_) {
      uint32_t clause_end = b;
      while (clause_end < e && !IsTerminatorAt(s_, clause_end) && s_[clause_end] != ',' &&
             s_[clause_end] != ':' && s_[clause_end] != U'、') {
        ++clause_end;
      }
      const U32View clause = s_.substr(b, clause_end - b);
      size_t head = kNpos;
      for (U32View w : {U32View(U"报告"), U32View(U"总结")}) {
        const size_t at = clause.find(w);
        if (at != kNpos && at < head) head = at;
      }
      if (head != kNpos && head >= 6 && head + 2 <= kMaxTitleChars) {
        uint32_t tend = b + static_cast<uint32_t>(head) + 2;
        const char32_t next = tend < e ? s_[tend] : U' ';
        static constexpr U32View kCompoundNext = U"如会制工书单表人期厅中时后了的";
        if (kCompoundNext.find(next) == kNpos) {
          // A parenthesised year after the title belongs to it.
          if (tend < e && s_[tend] == '(') {
            const size_t close = s_.find(')', tend);
            if (close != kNpos && close < e && close - tend <= 12) tend = close + 1;
          }
          const U32View title = s_.substr(b, tend - b);
          const size_t about = title.find(U"关于");
          if (about != kNpos && about > 0 && EndsWithOrganSuffix(title.substr(0, about))) {
            Emit(pb::BLOCK_KIND_ISSUER, b, b + static_cast<uint32_t>(about));
            Emit(pb::BLOCK_KIND_TITLE, b + static_cast<uint32_t>(about), tend);
          } else {
            Emit(pb::BLOCK_KIND_TITLE, b, tend);
          }
          has_title_ = true;
          pos = tend;
        }
      }
    }
    // Addressee: a short run ending in a colon.
    while (pos < e && IsSpace(s_[pos])) ++pos;
    for (uint32_t q = pos; q < e && q - pos <= kMaxAddresseeChars; ++q) {
      if (s_[q] == ':') {
        if (IsAddressee(pos, q + 1)) {
          Emit(pb::BLOCK_KIND_ADDRESSEE, pos, q + 1);
          pos = q + 1;
        }
        break;
      }
      if (s_[q] == ',' || IsTerminatorAt(s_, q)) break;
    }
    return pos;
  }

  void ProcessLine(const Line& line) {
    const uint32_t b = line.begin;
    uint32_t e = line.end;
    const U32View whole = s_.substr(b, e - b);

    if (whole.size() <= 32 && ParseDate(whole)) {
      Emit(pb::BLOCK_KIND_DATE, b, e);
      return;
    }
    // Copy-to: 抄送: at the line start or at a clause start inside it.
    uint32_t copy_to = e;
    for (uint32_t k = b; k + 2 < e; ++k) {
      if (s_[k] == U'抄' && s_[k + 1] == U'送' && s_[k + 2] == ':' &&
          (ClauseStart(k, b) || PrevNonSpace(k, b) == U'日' ||
           EndsWithOrganSuffix(s_.substr(b, k - b)))) {
        copy_to = k;
        break;
      }
    }
    std::vector<std::array<uint32_t, 3>> tail;
    uint32_t body_end = copy_to;
    if (copy_to > b) body_end = SplitTail(b, copy_to, &tail);

    uint32_t pos = b;
    bool at_line_start = true;
    if (in_front_ && pos < body_end) {
      const U32View v = s_.substr(b, body_end - b);
      const bool heading = MatchHeadingMarker(v).has_value();
      if (!heading) {
        if (IsAddressee(b, body_end)) {
          Emit(pb::BLOCK_KIND_ADDRESSEE, b, body_end);
          in_front_ = false;
          pos = body_end;
        } else if (v.size() <= 6 && StartsWith(v, 0, U"附件")) {
          // "附件2" above the title of an attached report: neither title nor body.
          Emit(pb::BLOCK_KIND_PARAGRAPH, b, body_end);
          pos = body_end;
        } else if (v.size() <= kMaxTitleChars && !HasClausePunct(v)) {
          const bool titleish = v.find(U"报告") != kNpos || v.find(U"总结") != kNpos ||
                                v.find(U"情况") != kNpos;
          if (EndsWithOrganSuffix(v) && !titleish) {
            Emit(pb::BLOCK_KIND_ISSUER, b, body_end);
          } else {
            Emit(pb::BLOCK_KIND_TITLE, b, body_end);
            has_title_ = true;
          }
          pos = body_end;
        } else {
          pos = SplitFront(b, body_end);
          at_line_start = pos == b;
          in_front_ = false;
        }
      } else {
        in_front_ = false;
      }
    }

    while (pos < body_end) {
      while (pos < body_end && IsSpace(s_[pos])) ++pos;
      if (pos >= body_end) break;
      const U32View rest = s_.substr(pos, body_end - pos);
      auto hm = MatchHeadingMarker(rest);
      if (hm && (at_line_start || (run_together_ && Rank(hm->style) <= Rank(MarkerStyle::kParenChinese) &&
                                   Consistent(*hm) && ClauseStart(pos, b)))) {
        in_front_ = false;
        AcceptHeading(*hm);
        const uint32_t he = HeadingEnd(pos, static_cast<uint32_t>(hm->length), body_end, Rank(hm->style));
        Emit(pb::BLOCK_KIND_HEADING, pos, he,
             HeadingExtra{hm->style, pos + static_cast<uint32_t>(hm->length)});
        pos = he;
        at_line_start = false;
        continue;
      }
      in_front_ = false;
      pb::BlockKind kind = pb::BLOCK_KIND_PARAGRAPH;
      if (ClauseStart(pos, b) || at_line_start) {
        if (auto lm = MatchListMarker(rest)) {
          kind = pb::BLOCK_KIND_LIST_ITEM;
          list_last_ = lm->number;
        }
      }
      const uint32_t end = BodyEnd(pos, body_end);
      // A line that continues a sentence broken by a line feed joins the
      // previous paragraph or item.
      bool joined = false;
      if (at_line_start && kind == pb::BLOCK_KIND_PARAGRAPH && !line.blank_before &&
          !line.indented && !layout_.pieces.empty()) {
        Piece& prev = layout_.pieces.back();
        if ((prev.kind == pb::BLOCK_KIND_PARAGRAPH || prev.kind == pb::BLOCK_KIND_LIST_ITEM) &&
            !EndsClause(s_[prev.end - 1])) {
          uint32_t ee = end;
          while (ee > pos && IsSpace(s_[ee - 1])) --ee;
          prev.end = ee;
          joined = true;
        }
      }
      if (!joined) Emit(kind, pos, end);
      pos = end;
      at_line_start = false;
    }
    for (const auto& t : tail) Emit(static_cast<pb::BlockKind>(t[0]), t[1], t[2]);
    if (copy_to < line.end) Emit(pb::BLOCK_KIND_COPY_TO, copy_to, line.end);
  }

  // Short organ-name lines at the very end (after the body, before or
  // without a date) are the signature block.
  void MarkTrailingSignature() {
    auto& pieces = layout_.pieces;
    size_t i = pieces.size();
    while (i > 0 && (pieces[i - 1].kind == pb::BLOCK_KIND_DATE ||
                     pieces[i - 1].kind == pb::BLOCK_KIND_COPY_TO ||
                     pieces[i - 1].kind == pb::BLOCK_KIND_SIGNATURE)) {
      --i;
    }
    while (i > 0 && pieces[i - 1].kind == pb::BLOCK_KIND_PARAGRAPH) {
      Piece& p = pieces[i - 1];
      const U32View v = s_.substr(p.begin, p.end - p.begin);
      if (v.size() > kMaxSignatureChars || HasClausePunct(v) || !EndsWithOrganSuffix(v)) break;
      p.kind = pb::BLOCK_KIND_SIGNATURE;
      --i;
    }
  }

  void BuildSections() {
    auto& pieces = layout_.pieces;
    auto& sections = layout_.sections;
    struct Open {
      int rank;
      int id;
    };
    std::vector<Open> stack;
    std::vector<int> parents;
    int last_body = -1;  // index of the last body piece seen
    std::vector<int> end_piece;
    auto close_until = [&](int rank) {
      while (!stack.empty() && stack.back().rank >= rank) {
        end_piece[stack.back().id] = last_body;
        stack.pop_back();
      }
    };
    for (size_t i = 0; i < pieces.size(); ++i) {
      Piece& p = pieces[i];
      if (p.kind == pb::BLOCK_KIND_HEADING) {
        const int rank = Rank(extras_[i].style);
        close_until(rank);
        const int id = static_cast<int>(sections.size());
        const int parent = stack.empty() ? -1 : stack.back().id;
        SectionInfo info{p.begin, p.end, static_cast<int>(stack.size()) + 1,
                         pb::SECTION_KIND_OTHER, parent, false};
        // Sub-sections inherit a specific kind from their parent.
        if (parent >= 0 && sections[parent].kind != pb::SECTION_KIND_OTHER) {
          info.kind = sections[parent].kind;
          info.inherited = true;
        } else {
          info.kind = ClassifySection(s_.substr(p.begin, p.end - p.begin));
        }
        sections.push_back(info);
        parents.push_back(parent);
        end_piece.push_back(static_cast<int>(i));
        stack.push_back({rank, id});
        p.section = id;
        last_body = static_cast<int>(i);
        continue;
      }
      const bool tail = p.kind == pb::BLOCK_KIND_SIGNATURE || p.kind == pb::BLOCK_KIND_DATE ||
                        p.kind == pb::BLOCK_KIND_COPY_TO;
      if (!tail && !stack.empty()) {
        p.section = stack.back().id;
        last_body = static_cast<int>(i);
      }
    }
    close_until(-1);
    parents_ = std::move(parents);
    section_end_piece_ = std::move(end_piece);
  }


  U32View s_;
  std::vector<Line> lines_;
  Layout layout_;
  std::vector<HeadingExtra> extras_;
  std::vector<int> parents_;
  std::vector<int> section_end_piece_;
  bool run_together_ = false;
  bool in_front_ = true;
  bool has_title_ = false;
  int last_num_[kStyles] = {};
  int list_last_ = 0;
  uint32_t last_piece_end_ = UINT32_MAX;
};

// True if s[k] == '.' is the dot of an enumeration marker: it follows one or
// two ASCII digits, or one Chinese numeral, that start a clause (block start,
// or after punctuation/space), and text (not a digit) follows.
bool IsMarkerDot(U32View s, uint32_t k, uint32_t block_begin) {
  if (k == block_begin || k + 1 >= s.size()) return false;
  const char32_t next = s[k + 1];
  if (IsAsciiDigit(next) || IsSpace(next) || next == '\n') return false;
  uint32_t j = k;
  if (IsAsciiDigit(s[j - 1])) {
    while (j > block_begin && IsAsciiDigit(s[j - 1]) && k - j < 3) --j;
    if (k - j > 2) return false;
  } else {
    size_t len = 0;
    if (ParseChineseNumeral(s.substr(k - 1, 1), &len) == 0) return false;
    j = k - 1;
  }
  if (j == block_begin) return true;
  const char32_t before = s[j - 1];
  return !IsHan(before) && !IsAsciiDigit(before) && !(before >= 'A' && before <= 'z');
}

// The first year "NNNN年" in `s` that is not part of a range, or 0.
int FirstYear(U32View s) {
  for (size_t p = 0; p + 4 < s.size(); ++p) {
    if (!IsAsciiDigit(s[p]) || (p > 0 && (IsAsciiDigit(s[p - 1]) || s[p - 1] == U'—' ||
                                          s[p - 1] == '-' || s[p - 1] == U'至'))) {
      continue;
    }
    if (!IsAsciiDigit(s[p + 1]) || !IsAsciiDigit(s[p + 2]) || !IsAsciiDigit(s[p + 3]) ||
        s[p + 4] != U'年') {
      continue;
    }
    if (p + 5 < s.size() && (s[p + 5] == U'至' || s[p + 5] == U'—' || s[p + 5] == '-')) continue;
    return (s[p] - '0') * 1000 + (s[p + 1] - '0') * 100 + (s[p + 2] - '0') * 10 + (s[p + 3] - '0');
  }
  return 0;
}

// A top-level section about a year after the one reported on (二、2024年工作
//重点 in a 2023 report) is about plans, whatever else its wording says.
void ClassifyFutureYearSections(U32View s, int report_year, std::vector<SectionInfo>* sections) {
  for (SectionInfo& info : *sections) {
    if (info.parent == -1) {
      if ((info.kind == pb::SECTION_KIND_OTHER || info.kind == pb::SECTION_KIND_MEASURES) &&
          FirstYear(s.substr(info.begin, info.heading_end - info.begin)) > report_year) {
        info.kind = pb::SECTION_KIND_PLANS;
      }
    } else if ((*sections)[info.parent].kind != pb::SECTION_KIND_OTHER) {
      // The same rule as in BuildSections: a specific parent kind is inherited.
      info.kind = (*sections)[info.parent].kind;
      info.inherited = true;
    }
  }
}

void SetSpan(const MatchText& m, uint32_t b, uint32_t e, common::v1::Span* span) {
  span->set_begin(m.ByteBegin(b));
  span->set_end(m.ByteEnd(e));
}

}  // namespace

struct Segmenter::Impl {
  const TextNormalizer* normalizer = nullptr;
  const geo::Gazetteer* gazetteer = nullptr;
  SegmenterOptions options;
  std::string version;
  std::unique_ptr<icu::BreakIterator> sentences;
  MatchText m;
  std::vector<char16_t> u16;
  std::vector<uint32_t> u16_char;  // normalised-char index of each UTF-16 unit
};

Segmenter::Segmenter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Segmenter::~Segmenter() = default;

std::string_view Segmenter::Version() { return "segmenter-1.3.2"; }

const std::string& Segmenter::version() const { return impl_->version; }

Result<std::unique_ptr<Segmenter>> Segmenter::Create(SegmenterOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->gazetteer = &geo::Gazetteer::Default();
  for (const std::string& r : options.scope) {
    if (!impl->gazetteer->IsRegionScope(r)) {
      return Status::InvalidArgument("segment.region: '" + r +
                                     "' names no province, city or county in the gazetteer (name, short name or code)");
    }
  }
  impl->version = std::string(Version());
  if (!options.resolve_places) impl->version += "+noplaces";
  for (size_t i = 0; i < options.scope.size(); ++i) {
    impl->version += (i == 0 ? "+scope=" : ",") + options.scope[i];
  }
  impl->options = std::move(options);
  impl->normalizer = &TextNormalizer::Get();
  UErrorCode status = U_ZERO_ERROR;
  impl->sentences.reset(icu::BreakIterator::createSentenceInstance(icu::Locale("zh"), status));
  if (U_FAILURE(status) || impl->sentences == nullptr) {
    return Status::Internal(std::string("ICU sentence BreakIterator: ") + u_errorName(status));
  }
  return std::unique_ptr<Segmenter>(new Segmenter(std::move(impl)));
}

Status Segmenter::Segment(std::string_view text, pb::SegmentedDocument* out) {
  if (text.size() > UINT32_MAX / 2) {
    return Status::InvalidArgument("text too large to segment: " + std::to_string(text.size()));
  }
  MatchText& m = impl_->m;
  if (!impl_->normalizer->Normalize(text, &m)) {
    return Status::InvalidArgument("text is not valid UTF-8");
  }
  out->set_text(std::string(text));
  // `text` may have pointed into out->text() (re-segmenting a stored
  // document in place); from here on read the copy the output owns.
  text = out->text();
  out->clear_sections();
  out->clear_blocks();
  out->clear_sentences();
  out->set_processing_version(impl_->version);

  const U32View s = m.chars();
  LayoutBuilder builder(s);
  Layout layout = builder.Build();

  ExtractMetadata(text, m, layout, out->mutable_metadata());
  if (impl_->options.resolve_places) {
    FindPlace(text, m, layout, PlaceContext{impl_->gazetteer, out->source(), &impl_->options.scope},
              out->mutable_metadata());
  }
  if (out->metadata().has_year()) {
    ClassifyFutureYearSections(s, out->metadata().year(), &layout.sections);
  }

  // Sections.
  const std::vector<int>& parents = builder.parents();
  const std::vector<int>& end_piece = builder.section_end_piece();
  {
    size_t sec = 0;
    for (size_t i = 0; i < layout.pieces.size(); ++i) {
      const Piece& p = layout.pieces[i];
      if (p.kind != pb::BLOCK_KIND_HEADING) continue;
      const SectionInfo& info = layout.sections[sec];
      pb::Section* section = out->add_sections();
      section->set_id(static_cast<uint32_t>(sec));
      section->set_parent(parents[sec]);
      section->set_level(static_cast<uint32_t>(info.level));
      uint32_t marker_end = builder.extras()[i].marker_end;
      while (marker_end > p.begin && IsSpace(s[marker_end - 1])) --marker_end;
      if (marker_end > p.begin) {
        section->set_marker(
            std::string(text.substr(m.ByteBegin(p.begin), m.ByteEnd(marker_end) - m.ByteBegin(p.begin))));
      }
      section->set_heading(
          std::string(text.substr(m.ByteBegin(p.begin), m.ByteEnd(p.end) - m.ByteBegin(p.begin))));
      SetSpan(m, p.begin, p.end, section->mutable_heading_span());
      const Piece& last = layout.pieces[std::max<int>(end_piece[sec], static_cast<int>(i))];
      SetSpan(m, p.begin, last.end, section->mutable_span());
      section->set_kind(info.kind);
      ++sec;
    }
  }

  // Blocks.
  out->mutable_blocks()->Reserve(static_cast<int>(layout.pieces.size()));
  for (const Piece& p : layout.pieces) {
    pb::Block* block = out->add_blocks();
    block->set_kind(p.kind);
    SetSpan(m, p.begin, p.end, block->mutable_span());
    block->set_section(p.section);
  }

  // Sentences: ICU's sentence BreakIterator over the body blocks (headings,
  // paragraphs, list items; not title, issuer, addressee, signature, date or
  // copy-to lines), fed as one
  // UTF-16 buffer of normalised characters in which line feeds inside a block
  // are dropped (so a line break in mid-sentence does not split it) and each
  // block ends with U+2029 (so no sentence spans two blocks).
  std::vector<char16_t>& u16 = impl_->u16;
  std::vector<uint32_t>& u16_char = impl_->u16_char;
  // Written through raw pointers into buffers sized for the worst case (two
  // UTF-16 units per character), then trimmed: this loop runs per character.
  const size_t cap = 2 * m.size() + layout.pieces.size() + 1;
  if (u16.size() < cap) {
    u16.resize(cap);
    u16_char.resize(cap);
  }
  char16_t* const u16p = u16.data();
  uint32_t* const u16c = u16_char.data();
  size_t un = 0;
  std::vector<std::pair<uint32_t, int>> block_starts;  // u16 index, section
  block_starts.reserve(layout.pieces.size());
  size_t skip = 0;  // next range in layout.skipped
  for (const Piece& p : layout.pieces) {
    if (p.kind != pb::BLOCK_KIND_PARAGRAPH && p.kind != pb::BLOCK_KIND_LIST_ITEM &&
        p.kind != pb::BLOCK_KIND_HEADING) {
      continue;
    }
    block_starts.emplace_back(static_cast<uint32_t>(un), p.section);
    for (uint32_t k = p.begin; k < p.end; ++k) {
      while (skip < layout.skipped.size() && layout.skipped[skip].second <= k) ++skip;
      if (skip < layout.skipped.size() && layout.skipped[skip].first <= k) {
        k = layout.skipped[skip].second - 1;
        continue;
      }
      const char32_t c = s[k];
      if (c == '\n') continue;
      if (c == '.' && IsMarkerDot(s, k, p.begin)) {
        // The dot of an enumeration marker (1. / 一.) ends no sentence; ICU
        // would break after it, so it is matched as an enumeration comma.
        u16p[un] = u'\u3001';
        u16c[un++] = k;
      } else if (c < 0x10000) {
        u16p[un] = static_cast<char16_t>(c);
        u16c[un++] = k;
      } else {
        u16p[un] = static_cast<char16_t>(0xD7C0 + (c >> 10));
        u16c[un++] = k;
        u16p[un] = static_cast<char16_t>(0xDC00 | (c & 0x3FF));
        u16c[un++] = k;
      }
    }
    u16p[un] = u'\u2029';
    u16c[un++] = p.end;
  }
  // u16/u16_char keep their size (no zero-fill per document): the text is
  // their first `un` entries.
  if (un > 0) {
    UErrorCode status = U_ZERO_ERROR;
    UText* ut = utext_openUChars(nullptr, reinterpret_cast<const UChar*>(u16.data()),
                                 static_cast<int64_t>(un), &status);
    if (U_FAILURE(status)) {
      return Status::Internal(std::string("utext_openUChars: ") + u_errorName(status));
    }
    icu::BreakIterator& bi = *impl_->sentences;
    bi.setText(ut, status);
    if (U_FAILURE(status)) {
      utext_close(ut);
      return Status::Internal(std::string("BreakIterator::setText: ") + u_errorName(status));
    }
    // UAX #29 keeps opening brackets after a full stop with the sentence
    // before ("…。（二）" breaks after "（"); they start the next one here.
    auto is_open = [](char16_t c) {
      return c == u'(' || c == u'[' || c == u'《' || c == u'“' || c == u'‘' || c == u'「' ||
             c == u'『' || c == u'【' || c == u'〔' || c == u'{';
    };
    size_t blk = 0;
    int32_t a = bi.first();
    for (int32_t bnd = bi.next(); bnd != icu::BreakIterator::DONE; a = bnd, bnd = bi.next()) {
      int32_t k = bnd;
      while (k > a && u16[k - 1] == u' ') --k;
      if (k > a && is_open(u16[k - 1])) {
        while (k > a && is_open(u16[k - 1])) --k;
        bnd = k;
      }
      int32_t z = bnd;
      while (z > a && (u16[z - 1] == u'\u2029' || u16[z - 1] == u' ')) --z;
      int32_t y = a;
      while (y < z && u16[y] == u' ') ++y;
      if (y >= z) continue;
      while (blk + 1 < block_starts.size() && block_starts[blk + 1].first <= static_cast<uint32_t>(y)) ++blk;
      const uint32_t cb = u16_char[y];
      const uint32_t ce = u16_char[z - 1] + 1;
      pb::Sentence* sentence = out->add_sentences();
      SetSpan(m, cb, ce, sentence->mutable_span());
      sentence->set_section(block_starts[blk].second);
    }
    utext_close(ut);
  }

  return Status::OK();
}

}  // namespace reportflow::segment
