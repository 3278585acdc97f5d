#include "cli/corpus_prose.h"

#include <vector>

namespace reportflow::cli {
namespace {

// What a paragraph is about.
const std::vector<std::string> kTopics = {
    "围绕矛盾纠纷源头化解", "针对山林权属争议多发的情况", "聚焦农民工工资拖欠问题",
    "针对婚姻家庭纠纷易激化的特点", "围绕土地承包经营权流转", "针对邻里纠纷反复发生的问题",
    "聚焦自建房安全隐患", "围绕森林防火和防汛减灾", "针对电信网络诈骗高发态势", "聚焦食品药品安全监管",
    "围绕易地扶贫搬迁安置点治理", "针对河道非法采砂问题", "聚焦校园周边环境整治", "围绕农村人居环境整治",
    "针对养殖污染投诉较多的情况", "聚焦道路交通安全管理", "围绕禁毒宣传和戒毒康复",
    "针对留守老人和儿童权益保护", "聚焦征地拆迁中的信访问题", "针对非法集资风险",
    "聚焦安全生产专项整治", "围绕营商环境优化", "针对村级财务管理不规范的问题", "聚焦危险化学品运输管理",
    "针对野外用火管控难的问题", "围绕地质灾害隐患点巡查", "聚焦烟花爆竹禁燃禁放",
    "针对物业服务纠纷增多的情况", "围绕退役军人权益保障", "聚焦行政执法突出问题"};

// What was done: verb and object, no subject.
const std::vector<std::string> kMeasures = {
    "建立问题清单和责任清单", "组建由司法所牵头的工作专班", "召开院坝会听取群众意见", "逐户走访摸排风险隐患",
    "落实包村干部包保责任", "印发专项工作实施方案", "设立驻村调解工作室", "推行“积分制”管理",
    "邀请法律顾问全程参与", "开通群众诉求快速办理通道", "实行挂图作战和销号管理", "联合派出所开展夜间巡查",
    "建立部门联席会议制度", "开展以案释法专题宣讲", "制作方言普法短视频", "在赶场日设置法律咨询台",
    "组织村干部旁听庭审", "聘请退休干部担任调解员", "建立重点人员动态管理台账", "推行“说事评理”议事机制",
    "对接法院开展诉前调解", "运用网格化平台实时流转事项", "实行领导干部接访下访", "完善村规民约并张贴公示",
    "组织执法人员集中学习执法规范", "开展合同履约情况回头看", "健全重大事项社会稳定风险评估",
    "落实执法全过程记录", "公开执法主体和执法依据", "开展“法治文化墙”建设", "建立矛盾纠纷分级处置流程",
    "推动调解协议司法确认", "组织志愿者入户宣传", "建立信息共享和线索移送机制", "设立意见箱和举报电话",
    "对典型案件进行复盘评查", "借助微信群推送法律知识", "引导群众通过法律途径表达诉求",
    "强化执法车辆和装备保障", "推行“容缺受理”服务"};

// How it turned out.
const std::vector<std::string> kOutcomes = {
    "有效防止了矛盾激化", "群众满意度明显提升", "相关投诉明显减少", "风险隐患得到动态管控",
    "未发生因处置不当引发的群体性事件", "营造了尊法学法守法用法的良好氛围", "推动问题在基层就地化解",
    "形成了齐抓共管的工作格局", "执法规范化水平持续提高", "群众法治意识明显增强", "相关工作得到上级部门肯定",
    "依法办事的习惯逐步养成", "干部依法决策能力得到锻炼", "当事人权益得到及时维护", "案件办理质量稳步提升",
    "为中心工作提供了有力法治保障", "有关经验被当地媒体报道", "矛盾纠纷化解在萌芽状态",
    "隐患整改做到闭环管理", "群众获得感和安全感不断增强", "工作效率显著提高", "规范了基层权力运行",
    "减少了行政争议的发生", "群众办事更加便捷"};

const std::vector<std::string> kWho = {"部分村干部", "个别执法人员", "少数群众", "部分村组",
                                       "基层调解组织", "新进工作人员", "外出务工人员", "部分经营主体",
                                       "网格员队伍", "个别部门"};

const std::vector<std::string> kShortcomings = {
    "运用法治思维解决问题的能力不足", "对新修订法律法规学习不够深入", "执法文书制作不够规范",
    "调解工作记录不够完整", "法律意识仍然淡薄", "参与普法活动的积极性不高", "案卷归档不够及时",
    "依法决策的程序意识有待增强", "对合法性审查重视不够", "信息化手段运用不够充分", "人员流动性较大",
    "专业力量配备不足", "宣传形式不够丰富", "基础台账更新不及时"};

const std::vector<std::string> kAims = {"确保各项工作落地见效", "推动法治政府建设再上新台阶",
                                        "切实提升基层治理法治化水平", "持续擦亮法治建设品牌",
                                        "让群众感受到公平正义", "筑牢基层依法治理根基"};

// How a measure was carried out; often said without.
const std::vector<std::string> kManners = {"", "", "", "", "及时", "定期", "主动", "常态化", "分片包干",
                                           "全面", "逐步", "持续", "按季度", "在重点时段", "集中", "深入"};

// `n` distinct measures in drawn order, each with its manner.
std::string Measures(Rng& r, int n) {
  std::vector<size_t> used;
  std::string out;
  while (static_cast<int>(used.size()) < n) {
    const size_t i = r.Below(kMeasures.size());
    bool seen = false;
    for (size_t u : used) seen |= u == i;
    if (seen) continue;
    used.push_back(i);
    out += "，" + r.Pick(kManners) + kMeasures[i];
  }
  return out;
}

}  // namespace

std::string WorkSentence(Rng& r) {
  std::string s = r.Pick(kTopics);
  s += Measures(r, r.Structural(2, 3));
  return s + "，" + r.Pick(kOutcomes) + "。";
}

std::string ProblemSentence(Rng& r) {
  const std::string& who = r.Pick(kWho);
  const std::string& first = r.Pick(kShortcomings);
  std::string s = who + first;
  if (r.Chance(50)) {
    const std::string& second = r.Pick(kShortcomings);
    if (second != first) s += "，" + second;
  }
  return s + "。";
}

std::string PlanSentence(Rng& r) {
  std::string s = r.Pick(kTopics);
  s += Measures(r, 2);
  return s + "，" + r.Pick(kAims) + "。";
}

}  // namespace reportflow::cli
