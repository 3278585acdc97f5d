#include "services/aggregate/known_documents.h"

namespace reportflow::aggregate {

std::optional<text::PackedDocId> KnownDocuments::TableId(std::string_view doc_id) {
  auto id = text::PackDocId(doc_id);
  if (id && *id == text::PackedDocId{}) return std::nullopt;  // the empty mark: kept with the others
  return id;
}

size_t KnownDocuments::Position(const text::PackedDocId& id) const {
  for (size_t i = Home(id);; i = Next(i)) {
    const Entry& e = entries_[i];
    if (!e.used() || e.id == id) return i;
  }
}

void KnownDocuments::Grow() {
  std::vector<Entry> old(entries_.empty() ? 1024 : entries_.size() + entries_.size() / 2);
  old.swap(entries_);
  for (const Entry& e : old) {
    if (e.used()) entries_[Position(e.id)] = e;
  }
}

KnownDocuments::Known* KnownDocuments::Find(std::string_view doc_id) {
  const auto id = TableId(doc_id);
  if (!id) {
    auto it = other_.find(std::string(doc_id));
    return it == other_.end() ? nullptr : &it->second;
  }
  if (used_ == 0) return nullptr;
  Entry& e = entries_[Position(*id)];
  return e.used() ? &e.known : nullptr;
}

KnownDocuments::Known& KnownDocuments::Insert(std::string_view doc_id) {
  const auto id = TableId(doc_id);
  if (!id) return other_[std::string(doc_id)];
  if (4 * (used_ + 1) > 3 * entries_.size()) Grow();
  Entry& e = entries_[Position(*id)];
  if (!e.used()) {
    e = Entry{*id, Known{}};
    ++used_;
  }
  return e.known;
}

void KnownDocuments::Erase(std::string_view doc_id) {
  const auto id = TableId(doc_id);
  if (!id) {
    other_.erase(std::string(doc_id));
    return;
  }
  if (used_ == 0) return;
  size_t hole = Position(*id);
  if (!entries_[hole].used()) return;
  entries_[hole] = Entry{};
  --used_;
  // Backward shift: an entry after the hole moves into it unless its home
  // lies cyclically in (hole, i], so every entry stays reachable from its
  // home without tombstones.
  for (size_t i = Next(hole); entries_[i].used(); i = Next(i)) {
    const size_t home = Home(entries_[i].id);
    const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (stays) continue;
    entries_[hole] = entries_[i];
    entries_[i] = Entry{};
    hole = i;
  }
}

void KnownDocuments::Clear() {
  std::vector<Entry>().swap(entries_);
  used_ = 0;
  other_.clear();
}

}  // namespace reportflow::aggregate
