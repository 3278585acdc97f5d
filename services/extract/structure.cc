#include "services/extract/structure.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <string>

namespace reportflow::extract {

namespace {

namespace pb = ::reportflow::extract::v1;
namespace cpb = ::reportflow::common::v1;

// The first occurrence of `w` in `s` from `pos`, or npos (std::string_view::find
// semantics). It scans for the last byte of `w`: in CJK text that is a
// continuation byte, spread over 64 values, where find() stops at every
// occurrence of the first (lead) byte, a third of the text, to compare.
size_t Find(std::string_view s, std::string_view w, size_t pos = 0) {
  if (pos > s.size()) return std::string_view::npos;
  if (w.empty()) return pos;
  const size_t m = w.size();
  if (s.size() - pos < m) return std::string_view::npos;
  const char* base = s.data();
  const char* end = base + s.size();
  const char* p = base + pos + m - 1;  // where the last byte of a match at `pos` would be
  while (p < end) {
    p = static_cast<const char*>(std::memchr(p, w[m - 1], static_cast<size_t>(end - p)));
    if (p == nullptr) return std::string_view::npos;
    const char* start = p - (m - 1);
    if (std::memcmp(start, w.data(), m - 1) == 0) return static_cast<size_t>(start - base);
    ++p;
  }
  return std::string_view::npos;
}

bool Has(std::string_view s, std::string_view w) { return Find(s, w) != std::string_view::npos; }

bool HasAny(std::string_view s, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (Has(s, w)) return true;
  }
  return false;
}

bool EndsWithAny(std::string_view s, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (s.size() >= w.size() && s.substr(s.size() - w.size()) == w) return true;
  }
  return false;
}

// True if the character ending at byte `end` of `s` (exclusive) ends a clause:
// ，。；：！？（） or their ASCII forms, or a line break.
bool BoundaryBefore(std::string_view s, size_t end) {
  const unsigned char c = static_cast<unsigned char>(s[end - 1]);
  if (c < 0x80) {
    return c == ',' || c == ';' || c == ':' || c == '(' || c == ')' || c == '!' || c == '?' || c == '\n';
  }
  if (end < 3) return false;
  const unsigned char a = static_cast<unsigned char>(s[end - 3]), b = static_cast<unsigned char>(s[end - 2]);
  if (a == 0xE3 && b == 0x80 && c == 0x82) return true;  // 。
  if (a == 0xEF && b == 0xBC) {
    return c == 0x8C || c == 0x9B || c == 0x9A || c == 0x81 || c == 0x9F || c == 0x88 || c == 0x89;  // ，；：！？（）
  }
  return false;
}

// Clause starts of one sentence, found left to right: quantities come in
// text order, so each byte is looked at once however long a clause is (a
// report without punctuation is one clause).
class ClauseStarts {
 public:
  explicit ClauseStarts(std::string_view s) : s_(s) {}
  // The start of the clause that contains byte `pos`; `pos` never decreases.
  size_t At(size_t pos) {
    for (; scanned_ < pos; ++scanned_) {
      if (BoundaryBefore(s_, scanned_ + 1)) last_ = scanned_ + 1;
    }
    return last_;
  }

 private:
  std::string_view s_;
  size_t scanned_ = 0;
  size_t last_ = 0;
};

// How far back from a quantity a target marker (力争, 计划 ...) is looked for
// in its clause: ample for any real clause, and bounded so that a clause of a
// megabyte costs no more than a short one.
constexpr size_t kTargetWindowBytes = 300;

// 同比增长15%, 较上年下降3个百分点, 增长了20%.
bool IsChange(std::string_view local, const pb::Metric& m) {
  const std::initializer_list<std::string_view> kMoves = {
      "增长", "下降", "提高", "减少", "上升", "增加", "降低", "增幅", "降幅", "回落", "提升", "减幅"};
  const bool versus = HasAny(local, {"同比", "环比", "较上年", "较去年", "比上年", "比去年", "较上一年", "比上一年",
                                     "较同期", "比同期", "较20", "比20"});
  if (versus && HasAny(local, kMoves)) return true;
  if (m.kind() != cpb::QUANTITY_KIND_PERCENT && m.unit() != "个百分点" && m.unit() != "百分点") return false;
  std::string_view t = local;
  for (std::string_view tail : {"了", "达", "为", "约"}) {
    if (t.size() >= tail.size() && t.substr(t.size() - tail.size()) == tail) t.remove_suffix(tail.size());
  }
  return EndsWithAny(t, kMoves);
}

// The first byte of a sentence-level plan marker, or npos.
size_t SentenceTargetMarker(std::string_view sentence) {
  size_t first = std::string_view::npos;
  for (std::string_view w : {"下一步", "明年", "下一年", "今后", "将继续", "将进一步", "将持续", "将全面"}) {
    first = std::min(first, Find(sentence, w));
  }
  return first;
}

// Whether `word` occurs in `s` other than right after one of `not_after`.
bool HasExcept(std::string_view s, std::string_view word, std::initializer_list<std::string_view> not_after) {
  for (size_t p = Find(s, word); p != std::string_view::npos; p = Find(s, word, p + word.size())) {
    bool excluded = false;
    for (std::string_view before : not_after) {
      excluded = excluded || (p >= before.size() && s.substr(p - before.size(), before.size()) == before);
    }
    if (!excluded) return true;
  }
  return false;
}

// A marker of a target in the clause before a quantity. 争取 before an amount
// of money is what was secured (争取上级资金8万元), not a target; 按计划/按照计划
// says how an achievement was done.
bool HasTargetMarker(std::string_view clause_before, const pb::Metric& m) {
  if (HasAny(clause_before, {"力争", "力求", "目标", "预计"})) return true;
  if (m.kind() != cpb::QUANTITY_KIND_MONEY && Has(clause_before, "争取")) return true;
  if (HasExcept(clause_before, "计划", {"按", "照"})) return true;
  for (size_t p = Find(clause_before, "拟"); p != std::string_view::npos; p = Find(clause_before, "拟", p + 3)) {
    const std::string_view next = clause_before.substr(p + 3, 3);
    if (next != "定" && next != "订" && next != "稿") return true;
  }
  return false;
}

// 全年/累计/共计/总计/合计/总共/一共, or 共 that is not part of 公共/共同/共享/共建/共治.
bool HasTotalMarker(std::string_view local) {
  if (HasAny(local, {"累计", "共计", "总计", "合计", "总共", "一共", "全年"})) return true;
  for (size_t p = Find(local, "共"); p != std::string_view::npos; p = Find(local, "共", p + 3)) {
    const std::string_view prev = p >= 3 ? local.substr(p - 3, 3) : std::string_view();
    const std::string_view next = local.substr(p + 3, 3);
    if (prev == "公" || next == "同" || next == "享" || next == "建" || next == "治" || next == "性" ||
        next == "识" || next == "产" || next == "青") {
      continue;
    }
    return true;
  }
  return false;
}

const TaxonomyEntry* FindEntry(const Taxonomy& taxonomy, const std::string& id) {
  for (const TaxonomyEntry& e : taxonomy.entries()) {
    if (e.metric_id == id) return &e;
  }
  return nullptr;
}

// True if `part` can be a sub-count of `parent`.
bool FitsParent(const Taxonomy& taxonomy, const pb::Metric& parent, const pb::Metric& part) {
  if (parent.kind() != part.kind()) return false;
  if (parent.kind() != cpb::QUANTITY_KIND_COUNT && parent.kind() != cpb::QUANTITY_KIND_MONEY) return false;
  if (parent.role() == pb::QUANTITY_ROLE_CHANGE) return false;
  if (part.metric_id() != "unclassified" && parent.metric_id() != "unclassified") {
    // Both classified: same unit family (their canonical units agree).
    if (part.canonical_unit() != parent.canonical_unit()) return false;
  } else if (parent.metric_id() != "unclassified") {
    const TaxonomyEntry* e = FindEntry(taxonomy, parent.metric_id());
    if (e == nullptr || !taxonomy.Fits(*e, part.kind(), part.unit(), CountedNoun::kNone)) return false;
  } else if (part.canonical_unit() != parent.canonical_unit()) {
    return false;
  }
  return part.value() <= parent.value();
}

double Allowance(const pb::Metric& parent) {
  switch (parent.approx()) {
    case cpb::APPROX_MORE_THAN:
    case cpb::APPROX_AT_LEAST:
    case cpb::APPROX_ABOUT:
      return parent.value() * 1.5;
    default:
      return parent.value() + 1e-9;
  }
}

}  // namespace

bool IsPlanHeading(std::string_view heading) {
  return HasAny(heading, {"下一步", "工作计划", "工作打算", "工作思路", "工作安排", "工作目标", "主要目标", "展望",
                          "工作重点", "努力方向", "下步"});
}

void AssignStructure(const SentenceContext& sentence, const Taxonomy& taxonomy, int first, pb::ExtractionResult* out,
                     StructureState* state) {
  if (sentence.section != state->section) {
    state->section = sentence.section;
    state->last_total = -1;
  }
  const std::string_view text = sentence.text;
  auto* ms = out->mutable_metrics();
  const int last = ms->size();
  size_t prev_end = 0;
  int parent = -1;
  double parts_sum = 0;
  bool bracketed = false;
  const size_t plan_marker = SentenceTargetMarker(text);
  ClauseStarts clause_starts(text);
  for (int i = first; i < last; ++i) {
    pb::Metric& m = (*ms)[i];
    const size_t b = std::min<size_t>(m.span().begin() - sentence.begin, text.size());
    const size_t e = std::min<size_t>(m.span().end() - sentence.begin, text.size());
    const size_t from = std::min(prev_end, b);
    const std::string_view between = text.substr(from, b - from);
    const size_t clause_start = clause_starts.At(b);
    const size_t marker_from = std::max(clause_start, b > kTargetWindowBytes ? b - kTargetWindowBytes : 0);
    const size_t clause = std::max(clause_start, from);
    const std::string_view local = text.substr(clause, b - clause);
    const std::string_view local_with_span = text.substr(clause, e - clause);

    m.set_role(pb::QUANTITY_ROLE_VALUE);
    if (IsChange(local, m)) {
      m.set_role(pb::QUANTITY_ROLE_CHANGE);
      m.set_metric_id("unclassified");
      m.clear_label_zh();
      m.clear_label_en();
      m.set_metric_kind(MetricKindOf(m.kind()));
    } else if (sentence.plan_section || plan_marker < b || HasTargetMarker(text.substr(marker_from, b - marker_from), m)) {
      m.set_role(pb::QUANTITY_ROLE_TARGET);
    }

    // Parts: a run opened by 其中/包括 before this quantity.
    size_t opener = between.rfind("其中");
    if (const size_t inc = between.rfind("包括");
        inc != std::string_view::npos && (opener == std::string_view::npos || inc > opener)) {
      opener = inc;
    }
    if (opener != std::string_view::npos) {
      parent = i > first ? i - 1 : (from == 0 ? state->last_total : -1);
      // Walk back over parts already attached: the parent is their total.
      while (parent >= 0 && (*ms)[parent].role() == pb::QUANTITY_ROLE_PART && (*ms)[parent].has_parent()) {
        parent = static_cast<int>((*ms)[parent].parent());
      }
      parts_sum = 0;
      const std::string_view before_opener = between.substr(0, opener);
      bracketed = EndsWithAny(before_opener, {"（", "("});
    } else if (parent >= 0) {
      const bool closed = HasAny(between, {"。", "；", ";"}) || (bracketed && HasAny(between, {"）", ")"}));
      if (closed) parent = -1;
    }
    if (parent >= 0 && m.role() != pb::QUANTITY_ROLE_CHANGE) {
      pb::Metric& total = (*ms)[parent];
      if (FitsParent(taxonomy, total, m) && parts_sum + m.value() <= Allowance(total)) {
        parts_sum += m.value();
        m.set_role(pb::QUANTITY_ROLE_PART);
        m.set_parent(static_cast<uint32_t>(parent));
        total.set_total(true);
        if (m.metric_id() == "unclassified" && total.metric_id() != "unclassified") {
          m.set_metric_id(total.metric_id());
          m.set_label_zh(total.label_zh());
          m.set_label_en(total.label_en());
          m.set_metric_kind(total.metric_kind());
          const TaxonomyEntry* entry = FindEntry(taxonomy, total.metric_id());
          const CanonicalValue c = taxonomy.Canonicalize(entry, m.kind(), m.unit());
          m.set_canonical_unit(c.unit);
          m.set_canonical_value(m.value() * c.factor);
          if (m.has_value_max()) m.set_canonical_value_max(m.value_max() * c.factor);
        }
      } else {
        parent = -1;
      }
    }
    if (m.role() != pb::QUANTITY_ROLE_PART && m.role() != pb::QUANTITY_ROLE_CHANGE &&
        HasTotalMarker(local_with_span.substr(0, local.size()))) {
      m.set_total(true);
    }
    if (m.role() != pb::QUANTITY_ROLE_PART && m.role() != pb::QUANTITY_ROLE_CHANGE &&
        (m.kind() == cpb::QUANTITY_KIND_COUNT || m.kind() == cpb::QUANTITY_KIND_MONEY)) {
      state->last_total = i;
    }
    prev_end = e;
  }
}

}  // namespace reportflow::extract
