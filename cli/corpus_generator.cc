#include "cli/corpus_generator.h"

#include <archive.h>
#include <archive_entry.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/base/macros.h"
#include "common/text/encoding.h"
#include "cli/corpus_places.h"
#include "cli/corpus_prose.h"
#include "cli/corpus_rng.h"

namespace reportflow::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

const std::vector<std::string> kLaws = {
    "《中华人民共和国行政处罚法》", "《中华人民共和国行政许可法》", "《中华人民共和国民法典》",
    "《中华人民共和国宪法》", "《信访工作条例》", "《重大行政决策程序暂行条例》", "《中华人民共和国安全生产法》",
    "《法治政府建设实施纲要（2021—2025年）》"};
// Which entries of kLaws are laws or regulations (the last one is an outline).
constexpr int kCitableLaws = 7;

const std::vector<std::string> kChineseDigits = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

std::string ChineseNumber(int n) {  // 1..99
  if (n < 10) return n == 2 ? "两" : kChineseDigits[n];
  std::string out = n / 10 == 1 ? "" : kChineseDigits[n / 10];
  out += "十";
  if (n % 10) out += kChineseDigits[n % 10];
  return out;
}

std::string Thousands(int n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ",";
    out += digits[i];
  }
  return out;
}

std::string FullWidthDigits(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    if (c >= '0' && c <= '9') {
      out += "\xEF\xBC";
      out += static_cast<char>(0x90 + (c - '0'));
    } else {
      out += c;
    }
  }
  return out;
}

struct Gold {
  std::string text, unit, approx, kind, subject;
  double value;
  std::vector<std::string> ok_metrics;  // acceptable metric ids (taxonomy.yaml)
};

// One quantity phrasing: appends a clause to `body` and its gold item to `gold`.
using QuantityWriter = void (*)(Rng&, std::string* body, std::vector<Gold>* gold);

void Emit(std::string* body, std::vector<Gold>* gold, const std::string& lead, const std::string& span,
          double value, const std::string& unit, const std::string& approx, const std::string& kind,
          const std::string& subject, const std::string& tail, std::vector<std::string> ok) {
  *body += lead + span + tail;
  gold->push_back({span, unit, approx, kind, subject, value, std::move(ok)});
}

// The value an original report draws at this point of the stream: Between()
// itself when the values are not split; for a planted copy (SplitValues) the
// value its source drew here. A choice that depends on a value must depend on
// this one, or a copy whose number crosses the choice's limit would draw one
// choice more or less than its source and every later choice would differ
// (the copy would not be a copy from there on).
int DrawnByOriginal(const Rng& r, int lo, int hi) {
  Rng original = r;
  return original.Structural(lo, hi);
}

// Picks one of `options`.
const std::string& Pick(Rng& r, const std::vector<std::string>& options) { return options[r.Below(options.size())]; }

const std::vector<QuantityWriter> kQuantities = {
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(2, 19) * 10;
      Emit(b, g, "全年", "调解矛盾纠纷" + std::to_string(n) + "余件", n, "件", "more_than", "count", "调解矛盾纠纷", "，", {"mediation.disputes_handled"});
      const int p = r.Between(92, 100);
      Emit(b, g, "", "调解成功率达" + std::to_string(p) + "%", p, "%", "exact", "percent", "调解成功率", "。", {"mediation.success_rate"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(3, 40);
      Emit(b, g, "组织", "开展法治宣传活动" + std::to_string(n) + "场次", n, "场次", "exact", "count", "法治宣传活动", "，", {"legal_awareness.events"});
      const int drawn = DrawnByOriginal(r, 2, 60) * 100;
      const int m = r.Between(2, 60) * 100;
      // Whether to draw the separator choice follows the original's value, so
      // a planted copy (other numbers) draws the same choices after it.
      const bool sep = drawn >= 1000 && r.Chance(50) && m >= 1000;
      Emit(b, g, "", "发放法律宣传资料" + (sep ? Thousands(m) : std::to_string(m)) + "余份", m, "份", "more_than",
           "count", "法律宣传资料", "，", {"legal_awareness.materials"});
      const int a = r.Between(5, 90) * 100;
      Emit(b, g, "", "受教育群众约" + std::to_string(a) + "人次", a, "人次", "about", "count", "受教育群众", "。", {"legal_awareness.audience"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(3, 25);
      Emit(b, g, "全乡现", "有行政执法资格人员" + std::to_string(n) + "人", n, "人", "exact", "count", "行政执法资格人员", "，", {"enforcement.certified_officers"});
      const int k = r.Between(1, 9);
      Emit(b, g, "", "聘请法律顾问" + ChineseNumber(k) + "名", k, "名", "exact", "count", "法律顾问", "。", {"legal_advisors.count"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(5, 60);
      const bool fw = r.Chance(30);
      const std::string num = fw ? FullWidthDigits(std::to_string(n)) : std::to_string(n);
      Emit(b, g, "严格落实合法性审查制度，", "审查各类合同" + num + "件", n, "件", "exact", "count", "审查合同", "，", {"legal_review.contracts"});
      const int d = r.Between(1, 12);
      Emit(b, g, "", "审查重大行政决策" + std::to_string(d) + "件", d, "件", "exact", "count", "审查重大行政决策", "。", {"legal_review.decisions"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(1, 9);
      Emit(b, g, "行政机关负责人", "出庭应诉" + std::to_string(n) + "次", n, "次", "exact", "count", "出庭应诉", "，", {"litigation.court_appearances"});
      Emit(b, g, "", "出庭应诉率达100%", 100, "%", "exact", "percent", "出庭应诉率", "。", {"litigation.appearance_rate"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(10, 300);
      const int kind = static_cast<int>(r.Below(3));
      const char* marker[] = {"近", "超过", "至少"};
      const char* approx[] = {"less_than", "more_than", "at_least"};
      Emit(b, g, "", std::string("受理群众来信来访") + marker[kind] + std::to_string(n) + "件", n, "件", approx[kind],
           "count", "受理群众来信来访", "，", {"petitions.received"});
      const int p = r.Between(95, 100);
      Emit(b, g, "", "按期办结率" + std::to_string(p) + "%", p, "%", "exact", "percent", "信访按期办结率", "。", {"petitions.resolution_rate"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(2, 9);
      Emit(b, g, "", "组织干部职工法律知识培训" + ChineseNumber(n) + "次", n, "次", "exact", "count", "干部职工法律知识培训",
           "，", {"training.sessions"});
      Emit(b, g, "", "参考率100%", 100, "%", "exact", "percent", "法治理论知识考试参考率", "，", {"exam.participation_rate"});
      const int p = r.Between(90, 100);
      Emit(b, g, "", "合格率" + std::to_string(p) + "%", p, "%", "exact", "percent", "法治理论知识考试合格率", "。", {"exam.pass_rate"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int whole = r.Between(5, 200);
      const int tenth = r.Between(1, 9);
      const std::string amount = std::to_string(whole) + "." + std::to_string(tenth);
      Emit(b, g, "", "投入法治建设经费" + amount + "万元", whole + tenth / 10.0, "万元", "exact", "money",
           "法治建设经费", "，保障各项工作顺利开展。", {"finance.funding"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(1, 9);
      Emit(b, g, "", "开展突发事件应急演练" + std::to_string(n) + "次", n, "次", "exact", "count", "突发事件应急演练", "，", {"emergency.drills"});
      const int t = r.Between(1, 9);
      Emit(b, g, "", "排查安全隐患十余处", 10, "处", "more_than", "count", "排查安全隐患", "，", {"safety.hazards"});
      Emit(b, g, "", "整改到位" + std::to_string(t) + "处", t, "处", "exact", "count", "安全隐患整改", "。", {"safety.hazards"});
    },
    // The counted thing named earlier in the clause: the number at its end.
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const std::string activity = Pick(r, {"“法律进社区”", "“法律进乡村”", "“送法下乡”", "法治宣传进集市"});
      const int n = r.Between(2, 30);
      const std::string marker = Pick(r, {"走进社区开展", "全年累计开展", "深入村组开展"});
      *b += "组织普法志愿者深入开展" + activity + "活动，";
      Emit(b, g, "", marker + std::to_string(n) + "场次", n, "场次", "exact", "count", activity + "活动", "，",
           {"legal_awareness.events"});
      const int a = r.Between(3, 90) * 10;
      Emit(b, g, "", "覆盖群众" + std::to_string(a) + "余人次", a, "人次", "more_than", "count", "活动受众", "。",
           {"legal_awareness.audience"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int s = r.Between(2, 12);
      const std::string topic = Pick(r, {"民法典", "行政处罚法", "习近平法治思想", "安全生产法"});
      Emit(b, g, "围绕" + topic + "举办村（社区）干部法治培训班，", "累计开展" + ChineseNumber(s) + "期", s, "期", "exact",
           "count", "法治培训班", "，", {"training.sessions"});
      const int p = r.Between(10, 90) * 10;
      Emit(b, g, "", "参训" + std::to_string(p) + "余人次", p, "人次", "more_than", "count", "参训人员", "。",
           {"training.participants"});
    },
    // Titles in 《》 never choose the topic; people are never sessions.
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const std::string law = Pick(r, {"《信访工作条例》", "《人民调解法》", "《行政复议法》", "《法律援助法》"});
      const int n = r.Between(2, 9);
      Emit(b, g, "", "组织学习《中华人民共和国民法典》" + law + "等法律法规" + std::to_string(n) + "次", n, "次", "exact",
           "count", "学习法律法规", "，", {"training.sessions"});
      const int k = r.Between(5, 30);
      Emit(b, g, "", std::to_string(k) + "名党政主要负责人现场述法", k, "名", "exact", "count", "现场述法负责人", "。",
           {"law_reporting.reporters"});
    },
    // 其中 sub-counts of a total.
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int simple = r.Between(20, 200), normal = r.Between(10, 300);
      const int total = simple + normal;
      Emit(b, g, "", "共计立案查处各类案件" + std::to_string(total) + "件", total, "件", "exact", "count",
           "立案查处案件", "（其中", {"enforcement.cases"});
      Emit(b, g, "", "简易程序" + std::to_string(simple) + "件", simple, "件", "exact", "count", "简易程序案件", "，",
           {"enforcement.cases"});
      Emit(b, g, "", "普通程序" + std::to_string(normal) + "件", normal, "件", "exact", "count", "普通程序案件", "），",
           {"enforcement.cases"});
      const int fine = r.Between(1, 9);
      Emit(b, g, "", "罚没金额0." + std::to_string(fine) + "万余元", fine / 10.0, "万元", "more_than", "money",
           "罚没金额", "。", {"enforcement.fines"});
    },
    // Rates that keep their own qualifier; shared rates.
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int c = r.Between(80, 99);
      Emit(b, g, "", "行政执法案件结案率" + std::to_string(c) + ".5%", c + 0.5, "%", "exact", "percent", "结案率", "，",
           {"enforcement.case_closure_rate"});
      Emit(b, g, "", "信访事项按时办结率100%", 100, "%", "exact", "percent", "按时办结率", "，",
           {"petitions.resolution_rate"});
      const int d = r.Between(90, 99);
      Emit(b, g, "", "公示率" + std::to_string(d) + "%", d, "%", "exact", "percent", "公示率", "。",
           {"enforcement.disclosure_rate"});
      *b += "群众来访";
      const int v = r.Between(20, 200);
      Emit(b, g, "", "接待" + std::to_string(v) + "人次", v, "人次", "exact", "count", "接待来访群众", "，",
           {"petitions.visitors"});
      *b += "群众反映良好。";
    },
    // Mixed units for one activity, new ids.
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int inspections = r.Between(10, 80);
      Emit(b, g, "", "开展行政执法检查" + std::to_string(inspections) + "次", inspections, "次", "exact", "count",
           "行政执法检查", "，", {"enforcement.inspections"});
      const int rc = r.Between(1, 6);
      Emit(b, g, "", "办理行政复议案件" + std::to_string(rc) + "件", rc, "件", "exact", "count", "行政复议案件", "，",
           {"litigation.reconsideration_cases"});
      const int docs = r.Between(1, 9);
      Emit(b, g, "", "报送规范性文件备案审查" + std::to_string(docs) + "件", docs, "件", "exact", "count",
           "规范性文件备案审查", "，", {"legal_review.normative_documents"});
      const int ev = r.Between(100, 2000);
      Emit(b, g, "", "网格员上报处置网格事件" + std::to_string(ev) + "件", ev, "件", "exact", "count", "网格事件", "。",
           {"grid.events"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int m = r.Between(4, 24);
      Emit(b, g, "坚持党委会会前学法，", "全年开展会前学法" + std::to_string(m) + "次", m, "次", "exact", "count",
           "会前学法", "，", {"training.study_meetings"});
      const int books = r.Between(5, 40) * 100;
      Emit(b, g, "", "印制发放民法典小册子" + std::to_string(books) + "余册", books, "册", "more_than", "count",
           "民法典小册子", "，", {"legal_awareness.materials"});
      const int q = r.Between(30, 400);
      Emit(b, g, "", "解答群众法律咨询" + std::to_string(q) + "余次", q, "次", "more_than", "count", "法律咨询", "。",
           {"legal_awareness.consultations"});
    },
};

// The plans section: quantities there are targets of the same metrics.
const std::vector<QuantityWriter> kTargets = {
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int p = r.Between(95, 99);
      Emit(b, g, "力争", "矛盾纠纷调解成功率达到" + std::to_string(p) + "%以上", p, "%", "more_than", "percent",
           "调解成功率", "；", {"mediation.success_rate"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(4, 12);
      Emit(b, g, "计划", "组织干部法治培训" + std::to_string(n) + "场", n, "场", "exact", "count", "干部法治培训", "；",
           {"training.sessions"});
    },
    [](Rng& r, std::string* b, std::vector<Gold>* g) {
      const int n = r.Between(10, 40);
      Emit(b, g, "", "开展“法律进万家”活动" + std::to_string(n) + "场次", n, "场次", "exact", "count", "法律进万家活动",
           "；", {"legal_awareness.events"});
    },
};

// Sentences that hold numerals but no quantity (never in the gold file).
std::string Exclusions(Rng& r, int year, const Place& p, int docno) {
  std::vector<std::string> s = {
      "深入学习贯彻党的二十大精神，增强“四个意识”、坚定“四个自信”、做到“两个维护”。",
      "全面落实行政执法“三项制度”，推进“八五”普法规划实施。",
      std::to_string(year) + "年以来，我们坚持依法行政，打通服务群众“最后一公里”。",
      "认真落实《关于印发" + std::to_string(year) + "年全县法治政府建设工作要点的通知》（" + p.county_short +
          "府办发〔" + std::to_string(year) + "〕" + std::to_string(docno) + "号）文件要求。",
      "进一步推动一村一法律顾问全覆盖，做到统一登记、统一编号。",
  };
  std::string out;
  for (const auto& sentence : s) {
    if (r.Chance(60)) out += sentence;
  }
  return out;
}

std::string TopMarker(int style, int i) {
  static const std::vector<std::string> cn = {"一", "二", "三", "四", "五", "六"};
  switch (style) {
    case 0: return cn[i] + "、";
    case 1: return cn[i] + " 、";
    default: return "第" + cn[i] + "部分 ";
  }
}

std::string SubMarker(int style, int i) {
  static const std::vector<std::string> cn = {"一", "二", "三", "四", "五", "六"};
  switch (style) {
    case 0: return "（" + cn[i] + "）";
    case 1: return "(" + cn[i] + ")";
    default: return std::to_string(i + 1) + ".";
  }
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

std::string AsciiPunctuation(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"，", ","}, {"。", "."}, {"：", ":"}, {"；", ";"}, {"（", "("}, {"）", ")"}, {"“", "\""}, {"”", "\""}}) {
    s = ReplaceAll(std::move(s), from, to);
  }
  return s;
}

size_t CountOccurrences(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = 0; (pos = haystack.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
  return n;
}


// Stock phrases of this kind of report (no numbers: they hold no quantity).
// Independent reports use them now and then, and a copier adds one
// (EditCopy): a copier's added sentence is the same kind of stock phrase
// other writers use, not text only copies contain (if only copies held these
// sentences, any one of them would mark its report as a copy).
const std::vector<std::string> kStockPhrases = {
    "同时注重总结经验做法，形成长效机制。", "坚持问题导向，压实工作责任。",
    "进一步健全完善工作台账，做到底数清、情况明。", "主动接受人大监督和政协民主监督。",
    "积极回应群众关切，切实维护群众合法权益。", "加强与司法所、派出所的协调联动。"};

// Sub-headings of the work section: the usual one and the wording a copier
// rewords it to (EditCopy); independent writers use both.
const std::string kSubHeading = "依法履职，推进重点工作落实。";
const std::string kSubHeadingReworded = "强化担当，推动重点任务落地见效。";

struct Report {
  std::string text;  // UTF-8
  std::vector<Gold> gold;
  ordered_json meta;
};

Report MakeReport(Rng& r, const Place& p, int year) {
  Report rep;
  const int heading_style = static_cast<int>(r.Below(3));
  const int sub_style = static_cast<int>(r.Below(3));
  const int docno = r.Between(10, 99);
  std::string text;
  std::vector<std::string> sections;
  const bool issuer = r.Chance(40);
  const bool with_province = issuer && r.Chance(50);
  const bool title = r.Chance(85);
  if (issuer) text += (with_province ? p.province : "") + p.county + p.township + "人民政府\n";
  if (title) {
    text += r.Chance(50) ? p.township + std::to_string(year) + "年法治政府建设工作报告\n"
                         : "关于" + std::to_string(year) + "年度法治政府建设情况的报告\n";
  }
  const bool county_stated = issuer || r.Chance(50);
  text += std::to_string(year) + "年，" + p.township + "在" + (county_stated ? p.county : std::string("县")) +
          "委、" + (county_stated ? p.county : std::string("县")) +
          "政府的正确领导下，坚持以习近平法治思想为指导，扎实推进法治政府建设。现将有关情况报告如下：\n";
  const std::vector<std::string> heads = {std::to_string(year) + "年法治政府建设工作开展情况", "存在的主要问题",
                                          "下一步工作打算"};
  std::vector<std::string> laws;
  for (size_t h = 0; h < heads.size(); ++h) {
    const std::string heading = TopMarker(heading_style, static_cast<int>(h)) + heads[h];
    sections.push_back(heading);
    text += heading + "\n";
    if (h == 0) {
      std::vector<size_t> order(kQuantities.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[r.Below(i)]);
      const int count = r.Structural(3, std::min(static_cast<int>(order.size()), 12));  // six sub-headings at most
      for (int q = 0; q < count; ++q) {
        if (q % 2 == 0) text += SubMarker(sub_style, q / 2) + (r.Chance(20) ? kSubHeadingReworded : kSubHeading);
        std::string body;
        kQuantities[order[q]](r, &body, &rep.gold);
        text += (q % 2 == 0 ? "一是" : "二是");
        if (r.Chance(60)) text += WorkSentence(r);  // the unit's own work, then its figures
        text += body;
        if (r.Chance(40)) {
          const auto& law = kLaws[r.Below(kLaws.size())];
          const int index = static_cast<int>(&law - &kLaws[0]);
          text += "组织学习" + law + "。";
          if (index < kCitableLaws) {
            const std::string name = law.substr(3, law.size() - 6);  // strip 《 》
            if (std::find(laws.begin(), laws.end(), name) == laws.end()) laws.push_back(name);
          }
        }
        text += Exclusions(r, year, p, docno);
        if (r.Chance(15)) text += Pick(r, kStockPhrases);
        if (r.Chance(70)) text += WorkSentence(r);
        if (r.Chance(30)) text += WorkSentence(r);
        text += "\n";
      }
    } else if (h == 1) {
      text += "一是法治宣传的针对性还不够强；二是基层执法力量相对薄弱。";
      for (int k = r.Structural(1, 2); k > 0; --k) text += ProblemSentence(r);
      text += "\n";
    } else {
      text += "一是持续加强法治宣传教育；二是进一步规范行政执法行为。";
      if (r.Chance(70)) text += PlanSentence(r);
      if (r.Chance(60)) {
        std::string body;
        kTargets[r.Below(kTargets.size())](r, &body, &rep.gold);
        text += "三是" + body;
      }
      text += "\n";
    }
  }
  const bool dated = r.Chance(50);
  const int month = r.Between(1, 3), day = r.Between(1, 28);
  if (dated) {
    text += p.township + "人民政府\n" + std::to_string(year + 1) + "年" + std::to_string(month) + "月" +
            std::to_string(day) + "日\n";
  }
  rep.text = text;
  char date[48];
  std::snprintf(date, sizeof(date), "%04d-%02d-%02d", year + 1, month, day);
  rep.meta["township"] = p.township;
  rep.meta["county_or_district"] = county_stated ? ordered_json(p.county) : ordered_json(nullptr);
  rep.meta["province_or_city"] = with_province ? ordered_json(p.province) : ordered_json(nullptr);
  rep.meta["report_year"] = year;
  rep.meta["report_date"] = dated ? ordered_json(date) : ordered_json(nullptr);
  rep.meta["doc_numbers"] = ordered_json::array();
  if (text.find("府办发〔") != std::string::npos) {
    rep.meta["doc_numbers"].push_back(p.county_short + "府办发〔" + std::to_string(year) + "〕" + std::to_string(docno) + "号");
  }
  rep.meta["cited_laws"] = laws;
  rep.meta["sections"] = sections;
  return rep;
}

// A few sentences of a planted copy edited the way a copier does: a sentence
// added after some 。, one stock sentence dropped or a sub-heading reworded.
// Never inside a gold span (spans hold no 。 and no stock sentence).
int EditCopy(Rng& r, std::string* text) {
  const int edits = r.Structural(2, 4);
  for (int e = 0; e < edits; ++e) {
    const int kind = static_cast<int>(r.Below(3));
    if (kind == 1) {
      const std::string stock = "全面落实行政执法“三项制度”，推进“八五”普法规划实施。";
      if (const size_t at = text->find(stock); at != std::string::npos) {
        text->erase(at, stock.size());
        continue;
      }
    } else if (kind == 2) {
      if (const size_t at = text->find(kSubHeading); at != std::string::npos) {
        text->replace(at, kSubHeading.size(), kSubHeadingReworded);
        continue;
      }
    }
    std::vector<size_t> ends;
    for (size_t pos = 0; (pos = text->find("。", pos)) != std::string::npos; pos += 3) ends.push_back(pos + 3);
    if (ends.empty()) continue;
    text->insert(ends[r.Below(ends.size())], Pick(r, kStockPhrases));
  }
  return edits;
}

Status WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status::IoError("cannot write " + path.string());
  return Status::OK();
}

Status WriteZip(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) {
    archive_write_free(a);
    return Status::IoError("cannot write " + path.string());
  }
  for (const auto& [name, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 0, 0);  // deterministic bytes
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return Status::OK();
}

}  // namespace

Result<CorpusStats> GenerateCorpus(const CorpusOptions& options) {
  if (options.reports < 1) return Status::InvalidArgument("--reports must be >= 1");
  if (options.copies_percent < 0 || options.copies_percent > 50) {
    return Status::InvalidArgument("--copies must be a percentage between 0 and 50");
  }
  const fs::path out(options.out_dir);
  const fs::path reports_dir = out / "reports";
  std::error_code ec;
  fs::create_directories(reports_dir, ec);
  if (ec) return Status::IoError("cannot create " + reports_dir.string() + ": " + ec.message());

  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> to_traditional(
      icu::Transliterator::createInstance("Simplified-Traditional", UTRANS_FORWARD, err));
  if (U_FAILURE(err)) return Status::Internal("ICU Simplified-Traditional transliterator unavailable");
  auto traditional = [&](const std::string& s) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(s);
    to_traditional->transliterate(u);
    std::string back;
    u.toUTF8String(back);
    return back;
  };

  Rng r(options.seed);
  const std::vector<Place> places = MakeProvincePlaces(r, options.reports);

  CorpusStats stats;
  std::ofstream gold_out(out / "gold.jsonl", std::ios::binary);
  std::ofstream meta_out(out / "gold_meta.jsonl", std::ios::binary);
  std::ofstream copies_out(out / "gold_copies.jsonl", std::ios::binary);
  if (!gold_out || !meta_out || !copies_out) return Status::IoError("cannot write gold files in " + out.string());
  // Originals a planted copy may be made from: where the generator stood
  // before writing them, their place and year.
  struct Original {
    std::string name;
    uint64_t state;
    size_t place;
    int year;
  };
  std::vector<Original> originals;
  std::vector<std::pair<std::string, std::string>> pending_zip;

  for (int i = 0; i < options.reports; ++i) {
    const size_t place_index = static_cast<size_t>(i) % places.size();
    char name[48];
    std::snprintf(name, sizeof(name), "%06d.txt", i);
    const Place& place = places[place_index];
    int year = 2019 + static_cast<int>(r.Below(7));
    Report rep;
    if (options.copies_percent > 0 && !originals.empty() && r.Chance(options.copies_percent)) {
      // A planted copy: the same unit's report of the year before, or another
      // unit's report of the same year, with names and numbers changed.
      const Original* source = nullptr;
      std::string relation = "other_unit_same_year";
      if (r.Chance(50)) {
        for (auto it = originals.rbegin(); it != originals.rend(); ++it) {
          if (it->place == place_index && it->year < 2025) {
            source = &*it;
            relation = "same_unit_previous_year";
            break;
          }
        }
      }
      if (source == nullptr) {
        source = &originals[r.Below(originals.size())];
        if (source->place == place_index) {
          relation = source->year < 2025 ? "same_unit_previous_year" : "same_unit_same_year";
        }
      }
      year = relation == "same_unit_previous_year" ? source->year + 1 : source->year;
      Rng copier(source->state);
      copier.SplitValues(r.Next());
      rep = MakeReport(copier, place, year);
      const int edits = EditCopy(r, &rep.text);
      ordered_json c;
      c["file"] = name;
      c["source"] = source->name;
      c["relation"] = relation;
      c["edits"] = edits;
      copies_out << c.dump() << "\n";
      ++stats.copies;
    } else {
      if (options.copies_percent > 0) originals.push_back({name, r.state(), place_index, year});
      rep = MakeReport(r, place, year);
    }
    // Surface variants, applied to the text and to every gold span alike.
    const bool ascii = r.Chance(20);
    const bool one_line = r.Chance(10);
    const bool trad = r.Chance(10);
    const bool gb18030 = r.Chance(20);
    const bool zipped = r.Chance(3);
    std::string text = rep.text;
    if (ascii) text = AsciiPunctuation(text);
    if (one_line) text = ReplaceAll(text, "\n", "");
    std::vector<Gold> gold = rep.gold;
    for (auto& g : gold) {
      if (ascii) g.text = AsciiPunctuation(g.text);
    }
    bool trad_applied = false;
    if (trad) {
      std::string converted = traditional(text);
      bool spans_ok = true;
      std::vector<Gold> converted_gold = gold;
      for (auto& g : converted_gold) {
        g.text = traditional(g.text);
        g.unit = traditional(g.unit);  // the unit as written
        spans_ok &= CountOccurrences(converted, g.text) == 1;
      }
      if (spans_ok) {  // keep simplified when a span would not convert alike
        text = std::move(converted);
        gold = std::move(converted_gold);
        trad_applied = true;
      }
    }
    for (const auto& g : gold) {
      if (CountOccurrences(text, g.text) != 1) {
        return Status::Internal("generator bug: gold span '" + g.text + "' not unique in " + name);
      }
    }
    std::string bytes = text;
    if (gb18030) {
      ASSIGN_OR_RETURN(bytes, text::ConvertFromUtf8(text, "GB18030"));
    }
    if (zipped) {
      pending_zip.emplace_back(name, bytes);
      ++stats.archived;
      if (pending_zip.size() >= 5 || i + 1 == options.reports) {
        char zip_name[48];
        std::snprintf(zip_name, sizeof(zip_name), "archive-%04d.zip", stats.archives++);
        RETURN_IF_ERROR(WriteZip(reports_dir / zip_name, pending_zip));
        for (const auto& e : pending_zip) stats.bytes += e.second.size();
        pending_zip.clear();
      }
      continue;  // archived reports have no gold: eval reads the .txt files
    }
    RETURN_IF_ERROR(WriteFile(reports_dir / name, bytes));
    ++stats.text_files;
    stats.bytes += bytes.size();
    for (const auto& g : gold) {
      ordered_json j;
      j["file"] = name;
      j["text"] = g.text;
      j["value"] = g.value;
      j["unit"] = g.unit;
      j["approx"] = g.approx;
      j["kind"] = g.kind;
      j["subject"] = g.subject;
      j["ok_metrics"] = g.ok_metrics;
      gold_out << j.dump() << "\n";
      ++stats.gold_items;
    }
    ordered_json meta;
    meta["file"] = name;
    for (auto it = rep.meta.begin(); it != rep.meta.end(); ++it) meta[it.key()] = it.value();
    meta["encoding"] = gb18030 ? "GB18030" : "UTF-8";
    meta["variants"] = {{"ascii_punctuation", ascii}, {"one_line", one_line}, {"traditional", trad_applied}};
    meta_out << meta.dump() << "\n";
  }
  if (!pending_zip.empty()) {
    char zip_name[48];
    std::snprintf(zip_name, sizeof(zip_name), "archive-%04d.zip", stats.archives++);
    RETURN_IF_ERROR(WriteZip(reports_dir / zip_name, pending_zip));
    for (const auto& e : pending_zip) stats.bytes += e.second.size();
  }
  gold_out.flush();
  meta_out.flush();
  copies_out.flush();
  if (!gold_out || !meta_out || !copies_out) return Status::IoError("cannot write gold files in " + out.string());
  return stats;
}

}  // namespace reportflow::cli
