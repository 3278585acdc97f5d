#include "services/aggregate/audit_keeper.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <set>

#include <xxhash.h>

#include "common/audit/findings.h"
#include "common/audit/fingerprint.h"
#include "common/audit/near_duplicate.h"
#include "common/base/macros.h"
#include "common/base/prefetch.h"

namespace reportflow::aggregate {
namespace {

namespace apb = ::reportflow::aggregate::v1;

constexpr char kAuditDocs[] = "audit_docs";
constexpr char kAuditPairs[] = "audit_pairs";
constexpr char kSep = '\x1f';

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

// The weights of clause grams while a group is compared. The frequencies do
// not change in that pass (the group was counted before), so a gram's weight
// (a sketch read, usually a cache miss, and a logarithm) is computed once
// however many of the group's documents and their candidates have it:
// template siblings share most of their grams.
class WeightMemo {
 public:
  explicit WeightMemo(const audit::DocumentFrequencies& frequencies) : frequencies_(frequencies), slots_(1 << 12) {}

  float Of(uint32_t gram) {
    for (;;) {
      const size_t mask = slots_.size() - 1;
      for (size_t i = gram & mask;; i = (i + 1) & mask) {
        Slot& slot = slots_[i];
        if (slot.weight >= 0) {
          if (slot.gram == gram) return slot.weight;
          continue;
        }
        if (2 * (used_ + 1) > slots_.size()) break;  // grow first, then look again
        slot = {gram, frequencies_.Weight(gram)};
        ++used_;
        return slot.weight;
      }
      Grow();
    }
  }

  std::vector<float> Of(const std::vector<uint32_t>& grams) {
    // A gram not weighed yet reads the sketch: its counters are asked for a
    // few grams ahead, so those cache misses overlap.
    std::vector<float> w;
    w.reserve(grams.size());
    ForEachPrefetched(
        std::span<const uint32_t>(grams), kPrefetchAhead, [this](uint32_t g) { frequencies_.Prefetch(g); },
        [&](uint32_t g) { w.push_back(Of(g)); });
    return w;
  }

 private:
  struct Slot {
    uint32_t gram = 0;
    float weight = -1.0f;  // empty (a weight is never negative)
  };
  void Grow() {
    std::vector<Slot> old(2 * slots_.size());
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.weight < 0) continue;
      size_t i = s.gram & mask;
      while (slots_[i].weight >= 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  const audit::DocumentFrequencies& frequencies_;
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

}  // namespace

AuditKeeper::AuditKeeper(storage::Store* store, audit::AuditOptions options, std::string scratch_dir)
    : store_(store), options_(options), scratch_dir_(std::move(scratch_dir)) {
  if (scratch_dir_.empty()) scratch_dir_ = std::filesystem::temp_directory_path().string();
}

const std::vector<std::string>& AuditKeeper::ColumnFamilies() {
  static const std::vector<std::string> cfs = {kAuditDocs, kAuditPairs};
  return cfs;
}

AuditKeeper::Hashes AuditKeeper::HashesOf(const extract::v1::TextFingerprint& fp) {
  Hashes h;
  h.shingles = audit::Shingles(fp, audit::kShingleClauses, audit::kWinnowWindow);
  h.sequence = audit::ClauseGrams(fp, audit::kGramClauses);
  for (uint32_t g : h.sequence) h.grams.push_back(g);
  std::sort(h.grams.begin(), h.grams.end());
  h.grams.erase(std::unique(h.grams.begin(), h.grams.end()), h.grams.end());
  return h;
}

void AuditKeeper::Count(const Hashes& h, int delta) {
  // Only grams are weighed from the sketch; shingles by their index lists.
  frequencies_.Count(h.grams, delta);
}

audit::PairComparison AuditKeeper::Compare(const extract::v1::TextFingerprint& a,
                                           const extract::v1::TextFingerprint& b) const {
  return audit::Compare(a, b, [this](uint32_t g) { return frequencies_.Weight(g); });
}

void AuditKeeper::Forget() {
  loaded_ = false;
  index_ = audit::DuplicateIndex();
  filters_ = audit::GramFilters();
  frequencies_ = audit::DocumentFrequencies();
  records_.reset();  // the file goes with its descriptor
  std::vector<SlotRecord>().swap(slots_);
  known_.Clear();
  pending_.clear();
}

Result<uint32_t> AuditKeeper::Index(const std::string& doc_id, const Hashes& h) {
  std::string record = doc_id;
  record.append(reinterpret_cast<const char*>(h.sequence.data()), h.sequence.size() * sizeof(uint32_t));
  ASSIGN_OR_RETURN(uint64_t offset, records_->Append(record));
  const uint32_t slot = index_.Add(h.shingles);
  if (filters_.Add(h.sequence) != slot) return Status::Internal("audit: gram filters out of step with the index");
  if (slot >= slots_.size()) slots_.resize(slot + 1);
  slots_[slot] = {offset, static_cast<uint32_t>(h.sequence.size()), static_cast<uint32_t>(doc_id.size())};
  return slot;
}

Status AuditKeeper::ReadSlot(uint32_t slot, std::string* doc_id, std::vector<uint32_t>* grams) const {
  const SlotRecord& r = slots_[slot];
  read_buffer_.resize(r.id_size + size_t{r.grams} * sizeof(uint32_t));
  RETURN_IF_ERROR(records_->Read(r.offset, read_buffer_.size(), read_buffer_.data()));
  doc_id->assign(read_buffer_, 0, r.id_size);
  grams->resize(r.grams);
  std::memcpy(grams->data(), read_buffer_.data() + r.id_size, size_t{r.grams} * sizeof(uint32_t));
  return Status::OK();
}

Status AuditKeeper::Load() {
  if (loaded_) return Status::OK();
  Forget();
  ASSIGN_OR_RETURN(records_, storage::ScratchFile::Create(scratch_dir_));
  Status indexed;
  RETURN_IF_ERROR(ForEachDocument([&](const apb::AuditDocument& d) {
    if (!indexed.ok()) return;
    KnownDocuments::Known& k = known_.Insert(d.doc_id());
    k.digest = XXH3_64bits(d.SerializeAsString().data(), d.ByteSizeLong());
    if (d.fingerprint().masked_size() == 0) return;
    Hashes h = HashesOf(d.fingerprint());
    Count(h, +1);
    Result<uint32_t> slot = Index(d.doc_id(), h);
    if (!slot.ok()) {
      indexed = slot.status();
      return;
    }
    k.slot = *slot;
  }));
  if (!indexed.ok()) {
    Forget();
    return indexed;
  }
  loaded_ = true;
  return Status::OK();
}

Status AuditKeeper::GetDocument(const std::string& doc_id, apb::AuditDocument* out) const {
  if (auto it = pending_.find(doc_id); it != pending_.end()) {
    *out = *it->second;
    return Status::OK();
  }
  return store_->GetProto(kAuditDocs, doc_id, out);
}

Status AuditKeeper::Withdraw(const std::vector<std::string>& doc_ids) {
  RETURN_IF_ERROR(Load());
  storage::WriteBatch batch;
  for (const std::string& doc_id : doc_ids) {
    const KnownDocuments::Known* k = known_.Find(doc_id);
    if (k == nullptr) continue;
    if (k->slot != UINT32_MAX) {
      index_.Remove(k->slot);
      apb::AuditDocument prev;
      RETURN_IF_ERROR(store_->GetProto(kAuditDocs, doc_id, &prev));
      Count(HashesOf(prev.fingerprint()), -1);
      slots_[k->slot].grams = 0;
    }
    known_.Erase(doc_id);
    batch.Delete(kAuditDocs, doc_id);
    RETURN_IF_ERROR(store_->Scan(kAuditPairs, doc_id + kSep, [&](std::string_view key, std::string_view) {
      const std::string other(key.substr(doc_id.size() + 1));
      batch.Delete(kAuditPairs, key);
      batch.Delete(kAuditPairs, PairKey(other, doc_id));
      return true;
    }));
  }
  if (batch.empty()) return Status::OK();
  return store_->Write(batch);
}

Result<std::vector<apb::AuditFinding>> AuditKeeper::ApplyGroup(const std::vector<GroupDocument>& docs) {
  RETURN_IF_ERROR(Load());
  Result<std::vector<apb::AuditFinding>> findings = IndexGroup(docs);
  pending_.clear();
  // A failure part way leaves the index (and what it knows of each document)
  // ahead of the store: it is rebuilt from the store on next use.
  if (!findings.ok()) Forget();
  return findings;
}

Result<std::vector<apb::AuditFinding>> AuditKeeper::IndexGroup(const std::vector<GroupDocument>& docs) {
  std::vector<apb::AuditFinding> findings;
  pending_.clear();
  storage::WriteBatch batch;
  // First pass: what is new or replaced, counted before anything is compared.
  struct Fresh {
    const GroupDocument* doc;
    apb::AuditDocument stored;
    Hashes hashes;
    uint64_t digest;  // of `stored` serialized; known_ gets it in the second pass, with the slot
  };
  std::vector<Fresh> fresh;
  fresh.reserve(docs.size());  // pending_ points into it
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
    const std::string bytes = next.SerializeAsString();
    const uint64_t digest = XXH3_64bits(bytes.data(), bytes.size());
    if (const KnownDocuments::Known* k = known_.Find(doc.doc_id)) {
      if (k->digest == digest) continue;  // delivered again
      // Replaced: forget its slot, its counts and its pairs.
      if (k->slot != UINT32_MAX) {
        index_.Remove(k->slot);
        apb::AuditDocument prev;
        RETURN_IF_ERROR(store_->GetProto(kAuditDocs, doc.doc_id, &prev));
        Count(HashesOf(prev.fingerprint()), -1);
        slots_[k->slot].grams = 0;
      }
      known_.Erase(doc.doc_id);
      RETURN_IF_ERROR(store_->Scan(kAuditPairs, doc.doc_id + kSep, [&](std::string_view key, std::string_view) {
        const std::string other(key.substr(doc.doc_id.size() + 1));
        batch.Delete(kAuditPairs, key);
        batch.Delete(kAuditPairs, PairKey(other, doc.doc_id));
        return true;
      }));
    }
    batch.Put(kAuditDocs, doc.doc_id, bytes);
    Hashes h;
    if (next.fingerprint().masked_size() > 0) {
      h = HashesOf(next.fingerprint());
      Count(h, +1);
    }
    fresh.push_back({&doc, std::move(next), std::move(h), digest});
    pending_[doc.doc_id] = &fresh.back().stored;
  }
  // Second pass, in arrival order: compare with the likeliest copies, then index.
  WeightMemo weight(frequencies_);
  std::vector<uint32_t> other_grams;
  std::vector<audit::GramFilters::Key> keys;  // the document's grams as the filters look them up
  std::string other_id;
  for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
    Fresh& f = *it;
    if (f.hashes.sequence.empty()) {
      known_.Insert(f.stored.doc_id()).digest = f.digest;
      continue;
    }
    const std::vector<float> weights = weight.Of(f.hashes.sequence);
    double own = 0;
    for (float w : weights) own += w;
    // The document's distinct grams and their weights, in a small
    // open-addressing table (weight -1: empty), for the bound below.
    const size_t cap = std::bit_ceil(2 * weights.size() + 1);
    std::vector<std::pair<uint32_t, float>> own_grams(cap, {0, -1.0f});
    auto find = [&](uint32_t g) {
      size_t i = (g * 0x9E3779B1u) & (cap - 1);
      while (own_grams[i].second >= 0 && own_grams[i].first != g) i = (i + 1) & (cap - 1);
      return i;
    };
    for (size_t i = 0; i < weights.size(); ++i) own_grams[find(f.hashes.sequence[i])] = {f.hashes.sequence[i], weights[i]};
    keys.clear();
    for (uint32_t g : f.hashes.sequence) keys.push_back(audit::GramFilters::KeyOf(g));
    for (uint32_t slot : index_.Candidates(f.hashes.shingles, kMaxCandidates)) {
      // The bound below, first from the candidate's filter (its grams may
      // include more than it has, never fewer), so most candidates are
      // dropped without reading them. A hair of slack for the order of
      // summation: a pair exactly at the threshold is never dropped here.
      const double may = filters_.SharedWeightBound(slot, keys, weights);
      if (own + may <= 0 || 2 * may / (own + may) < options_.near_duplicate_similarity - 1e-9) continue;
      RETURN_IF_ERROR(ReadSlot(slot, &other_id, &other_grams));
      // The grams both have, in any order, weigh at least what the alignment
      // shares (S <= I), and the other document weighs at least S: below the
      // threshold by 2I / (own + I), the alignment cannot reach it either.
      // (A gram the other has twice counts twice: a looser bound, still a bound.)
      double both = 0;
      for (uint32_t g : other_grams) {
        const float w = own_grams[find(g)].second;
        if (w >= 0) both += w;
      }
      if (own + both <= 0 || 2 * both / (own + both) < options_.near_duplicate_similarity) continue;
      const std::vector<float> other_weights = weight.Of(other_grams);
      double theirs = 0;
      for (float w : other_weights) theirs += w;
      // At most the lighter one is shared: below the threshold even so, no alignment needed.
      if (own + theirs <= 0 || 2 * std::min(own, theirs) / (own + theirs) < options_.near_duplicate_similarity) continue;
      const double similarity = audit::AlignedSimilarity(f.hashes.sequence, weights, other_grams, other_weights);
      if (similarity < options_.near_duplicate_similarity) continue;
      apb::AuditDocument other;
      RETURN_IF_ERROR(GetDocument(other_id, &other));
      audit::PairComparison cmp;
      cmp.similarity = similarity;
      audit::FindSharedPassages(f.stored.fingerprint(), other.fingerprint(), &cmp);
      apb::AuditFinding finding = audit::NearDuplicateFinding(f.stored, other, cmp);
      batch.PutProto(kAuditPairs, PairKey(f.stored.doc_id(), other.doc_id()), finding);
      batch.PutProto(kAuditPairs, PairKey(other.doc_id(), f.stored.doc_id()), finding);
      findings.push_back(std::move(finding));
    }
    ASSIGN_OR_RETURN(uint32_t slot, Index(f.stored.doc_id(), f.hashes));
    KnownDocuments::Known& known = known_.Insert(f.stored.doc_id());
    known.digest = f.digest;
    known.slot = slot;
  }
  RETURN_IF_ERROR(store_->Write(batch));
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

AuditKeeper::IndexMemory AuditKeeper::Memory() const {
  return {.shingles = index_.MemoryBytes(),
          .gram_filters = filters_.MemoryBytes(),
          .frequencies = frequencies_.MemoryBytes(),
          .slots = slots_.capacity() * sizeof(SlotRecord),
          .known_ids = known_.MemoryBytes(),
          .scratch = records_ ? records_->MemoryBytes() : 0};
}

}  // namespace reportflow::aggregate
