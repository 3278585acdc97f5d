#include "services/aggregate/known_documents.h"

#include <xxhash.h>

namespace reportflow::aggregate {

KnownDocuments::Hash KnownDocuments::HashOf(std::string_view doc_id) {
  const XXH128_hash_t h = XXH3_128bits(doc_id.data(), doc_id.size());
  return {h.low64, h.high64};
}

size_t KnownDocuments::Position(const Hash& h) const {
  const size_t mask = entries_.size() - 1;
  for (size_t i = static_cast<size_t>(h.low) & mask;; i = (i + 1) & mask) {
    const Entry& e = entries_[i];
    if (!e.used || (e.hash[0] == h.low && e.hash[1] == h.high)) return i;
  }
}

void KnownDocuments::Grow() {
  std::vector<Entry> old(entries_.empty() ? 1024 : 2 * entries_.size());
  old.swap(entries_);
  for (const Entry& e : old) {
    if (e.used) entries_[Position({e.hash[0], e.hash[1]})] = e;
  }
}

KnownDocuments::Known* KnownDocuments::Find(std::string_view doc_id) {
  if (used_ == 0) return nullptr;
  Entry& e = entries_[Position(HashOf(doc_id))];
  return e.used ? &e.known : nullptr;
}

KnownDocuments::Known& KnownDocuments::Insert(std::string_view doc_id) {
  if (4 * (used_ + 1) > 3 * entries_.size()) Grow();
  const Hash h = HashOf(doc_id);
  Entry& e = entries_[Position(h)];
  if (!e.used) {
    e = Entry{{h.low, h.high}, Known{}, 1};
    ++used_;
  }
  return e.known;
}

void KnownDocuments::Erase(std::string_view doc_id) {
  if (used_ == 0) return;
  const size_t mask = entries_.size() - 1;
  size_t hole = Position(HashOf(doc_id));
  if (!entries_[hole].used) return;
  entries_[hole].used = 0;
  --used_;
  // Backward shift: an entry after the hole moves into it unless its own
  // position lies cyclically in (hole, i], so every entry stays reachable
  // from its position without tombstones.
  for (size_t i = (hole + 1) & mask; entries_[i].used; i = (i + 1) & mask) {
    const size_t home = static_cast<size_t>(entries_[i].hash[0]) & mask;
    const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (stays) continue;
    entries_[hole] = entries_[i];
    entries_[i].used = 0;
    hole = i;
  }
}

void KnownDocuments::Clear() {
  std::vector<Entry>().swap(entries_);
  used_ = 0;
}

}  // namespace reportflow::aggregate
