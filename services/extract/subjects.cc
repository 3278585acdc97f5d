#include "services/extract/subjects.h"

#include <algorithm>

namespace reportflow::extract::internal {

namespace {

// Leading words that are not part of what is counted.
constexpr U32 kLeadingNoise[] = {
    U"截至目前", U"截至", U"与此同时", U"同时", U"其中", U"此外", U"另外", U"目前", U"全年", U"今年",
    U"年内", U"去年", U"当年", U"首先", U"其次", U"再次", U"最后", U"先后", U"已经", U"已", U"并",
    U"还", U"共计", U"合计", U"累计", U"总计", U"共有", U"现有", U"共", U"全部", U"均", U"以及", U"和",
    U"及", U"与", U"并",
};
// Trailing predicate markers between the subject and the number.
constexpr U32 kTrailingNoise[] = {
    U"分别达到", U"分别为", U"分别达", U"均达到", U"都达到", U"均为", U"均达", U"都为", U"都是", U"达到",
    U"共计", U"合计", U"累计", U"总计", U"共有", U"约为", U"多达", U"高达", U"不少于", U"不低于",
    U"不超过", U"超过", U"至少", U"不到", U"不足", U"大约", U"将近", U"接近", U"共", U"达", U"为",
    U"约", U"近", U"有", U"是", U"计", U"均", U"都", U"逾", U"仅", U"只", U"了", U"和", U"及", U"与",
    U"以及",
};

bool IsListMarkerAt(const Buffer& b, size_t i, size_t end, size_t* len) {
  // 一是/二要/三是, （一）, (1), 1. 1、 一、
  if (i + 1 < end && ChineseDigit(b.cp[i]) > 0 && (b.cp[i + 1] == U'是' || b.cp[i + 1] == U'要')) {
    *len = 2;
    return true;
  }
  if (i + 1 < end && (ChineseDigit(b.cp[i]) > 0 || ArabicDigit(b.cp[i]) >= 0)) {
    size_t j = i;
    while (j < end && (ChineseDigit(b.cp[j]) > 0 || ChinesePower(b.cp[j]) == 10 || ArabicDigit(b.cp[j]) >= 0)) ++j;
    if (j < end && (b.cp[j] == U'、' || b.cp[j] == U'.' || b.cp[j] == U'．')) {
      *len = j + 1 - i;
      return true;
    }
  }
  return false;
}

}  // namespace

void TrimSubject(const Buffer& b, size_t* from, size_t* to) {
  bool changed = true;
  while (changed && *from < *to) {
    changed = false;
    while (*from < *to && (IsSpace(b.cp[*from]) || b.cp[*from] == U'、' || IsClauseBoundary(b.cp[*from]))) {
      ++*from;
      changed = true;
    }
    size_t len = 0;
    if (IsListMarkerAt(b, *from, *to, &len)) {
      *from += len;
      changed = true;
      continue;
    }
    for (U32 w : kLeadingNoise) {
      if (*from + w.size() < *to && b.Has(*from, w)) {
        *from += w.size();
        changed = true;
        break;
      }
    }
    // A leading existential 有 (我乡有执法人员6人), but not the 有 of 有效, 有关 ...
    if (*from + 2 < *to && b.cp[*from] == U'有' &&
        std::u32string_view(U"效关力序机所的些益利偿线望名限助").find(b.cp[*from + 1]) == std::u32string_view::npos) {
      ++*from;
      changed = true;
    }
    // Scope: 本乡/全乡/我镇/该县 ...
    if (*from + 2 < *to && (b.cp[*from] == U'本' || b.cp[*from] == U'全' || b.cp[*from] == U'我' ||
                            b.cp[*from] == U'该')) {
      const char32_t c = b.cp[*from + 1];
      if (c == U'乡' || c == U'镇' || c == U'县' || c == U'区' || c == U'村' || c == U'市') {
        *from += 2;
        changed = true;
      }
    }
    // Leading year/time phrase: 2023年(度)(以来|来).
    if (*from < *to && (ArabicDigit(b.cp[*from]) >= 0 || ChineseDigit(b.cp[*from]) >= 0)) {
      size_t j = *from;
      while (j < *to && (ArabicDigit(b.cp[j]) >= 0 || ChineseDigit(b.cp[j]) >= 0)) ++j;
      if (j - *from == 4 && j < *to && b.cp[j] == U'年') {
        ++j;
        if (j < *to && b.cp[j] == U'度') ++j;
        if (b.Has(j, U"以来")) j += 2;
        else if (j < *to && b.cp[j] == U'来') ++j;
        if (j < *to) {
          *from = j;
          changed = true;
        }
      }
    }
  }
  changed = true;
  while (changed && *from < *to) {
    changed = false;
    while (*to > *from && (IsSpace(b.cp[*to - 1]) || b.cp[*to - 1] == U'、')) {
      --*to;
      changed = true;
    }
    for (U32 w : kTrailingNoise) {
      if (b.EndsWith(*to, w, *from)) {
        // A one-character marker may end an ordinary word: 行为, 所有, 统计, 平均.
        if (w.size() == 1 && *to >= *from + 2 && EndsWord(b.cp[*to - 2], w[0])) break;
        *to -= w.size();
        changed = true;
        break;
      }
    }
  }
}

size_t ClauseStart(const Buffer& b, size_t i) {
  const size_t limit = i > kMaxClauseReach ? i - kMaxClauseReach : 0;
  while (i > limit && !IsClauseBoundary(b.cp[i - 1])) --i;
  return i;
}
size_t ClauseEnd(const Buffer& b, size_t i) {
  const size_t limit = std::min(b.size(), i + kMaxClauseReach);
  while (i < limit && !IsClauseBoundary(b.cp[i])) ++i;
  return i;
}

// What a 个 counts, from the noun after it: 个村/个社区/个单位 are
// organisations, 个家庭 households.
CountedNoun NounAfter(const Buffer& b, const Quantity& q) {
  if (q.unit == "村") return CountedNoun::kOrganisation;
  if (q.unit != "个" && q.unit != "户") return CountedNoun::kNone;
  const size_t j = q.claim_end;
  if (q.unit == "户") return CountedNoun::kHousehold;
  if (MatchAny(b, j, {U"家庭", U"农户", U"户"}) != 0) return CountedNoun::kHousehold;
  if (MatchAny(b, j, {U"村", U"社区", U"居", U"单位", U"部门", U"企业", U"学校", U"乡镇", U"镇", U"街道",
                      U"机关", U"站所", U"行政村", U"自然村", U"组", U"小组", U"网格", U"中心", U"站"}) != 0) {
    return CountedNoun::kOrganisation;
  }
  return CountedNoun::kNone;
}

void ClauseContext::Read(std::vector<std::string_view>* clauses) const {
  if (scratch_->size() < max_) scratch_->resize(max_);
  size_t to = end_;
  size_t count = 0;
  while (to > floor_ && count < max_) {
    size_t from = to;
    while (from > floor_ && !IsClauseBoundary(b_.cp[from - 1])) --from;
    if (to > from) clauses->push_back(parser_.SimplifiedView(from, to, &(*scratch_)[count++]));
    if (from == floor_) break;
    to = from - 1;
  }
}

}  // namespace reportflow::extract::internal
