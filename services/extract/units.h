// Units of the extraction grammar: the measure words, money and other units
// a quantity may carry (kind, and whether it is a duration), and the nouns a
// one-character unit forms with the next character (项目, 人员).
// Internal to services/extract.
#pragma once

#include <vector>

#include "reportflow/common/v1/common.pb.h"
#include "services/extract/char_classes.h"

namespace reportflow::extract::internal {

namespace cpb = ::reportflow::common::v1;

struct UnitDef {
  U32 text;
  cpb::QuantityKind kind;
  bool time;  // a duration: 年, 个月, 天 ... (time adverbials like 三年来 are excluded)
};

constexpr cpb::QuantityKind kCount = cpb::QUANTITY_KIND_COUNT;
constexpr cpb::QuantityKind kOther = cpb::QUANTITY_KIND_OTHER;
constexpr cpb::QuantityKind kMoney = cpb::QUANTITY_KIND_MONEY;
constexpr cpb::QuantityKind kPercent = cpb::QUANTITY_KIND_PERCENT;

// The units whose text starts with `c`, in table order (longest first).
const std::vector<const UnitDef*>& UnitsStartingWith(char32_t c);

// Characters that, directly after a one-character unit, turn it into a
// different noun (项目, 人员, 部门 ...): then there is no measure word.
bool FormsNounWithNext(char32_t unit, char32_t next);

}  // namespace reportflow::extract::internal
