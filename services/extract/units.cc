#include "services/extract/units.h"

#include <unordered_map>

namespace reportflow::extract::internal {

namespace {

// Longest match wins; the table is scanned in order of decreasing length.
constexpr UnitDef kUnits[] = {
    // three code points
    {U"个工作日", kOther, true},
    {U"个百分点", kOther, false},
    {U"百分点", kOther, false},
    {U"平方公里", kOther, false},
    {U"平方米", kOther, false},
    {U"个小时", kOther, true},
    // two code points
    {U"件次", kCount, false}, {U"人次", kCount, false}, {U"场次", kCount, false},
    {U"户次", kCount, false}, {U"批次", kCount, false}, {U"车次", kCount, false},
    {U"班次", kCount, false}, {U"架次", kCount, false}, {U"课时", kOther, false},
    {U"学时", kOther, false},
    {U"万元", kMoney, false}, {U"亿元", kMoney, false}, {U"千元", kMoney, false},
    {U"个月", kOther, true}, {U"小时", kOther, true}, {U"分钟", kOther, true},
    {U"公里", kOther, false}, {U"千米", kOther, false}, {U"公顷", kOther, false},
    {U"公斤", kOther, false}, {U"千克", kOther, false},
    // one code point: counting measure words
    {U"件", kCount, false}, {U"次", kCount, false}, {U"场", kCount, false},
    {U"人", kCount, false}, {U"名", kCount, false}, {U"个", kCount, false},
    {U"份", kCount, false}, {U"册", kCount, false}, {U"起", kCount, false},
    {U"家", kCount, false}, {U"户", kCount, false}, {U"项", kCount, false},
    {U"期", kCount, false}, {U"条", kCount, false}, {U"篇", kCount, false},
    {U"部", kCount, false}, {U"所", kCount, false}, {U"村", kCount, false},
    {U"位", kCount, false}, {U"支", kCount, false}, {U"批", kCount, false},
    {U"轮", kCount, false}, {U"处", kCount, false}, {U"座", kCount, false},
    {U"间", kCount, false}, {U"台", kCount, false}, {U"辆", kCount, false},
    {U"本", kCount, false}, {U"张", kCount, false}, {U"套", kCount, false},
    {U"幅", kCount, false}, {U"块", kCount, false}, {U"宗", kCount, false},
    {U"例", kCount, false}, {U"封", kCount, false}, {U"组", kCount, false},
    {U"队", kCount, false}, {U"堂", kCount, false}, {U"节", kCount, false},
    {U"类", kCount, false}, {U"种", kCount, false}, {U"笔", kCount, false},
    {U"面", kCount, false}, {U"首", kCount, false}, {U"卷", kCount, false},
    {U"趟", kCount, false}, {U"遍", kCount, false},
    {U"元", kMoney, false},
    // one code point: other measures
    {U"年", kOther, true}, {U"天", kOther, true}, {U"周", kOther, true},
    {U"岁", kOther, false}, {U"米", kOther, false}, {U"亩", kOther, false},
    {U"吨", kOther, false}, {U"倍", kOther, false}, {U"斤", kOther, false},
};

}  // namespace

// The units whose text starts with `c`, in table order (longest first).
const std::vector<const UnitDef*>& UnitsStartingWith(char32_t c) {
  static const auto* const index = [] {
    auto* m = new std::unordered_map<char32_t, std::vector<const UnitDef*>>();
    for (const UnitDef& u : kUnits) (*m)[u.text[0]].push_back(&u);
    return m;
  }();
  static const std::vector<const UnitDef*> kNone;
  const auto it = index->find(c);
  return it == index->end() ? kNone : it->second;
}

// Characters that, directly after a one-character unit, turn it into a
// different noun (项目, 人员, 部门 ...): then there is no measure word.
bool FormsNounWithNext(char32_t unit, char32_t next) {
  switch (unit) {
    case U'项': return next == U'目';
    case U'人': return next == U'员' || next == U'民' || next == U'口' || next == U'才' || next == U'大' || next == U'士';
    case U'部': return next == U'门' || next == U'署' || next == U'分' || next == U'队';
    case U'期': return next == U'间' || next == U'限' || next == U'望';
    case U'条': return next == U'件' || next == U'例' || next == U'款' || next == U'幅';
    case U'名': return next == U'单' || next == U'称' || next == U'义';
    case U'所': return next == U'有' || next == U'在' || next == U'属' || next == U'长';
    case U'家': return next == U'庭' || next == U'长' || next == U'属' || next == U'园';
    case U'村': return next == U'民' || next == U'级' || next == U'委' || next == U'庄' || next == U'干';
    case U'次': return next == U'数' || next == U'要';
    case U'个': return next == U'人' || next == U'别' || next == U'体' || next == U'性';
    case U'本': return next == U'领' || next == U'地' || next == U'级' || next == U'职';
    case U'处': return next == U'理' || next == U'置' || next == U'罚' || next == U'分';
    case U'组': return next == U'织' || next == U'长' || next == U'成';
    case U'台': return next == U'账';
    case U'面': return next == U'积' || next == U'对';
    case U'起': return next == U'草' || next == U'诉' || next == U'来';
    case U'种': return next == U'植';
    case U'年': return next == U'度' || next == U'底' || next == U'初' || next == U'末' || next == U'终';
    case U'周': return next == U'年' || next == U'边' || next == U'岁';
    default: return false;
  }
}

}  // namespace reportflow::extract::internal
