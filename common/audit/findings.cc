#include "common/audit/findings.h"

#include <cmath>
#include <cstdio>

namespace reportflow::audit {
namespace {

namespace apb = ::reportflow::aggregate::v1;
namespace epb = ::reportflow::extract::v1;

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), v == std::floor(v) && std::fabs(v) < 1e15 ? "%.0f" : "%.2f", v);
  return buf;
}

bool SameUnit(const apb::AuditDocument& a, const apb::AuditDocument& b) {
  if (!a.township_code().empty() || !b.township_code().empty()) return a.township_code() == b.township_code();
  return !a.township().empty() && a.township() == b.township() && a.county() == b.county();
}

void AddDocument(const apb::AuditDocument& d, apb::AuditFinding* f, bool first, const PairComparison& cmp) {
  apb::FindingDocument* out = f->add_documents();
  out->set_doc_id(d.doc_id());
  out->set_source(d.source());
  out->set_year(d.year());
  out->set_region(d.township());
  out->set_region_code(d.township_code());
  for (const SharedPassage& p : cmp.passages) {
    auto* span = out->add_spans();
    span->set_begin(first ? p.a_begin : p.b_begin);
    span->set_end(first ? p.a_end : p.b_end);
  }
}

void AddObservations(const std::vector<YoyObservation>& obs, apb::AuditFinding* f) {
  for (const YoyObservation& o : obs) {
    apb::FindingDocument* d = f->add_documents();
    d->set_doc_id(o.doc_id);
    d->set_source(o.source);
    d->set_year(o.year);
    d->set_region(o.unit_name);
    d->set_region_code(o.unit_key);
    d->set_value(o.value);
    *d->add_spans() = o.sentence;
  }
}

}  // namespace

bool IsFindingKind(const std::string& kind) {
  return kind == kConsistency || kind == kNearDuplicate || kind == kYoyJump || kind == kMissingFiler;
}

std::string SeverityName(epb::Severity severity) {
  switch (severity) {
    case epb::SEVERITY_INFO: return "info";
    case epb::SEVERITY_WARNING: return "warning";
    case epb::SEVERITY_ERROR: return "error";
    default: return "unspecified";
  }
}

apb::AuditFinding ConsistencyFinding(const std::string& doc_id, const std::string& source,
                                     const common::v1::DocumentMetadata& meta,
                                     const google::protobuf::RepeatedPtrField<epb::Metric>& metrics,
                                     const epb::Finding& finding) {
  apb::AuditFinding f;
  f.set_kind(kConsistency);
  f.set_code(finding.code());
  f.set_severity(finding.severity());
  f.set_region(meta.township());
  f.set_region_code(meta.township_code());
  f.set_year(meta.has_year() ? meta.year() : 0);
  f.set_message(finding.message());
  apb::FindingDocument* d = f.add_documents();
  d->set_doc_id(doc_id);
  d->set_source(source);
  d->set_year(f.year());
  d->set_region(meta.township());
  d->set_region_code(meta.township_code());
  for (uint32_t i : finding.metric_indexes()) {
    if (i >= static_cast<uint32_t>(metrics.size())) continue;
    if (f.metric_id().empty()) f.set_metric_id(metrics[static_cast<int>(i)].metric_id());
    const auto& span = metrics[static_cast<int>(i)].sentence_span();
    bool seen = false;
    for (const auto& s : d->spans()) seen |= s.begin() == span.begin() && s.end() == span.end();
    if (!seen) *d->add_spans() = span;
  }
  return f;
}

apb::AuditFinding NearDuplicateFinding(const apb::AuditDocument& a, const apb::AuditDocument& b,
                                       const PairComparison& cmp) {
  const bool a_first = a.year() != b.year() ? a.year() < b.year() : a.doc_id() < b.doc_id();
  const apb::AuditDocument& first = a_first ? a : b;
  const apb::AuditDocument& later = a_first ? b : a;
  apb::AuditFinding f;
  f.set_kind(kNearDuplicate);
  const bool same_unit = SameUnit(a, b);
  const bool same_year = a.year() == b.year();
  f.set_code(std::string(same_unit ? "same_unit_" : "other_unit_") + (same_year ? "same_year" : "other_year"));
  f.set_severity(epb::SEVERITY_WARNING);
  f.set_region(later.township());
  f.set_region_code(later.township_code());
  f.set_year(later.year());
  f.set_similarity(cmp.similarity);
  f.set_numbers_differ(cmp.numbers_differ);
  AddDocument(first, &f, a_first, cmp);
  AddDocument(later, &f, !a_first, cmp);
  f.set_message(Number(std::round(cmp.similarity * 100)) + "% of the masked text shared (" +
                std::to_string(cmp.passages.size()) + " passages, " + std::to_string(cmp.shared_clauses) +
                " clauses)" + (cmp.numbers_differ ? ", with other numbers" : ", same numbers"));
  return f;
}

apb::AuditFinding YoyJumpFinding(const YoyRow& row) {
  apb::AuditFinding f;
  f.set_kind(kYoyJump);
  f.set_code(row.jump);
  f.set_severity(epb::SEVERITY_WARNING);
  f.set_region(row.unit_name);
  f.set_region_code(row.unit_key);
  f.set_year(row.year);
  f.set_metric_id(row.metric_id);
  AddObservations(row.before, &f);
  AddObservations(row.current, &f);
  const double prev = row.previous.value_or(0);
  f.set_message(row.metric_id + ": " + Number(prev) + " " + row.unit + " in " + std::to_string(row.year - 1) + ", " +
                Number(row.value) + " " + row.unit + " in " + std::to_string(row.year) +
                (row.jump == "rate_points" ? " (" + Number(std::fabs(row.value - prev)) + " points)"
                                           : prev != 0 && row.value != 0
                                                 ? " (x" + Number(std::max(row.value / prev, prev / row.value)) + ")"
                                                 : ""));
  return f;
}

apb::AuditFinding MissingFilerFinding(const CoverageUnit& unit, int year) {
  apb::AuditFinding f;
  f.set_kind(kMissingFiler);
  f.set_code("no_report");
  f.set_severity(epb::SEVERITY_INFO);
  f.set_region(unit.name);
  f.set_region_code(unit.code);
  f.set_year(year);
  f.set_message(unit.county + unit.name + " has no report for " + std::to_string(year));
  return f;
}

}  // namespace reportflow::audit
