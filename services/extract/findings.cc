#include "services/extract/findings.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "services/extract/units.h"

namespace reportflow::extract::internal {

namespace {

namespace cpb = ::reportflow::common::v1;

bool Contains(const std::string& s, std::string_view w) { return s.find(w) != std::string::npos; }

bool IsSuccessSubject(const std::string& s) {
  return Contains(s, "成功") || Contains(s, "化解") || Contains(s, "办结") || Contains(s, "调结") ||
         Contains(s, "结案") || Contains(s, "解决");
}
bool IsSuccessRate(const std::string& s) {
  return Contains(s, "成功率") || Contains(s, "化解率") || Contains(s, "办结率") || Contains(s, "调结率") ||
         Contains(s, "结案率") || Contains(s, "解决率");
}
bool IsBoundedRate(const std::string& s) {
  return Contains(s, "率") && !Contains(s, "增长") && !Contains(s, "增幅") && !Contains(s, "上升") &&
         !Contains(s, "提高") && !Contains(s, "同比") && !Contains(s, "环比") && !Contains(s, "增加") &&
         !Contains(s, "完成率");  // over-fulfilment is legitimate
}

std::string FormatNumber(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f", v);
  }
  return buf;
}

void AddFinding(pb::ExtractionResult* out, std::string code, pb::Severity sev, std::string msg,
                std::initializer_list<uint32_t> idx) {
  pb::Finding* f = out->add_findings();
  f->set_code(std::move(code));
  f->set_severity(sev);
  f->set_message(std::move(msg));
  for (uint32_t i : idx) f->add_metric_indexes(i);
}

}  // namespace

// Checks the metrics of one sentence, [first, last) in out->metrics().
void CheckSentence(pb::ExtractionResult* out, int first, int last) {
  const auto& ms = out->metrics();
  for (int r = first; r < last; ++r) {
    const pb::Metric& rate = ms[r];
    if (rate.kind() != kPercent) continue;
    if (IsBoundedRate(rate.subject()) && rate.value() > 100) {
      AddFinding(out, "rate_above_100", pb::SEVERITY_WARNING,
                 rate.subject() + " = " + FormatNumber(rate.value()) + "% exceeds 100%",
                 {static_cast<uint32_t>(r)});
    }
  }
  // Total → success (→ rate) in one sentence: 受理50件次，成功48件，化解率达96%.
  for (int s = first; s < last; ++s) {
    const pb::Metric& success = ms[s];
    if (success.kind() != kCount || !IsSuccessSubject(success.subject())) continue;
    int total = -1;
    for (int t = s - 1; t >= first; --t) {
      if (ms[t].kind() == kCount && !IsSuccessSubject(ms[t].subject())) {
        total = t;
        break;
      }
      if (ms[t].kind() == kCount) break;
    }
    if (total < 0) continue;
    const pb::Metric& tot = ms[total];
    if (success.value() > tot.value() && success.approx() == cpb::APPROX_EXACT) {
      AddFinding(out, "success_exceeds_total", pb::SEVERITY_ERROR,
                 success.subject() + " " + FormatNumber(success.value()) + success.unit() + " exceeds " +
                     tot.subject() + " " + FormatNumber(tot.value()) + tot.unit(),
                 {static_cast<uint32_t>(total), static_cast<uint32_t>(s)});
      continue;
    }
    int rate = -1;
    for (int r = s + 1; r < last; ++r) {
      if (ms[r].kind() == kPercent && IsSuccessRate(ms[r].subject())) {
        rate = r;
        break;
      }
      if (ms[r].kind() == kCount) break;
    }
    if (rate < 0 || tot.value() <= 0) continue;
    const pb::Metric& rm = ms[rate];
    const double computed = 100.0 * success.value() / tot.value();
    const auto idx = {static_cast<uint32_t>(total), static_cast<uint32_t>(s), static_cast<uint32_t>(rate)};
    const std::string detail = FormatNumber(success.value()) + "/" + FormatNumber(tot.value()) + " = " +
                               FormatNumber(computed) + "%, reported " + FormatNumber(rm.value()) + "%";
    if (tot.approx() != cpb::APPROX_EXACT || success.approx() != cpb::APPROX_EXACT ||
        rm.approx() != cpb::APPROX_EXACT) {
      AddFinding(out, "rate_unverifiable", pb::SEVERITY_INFO, "approximate counts: " + detail, idx);
    } else if (std::fabs(computed - rm.value()) < 1.0) {
      AddFinding(out, "rate_consistent", pb::SEVERITY_INFO, detail, idx);
    } else {
      AddFinding(out, "rate_mismatch", pb::SEVERITY_WARNING, detail, idx);
    }
  }
}

}  // namespace reportflow::extract::internal
