#include "services/aggregate/audit_keeper.h"

#include <algorithm>
#include <set>

#include "common/audit/findings.h"
#include "common/audit/near_duplicate.h"
#include "common/base/macros.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;

constexpr char kAuditDocs[] = "audit_docs";
constexpr char kAuditPairs[] = "audit_pairs";
constexpr char kSep = '\x1f';
uint64_t RowHash(uint64_t z, int row) {
  z += 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(row + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string PairKey(const std::string& a, const std::string& b) { return a + kSep + b; }

apb::AuditDocument DocumentOf(const GroupDocument& doc) {
  const auto& r = *doc.result;
  const auto& m = r.metadata();
  apb::AuditDocument d;
  d.set_doc_id(doc.doc_id);
  d.set_source(r.source());
  d.set_township(m.township());
  d.set_township_code(m.township_code());
  d.set_county(m.county());
  d.set_county_code(m.county_code());
  d.set_year(m.has_year() ? m.year() : 0);
  *d.mutable_fingerprint() = r.fingerprint();
  return d;
}

}  // namespace

const std::vector<std::string>& AuditKeeper::ColumnFamilies() {
  static const std::vector<std::string> cfs = {kAuditDocs, kAuditPairs};
  return cfs;
}

void AuditKeeper::Count(const extract::v1::TextFingerprint& fp, int delta) {
  if (sketch_.empty()) sketch_.assign(static_cast<size_t>(kSketchRows) * kSketchWidth, 0);
  for (uint64_t shingle : audit::Shingles(fp, audit::kCompareClauses)) {
    for (int row = 0; row < kSketchRows; ++row) {
      uint16_t& c = sketch_[static_cast<size_t>(row) * kSketchWidth + (RowHash(shingle, row) & (kSketchWidth - 1))];
      if (delta > 0 && c < UINT16_MAX) ++c;
      if (delta < 0 && c > 0 && c < UINT16_MAX) --c;  // a saturated counter stays saturated
    }
  }
  counted_docs_ = delta > 0 ? counted_docs_ + 1 : counted_docs_ - 1;
}

uint32_t AuditKeeper::Estimate(uint64_t shingle) const {
  if (sketch_.empty()) return 0;
  uint32_t lowest = UINT16_MAX;
  for (int row = 0; row < kSketchRows; ++row) {
    lowest = std::min<uint32_t>(
        lowest, sketch_[static_cast<size_t>(row) * kSketchWidth + (RowHash(shingle, row) & (kSketchWidth - 1))]);
  }
  return lowest;
}

bool AuditKeeper::IsCommon(uint64_t shingle) const {
  const double limit = std::max<double>(kCommonMinDocs, kCommonShare * static_cast<double>(counted_docs_));
  return Estimate(shingle) > limit;
}

audit::PairComparison AuditKeeper::Compare(const extract::v1::TextFingerprint& a,
                                           const extract::v1::TextFingerprint& b) const {
  return audit::Compare(a, b, [this](uint64_t s) { return IsCommon(s); });
}

void AuditKeeper::Forget() {
  loaded_ = false;
  sketch_.clear();
  counted_docs_ = 0;
  index_ = audit::DuplicateIndex();
  slot_doc_.clear();
  doc_slot_.clear();
  pending_.clear();
}

Status AuditKeeper::Load() {
  if (loaded_) return Status::OK();
  Forget();
  Status full;
  RETURN_IF_ERROR(ForEachDocument([&](const apb::AuditDocument& d) {
    const auto sig = audit::SignatureOf(d.fingerprint());
    if (sig.empty() || !full.ok()) return;
    Count(d.fingerprint(), +1);
    auto slot = index_.Add(sig);
    if (!slot.ok()) {
      full = slot.status();
      return;
    }
    slot_doc_.push_back(d.doc_id());
    doc_slot_[d.doc_id()] = *slot;
  }));
  RETURN_IF_ERROR(full);
  loaded_ = true;
  return Status::OK();
}

Status AuditKeeper::GetDocument(const std::string& doc_id, apb::AuditDocument* out) const {
  if (auto it = pending_.find(doc_id); it != pending_.end()) {
    *out = it->second;
    return Status::OK();
  }
  return store_->GetProto(kAuditDocs, doc_id, out);
}

Result<std::vector<apb::AuditFinding>> AuditKeeper::ApplyGroup(const std::vector<GroupDocument>& docs) {
  std::vector<apb::AuditFinding> findings;
  RETURN_IF_ERROR(Load());
  pending_.clear();
  storage::WriteBatch batch;
  std::set<std::string> seen;  // a doc_id twice in a group: its later result counts
  for (auto it = docs.rbegin(); it != docs.rend(); ++it) {
    const GroupDocument& doc = *it;
    if (!seen.insert(doc.doc_id).second) continue;
    const auto& r = *doc.result;
    for (const auto& f : r.findings()) {
      findings.push_back(audit::ConsistencyFinding(doc.doc_id, r.source(), r.metadata(), r.metrics(), f));
    }
    if (!options_.near_duplicates || r.fingerprint().version() == 0) continue;
    apb::AuditDocument next = DocumentOf(doc);
    apb::AuditDocument prev;
    Status got = store_->GetProto(kAuditDocs, doc.doc_id, &prev);
    if (got.ok()) {
      if (prev.SerializeAsString() == next.SerializeAsString()) continue;  // delivered again
      // Replaced: forget its slot and its pairs.
      if (auto s = doc_slot_.find(doc.doc_id); s != doc_slot_.end()) {
        index_.Remove(s->second);
        doc_slot_.erase(s);
        Count(prev.fingerprint(), -1);
      }
      RETURN_IF_ERROR(store_->Scan(kAuditPairs, doc.doc_id + kSep, [&](std::string_view key, std::string_view) {
        const std::string other(key.substr(doc.doc_id.size() + 1));
        batch.Delete(kAuditPairs, key);
        batch.Delete(kAuditPairs, PairKey(other, doc.doc_id));
        return true;
      }));
    } else if (got.code() != StatusCode::kNotFound) {
      return got;
    }
    batch.PutProto(kAuditDocs, doc.doc_id, next);
    pending_[doc.doc_id] = next;
    const auto sig = audit::SignatureOf(next.fingerprint());
    if (sig.empty()) continue;
    Count(next.fingerprint(), +1);
    for (uint32_t slot : index_.Candidates(sig)) {
      if (index_.Estimate(slot, sig) < kMinEstimate) continue;
      apb::AuditDocument other;
      RETURN_IF_ERROR(GetDocument(slot_doc_[slot], &other));
      const audit::PairComparison cmp = Compare(next.fingerprint(), other.fingerprint());
      if (cmp.similarity < options_.near_duplicate_similarity) continue;
      apb::AuditFinding f = audit::NearDuplicateFinding(next, other, cmp);
      batch.PutProto(kAuditPairs, PairKey(next.doc_id(), other.doc_id()), f);
      batch.PutProto(kAuditPairs, PairKey(other.doc_id(), next.doc_id()), f);
      findings.push_back(std::move(f));
    }
    auto slot = index_.Add(sig);
    if (!slot.ok()) {
      Forget();
      return slot.status();
    }
    if (*slot >= slot_doc_.size()) slot_doc_.resize(*slot + 1);
    slot_doc_[*slot] = doc.doc_id;
    doc_slot_[doc.doc_id] = *slot;
  }
  Status written = store_->Write(batch);
  pending_.clear();
  if (!written.ok()) {
    Forget();  // the index holds documents the store lacks: rebuild on next use
    return written;
  }
  return findings;
}

Status AuditKeeper::ForEachDocument(const std::function<void(const apb::AuditDocument&)>& fn) const {
  Status parse_error;
  RETURN_IF_ERROR(store_->Scan(kAuditDocs, "", [&](std::string_view key, std::string_view value) {
    apb::AuditDocument d;
    if (!d.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = Status::Corruption("audit_docs: cannot parse " + std::string(key));
      return false;
    }
    fn(d);
    return true;
  }));
  return parse_error;
}

Status AuditKeeper::ForEachNearDuplicate(const std::function<void(const apb::AuditFinding&)>& fn) const {
  Status parse_error;
  RETURN_IF_ERROR(store_->Scan(kAuditPairs, "", [&](std::string_view key, std::string_view value) {
    const size_t sep = key.find(kSep);
    if (sep == std::string_view::npos || key.substr(0, sep) > key.substr(sep + 1)) return true;  // each pair once
    apb::AuditFinding f;
    if (!f.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = Status::Corruption("audit_pairs: cannot parse a pair");
      return false;
    }
    fn(f);
    return true;
  }));
  return parse_error;
}

size_t AuditKeeper::IndexMemoryBytes() const {
  size_t ids = 0;
  for (const auto& id : slot_doc_) ids += sizeof(std::string) + id.capacity() + 48;  // + the map node
  return index_.MemoryBytes() + sketch_.capacity() * sizeof(uint16_t) + ids;
}

}  // namespace reportflow::aggregate
