// Extraction grammar (see extractor.h and README.md in this directory):
//
//   claim    := [prefix-qualifier] number [range] [suffix-qualifier] unit [post-qualifier]
//   number   := arabic (full-width, thousands separators, decimals, 万/亿 multipliers)
//             | chinese (零〇一二两三…十百千万亿, financial forms) | 百分之 number
//   unit     := measure word | % | money | a single unknown measure word after an
//               arabic number at a clause end (kind other)
//
// Exclusions are grammatical, not lists of phrases: a number needs a unit
// (so list markers, document numbers, names like 12345热线 and slogans such as
// 法律七进 fall out); ordinals (第, 每, 最后) and years/dates (4-digit year + 年,
// 月/日) are rejected; Chinese numerals must not be bound in a word (统一,
// 进一步), in a numeric compound abbreviation (三会一课, 一村一法律顾问, 五位一体),
// in a short quoted name (“八五”, “三项制度”), as an article (一个良好的…), or
// as a numeric abbreviation of abstract concepts (四个意识, 两个维护).
//
// The grammar lives in files with one job each: char_classes.h (character
// classes), sentence_buffer.* (decoding a sentence), numerals.* (numbers),
// units.* (units), quantity_parser.* (claims and exclusions), subjects.*
// (subjects and the classifier's context) and findings.* (consistency
// checks); this file runs them over a document.
#include "services/extract/extractor.h"

#include "common/text/han_variants.h"
#include "common/text/utf8.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/audit/fingerprint.h"
#include "common/base/macros.h"
#include "services/extract/char_classes.h"
#include "services/extract/findings.h"
#include "services/extract/quantity_parser.h"
#include "services/extract/sentence_buffer.h"
#include "services/extract/structure.h"
#include "services/extract/subjects.h"
#include "services/extract/units.h"

namespace reportflow::extract {

namespace {

namespace pb = ::reportflow::extract::v1;
namespace cpb = ::reportflow::common::v1;
using namespace ::reportflow::extract::internal;  // NOLINT: the grammar's own pieces

// Bump whenever the output for the same input and taxonomy may change.
constexpr std::string_view kLogicVersion = "extract-logic-5";

// The context of a short subject is at most this many characters before it:
// a sentence without punctuation can be a whole document long, and reading
// all of it for every quantity made extraction quadratic (tests/hostile).
constexpr size_t kContextWindow = 400;
// A subject is classified with at most this many characters of its sentence
// before it (the nearest clauses name its topic; farther text is noise).
constexpr size_t kClassifyWindow = 160;

}  // namespace

// ----------------------------------------------------------------------------
// Extractor
// ----------------------------------------------------------------------------

struct Extractor::Impl {
  std::shared_ptr<const Taxonomy> taxonomy;
  std::string version;
  bool fingerprints = true;
  const text::HanVariants* variants = nullptr;
  std::unique_ptr<const CharTable> chars;  // built from `variants`
};

Extractor::Extractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Extractor::~Extractor() = default;

Result<std::unique_ptr<Extractor>> Extractor::Create(std::shared_ptr<const Taxonomy> taxonomy, bool fingerprints) {
  if (taxonomy == nullptr) return Status::InvalidArgument("extractor: taxonomy is required");
  auto impl = std::make_unique<Impl>();
  // Without fingerprints the version differs, so turning detection on again
  // re-extracts the documents stored without one.
  impl->version = std::string(kLogicVersion) + "+taxonomy-" + taxonomy->version() + "+fingerprint-" +
                  (fingerprints ? std::to_string(audit::kFingerprintVersion) : std::string("off"));
  impl->fingerprints = fingerprints;
  impl->taxonomy = std::move(taxonomy);
  impl->variants = &text::HanVariants::Get();
  impl->chars = std::make_unique<const CharTable>(*impl->variants);
  return std::unique_ptr<Extractor>(new Extractor(std::move(impl)));
}

std::string Extractor::Version() const { return impl_->version; }

void Extractor::Fingerprint(const segment::v1::SegmentedDocument& doc, pb::ExtractionResult* out) const {
  if (impl_->fingerprints) {
    audit::ComputeFingerprint(doc.text(), audit::NamesToMask(doc.metadata()), out->mutable_fingerprint());
  }
}

namespace {

// Each section in `used` and its ancestors, once, by ascending id, into
// out->sections: the headings of the metrics' section paths.
void AddSectionHeadings(const segment::v1::SegmentedDocument& doc, std::vector<bool> used,
                        pb::ExtractionResult* out) {
  const int nsec = doc.sections_size();
  // The ancestors of every used section, up to the top level (a parent
  // chain longer than the sections is damaged and stops there).
  std::vector<bool> own = used;
  for (int s = 0; s < nsec; ++s) {
    if (!own[s]) continue;
    int cur = doc.sections(s).parent();
    for (int guard = 0; cur >= 0 && cur < nsec && guard < nsec; ++guard) {
      used[cur] = true;
      cur = doc.sections(cur).parent();
    }
  }
  for (int s = 0; s < nsec; ++s) {
    if (!used[s]) continue;
    pb::SectionHeading* h = out->add_sections();
    h->set_id(static_cast<uint32_t>(s));
    h->set_parent(doc.sections(s).parent());
    h->set_heading(doc.sections(s).heading());
  }
}

}  // namespace

Status Extractor::Extract(const segment::v1::SegmentedDocument& doc, pb::ExtractionResult* out) const {
  out->Clear();
  out->set_source(doc.source());
  *out->mutable_metadata() = doc.metadata();
  out->set_processing_version(impl_->version);
  out->set_sentences(static_cast<uint32_t>(doc.sentences_size()));
  out->set_text_bytes(static_cast<uint32_t>(doc.text().size()));
  Fingerprint(doc, out);
  const std::string& text = doc.text();
  const uint32_t text_size = static_cast<uint32_t>(text.size());

  // The sections metrics are found in; their headings go once into
  // out->sections (a metric names its innermost section).
  const int nsec = doc.sections_size();
  std::vector<bool> metric_section(nsec, false);

  // A plans section: of kind PLANS, or under a heading (its own or an
  // ancestor's) that names plans. Each heading is read once.
  std::vector<bool> plan_heading(nsec, false);
  for (int s = 0; s < nsec; ++s) plan_heading[s] = IsPlanHeading(doc.sections(s).heading());
  std::vector<bool> plan_section(nsec, false);
  for (int s = 0; s < nsec; ++s) {
    if (doc.sections(s).kind() == segment::v1::SECTION_KIND_PLANS) plan_section[s] = true;
    int cur = s;
    int guard = 0;
    while (cur >= 0 && cur < nsec && guard++ <= nsec) {
      if (plan_heading[cur]) plan_section[s] = true;
      cur = doc.sections(cur).parent();
    }
  }
  StructureState structure;
  std::vector<std::string> context_scratch;
  std::string last_plain_subject;
  std::string plain_sentence;

  Buffer buf;
  buf.cp.reserve(1024);
  buf.off.reserve(1025);
  std::vector<Quantity> quantities;
  std::vector<uint32_t> starts;

  auto process = [&](uint32_t begin, uint32_t end, int section) -> Status {
    if (begin > end || end > text_size) {
      return Status::InvalidArgument("extractor: sentence span [" + std::to_string(begin) + ", " +
                                     std::to_string(end) + ") outside the text of " + doc.source());
    }
    // Only sentences with a possible number start go further.
    uint32_t bad = 0;
    if (!DecodeInto(text, begin, end, *impl_->variants, *impl_->chars, &buf, &starts, &bad)) {
      return Status::InvalidArgument("extractor: " + doc.source() + ": invalid UTF-8 (or a sentence span " +
                                     "not on a character boundary) at byte " + std::to_string(bad));
    }
    if (starts.empty()) return Status::OK();
    SentenceParser parser(buf);
    parser.set_text(&text);
    quantities.clear();
    size_t resume = 0;  // numbers never start inside an earlier number or claim
    for (const uint32_t i : starts) {
      if (i < resume) continue;
      Quantity q;
      size_t next = i + 1;
      if (parser.Parse(i, &q, &next)) {
        if (!parser.Excluded(q)) quantities.push_back(std::move(q));
      }
      resume = std::max<size_t>(next, i + 1);
    }
    if (quantities.empty()) return Status::OK();
    // The sentence read with simplified characters (what the taxonomy and the
    // structure rules read); only built when a character was simplified.
    plain_sentence.clear();
    if (buf.simplified) parser.AppendEncoded(0, buf.size(), &plain_sentence);
    parser.set_plain(&plain_sentence);

    const int first = out->metrics_size();
    size_t prev_end = 0;
    size_t last_clause_start = SIZE_MAX;
    for (size_t qi = 0; qi < quantities.size(); ++qi) {
      const Quantity& q = quantities[qi];
      const size_t clause_start = ClauseStart(buf, q.begin);
      size_t from = std::max(clause_start, prev_end);
      size_t to = q.begin;
      if (from > to) from = to;  // a pre-nominal noun phrase may reach past this number
      TrimSubject(buf, &from, &to);
      // Shared values: 办结率、满意率均为100% → one metric per named item.
      std::vector<std::pair<size_t, size_t>> items;
      bool shared = false;
      if (to > from) {
        const bool distributive = MatchAnyBefore(buf, q.begin, from, {U"均为", U"均达到", U"均达", U"都为",
                                                                         U"都达到", U"均", U"都"}) != 0;
        size_t s = from;
        for (size_t k = from; k <= to; ++k) {
          if (k == to || buf.cp[k] == U'、') {
            if (k > s) items.emplace_back(s, k);
            s = k + 1;
          }
        }
        bool all_rates = items.size() >= 2;
        for (const auto& [a, b2] : items) {
          if (buf.cp[b2 - 1] != U'率' && buf.cp[b2 - 1] != U'度') all_rates = false;
        }
        shared = items.size() >= 2 && (distributive || (q.kind == kPercent && all_rates));
      }
      if (!shared) {
        items.clear();
        items.emplace_back(from, to);
      }
      // Pre-nominal quantities (为4个村提供…, 开展3次讲座): the counted noun follows.
      const size_t clause_end = ClauseEnd(buf, q.claim_end);
      size_t follow_end = q.claim_end;
      while (follow_end < clause_end && ArabicDigit(buf.cp[follow_end]) < 0 &&
             buf.cp[follow_end] != U'.' &&  // after the quantity an ASCII '.' is a full stop
             !(IsChineseNumeral(buf.cp[follow_end]) && follow_end > q.claim_end) &&
             buf.cp[follow_end] != U'、' && follow_end - q.claim_end < 16) {
        ++follow_end;
      }
      const bool pre_nominal = follow_end > q.claim_end && buf.cp[q.claim_end] != U'的';
      for (const auto& [sf, st] : items) {
        pb::Metric* m = out->add_metrics();
        std::string subject = parser.Utf8(sf, st);
        std::string plain_subject = parser.Simplified(sf, st);  // what the taxonomy reads
        size_t subject_cps = st - sf;
        if (pre_nominal && (!shared)) {
          size_t fe = follow_end;
          while (fe > q.claim_end && MatchAnyBefore(buf, fe, q.claim_end, {U"和", U"及", U"与", U"、"}) != 0) --fe;
          subject += parser.Utf8(q.claim_end, fe);
          plain_subject += parser.Simplified(q.claim_end, fe);
          subject_cps += fe - q.claim_end;
          m->mutable_subject_span()->set_begin(buf.off[sf < st ? sf : q.claim_end]);
          m->mutable_subject_span()->set_end(buf.off[fe]);
        } else if (sf == st && out->metrics_size() > first + 1 && last_clause_start == clause_start) {
          // 接待来访46批112人次: a second measure of the same subject.
          const pb::Metric& prev = out->metrics(out->metrics_size() - 2);
          subject = prev.subject();
          plain_subject = last_plain_subject;
          *m->mutable_subject_span() = prev.subject_span();
          subject_cps = 8;  // a full subject: no context needed
        } else {
          m->mutable_subject_span()->set_begin(buf.off[sf]);
          m->mutable_subject_span()->set_end(buf.off[st]);
        }
        m->set_subject(subject);
        m->set_value(q.value);
        if (q.value_max) m->set_value_max(*q.value_max);
        m->set_unit(q.unit);
        m->set_approx(q.approx);
        m->set_kind(q.kind);
        m->set_text(parser.Utf8(q.begin, q.end));
        m->mutable_span()->set_begin(buf.off[q.begin]);
        m->mutable_span()->set_end(buf.off[q.end]);
        m->mutable_sentence_span()->set_begin(begin);
        m->mutable_sentence_span()->set_end(end);
        m->set_section(section);
        if (section >= 0 && section < nsec) metric_section[section] = true;
        // The subject read in its clause: the clauses before it complete a
        // cue, or name the topic when the subject only names an action.
        const ClauseContext context(buf, parser, sf > kClassifyWindow ? sf - kClassifyWindow : 0, sf, 6,
                                    &context_scratch);
        ClassifyRequest request;
        request.subject = plain_subject;
        last_plain_subject = plain_subject;
        request.context_source = &context;
        request.kind = q.kind;
        std::string plain_unit;  // the unit with simplified characters (萬元 → 万元)
        for (size_t p = 0; p < q.unit.size();) {
          text::AppendUtf8(impl_->variants->ToSimplified(text::DecodeUtf8(q.unit, &p)), &plain_unit);
        }
        request.unit = plain_unit;
        request.noun = NounAfter(buf, q);
        (void)subject_cps;
        const TaxonomyEntry* entry = impl_->taxonomy->ClassifyClause(request);
        if (entry != nullptr) {
          m->set_metric_id(entry->metric_id);
          m->set_label_zh(entry->label_zh);
          m->set_label_en(entry->label_en);
        } else {
          m->set_metric_id("unclassified");
        }
        m->set_metric_kind(entry != nullptr && entry->metric_kind != pb::METRIC_KIND_UNSPECIFIED
                               ? entry->metric_kind
                               : MetricKindOf(q.kind));
        const CanonicalValue canonical = impl_->taxonomy->Canonicalize(entry, q.kind, plain_unit);
        m->set_canonical_unit(canonical.unit);
        m->set_canonical_value(q.value * canonical.factor);
        if (q.value_max) m->set_canonical_value_max(*q.value_max * canonical.factor);
      }
      prev_end = pre_nominal ? follow_end : q.claim_end;
      last_clause_start = clause_start;
    }
    SentenceContext sc;
    // Read with simplified characters when that keeps every byte offset
    // (traditional and simplified Han are both three bytes in UTF-8).
    sc.text = buf.simplified && plain_sentence.size() == end - begin
                  ? std::string_view(plain_sentence)
                  : std::string_view(text).substr(begin, end - begin);
    sc.begin = begin;
    sc.section = section;
    sc.plan_section = section >= 0 && section < nsec && plan_section[section];
    AssignStructure(sc, *impl_->taxonomy, first, out, &structure);
    CheckSentence(out, first, out->metrics_size());
    return Status::OK();
  };

  if (doc.sentences_size() == 0) {
    if (!text.empty()) RETURN_IF_ERROR(process(0, text_size, -1));
  } else {
    for (const auto& sentence : doc.sentences()) {
      RETURN_IF_ERROR(process(sentence.span().begin(), sentence.span().end(), sentence.section()));
    }
  }
  AddSectionHeadings(doc, std::move(metric_section), out);
  return Status::OK();
}

}  // namespace reportflow::extract
