#include "services/aggregate/known_documents.h"

namespace reportflow::aggregate {

std::optional<text::PackedDocId> KnownDocuments::TableId(std::string_view doc_id) {
  auto id = text::PackDocId(doc_id);
  if (id && *id == text::PackedDocId{}) return std::nullopt;  // the empty mark: kept with the others
  return id;
}

size_t KnownDocuments::Shard::Position(const text::PackedDocId& id, uint64_t h) const {
  for (size_t i = Home(h);; i = Next(i)) {
    const Entry& e = entries[i];
    if (!e.used() || e.id == id) return i;
  }
}

void KnownDocuments::Shard::Grow() {
  PageArray<Entry> old(entries.empty() ? kFirstShardEntries : entries.size() + entries.size() / 2, Entry{});
  std::swap(old, entries);
  for (const Entry& e : old) {
    if (e.used()) entries[Position(e.id, HashOf(e.id))] = e;
  }
}

KnownDocuments::Known* KnownDocuments::Find(std::string_view doc_id) {
  const auto id = TableId(doc_id);
  if (!id) {
    auto it = other_.find(std::string(doc_id));
    return it == other_.end() ? nullptr : &it->second;
  }
  const uint64_t h = HashOf(*id);
  Shard& shard = ShardOf(h);
  if (shard.used == 0) return nullptr;
  Entry& e = shard.entries[shard.Position(*id, h)];
  return e.used() ? &e.known : nullptr;
}

KnownDocuments::Known& KnownDocuments::Insert(std::string_view doc_id) {
  const auto id = TableId(doc_id);
  if (!id) return other_[std::string(doc_id)];
  const uint64_t h = HashOf(*id);
  Shard& shard = ShardOf(h);
  if (4 * (shard.used + 1) > 3 * shard.entries.size()) shard.Grow();
  Entry& e = shard.entries[shard.Position(*id, h)];
  if (!e.used()) {
    e = Entry{*id, Known{}};
    ++shard.used;
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
  const uint64_t h = HashOf(*id);
  Shard& shard = ShardOf(h);
  if (shard.used == 0) return;
  PageArray<Entry>& entries = shard.entries;
  size_t hole = shard.Position(*id, h);
  if (!entries[hole].used()) return;
  entries[hole] = Entry{};
  --shard.used;
  --used_;
  // Backward shift: an entry after the hole moves into it unless its home
  // lies cyclically in (hole, i], so every entry stays reachable from its
  // home without tombstones.
  for (size_t i = shard.Next(hole); entries[i].used(); i = shard.Next(i)) {
    const size_t home = shard.Home(HashOf(entries[i].id));
    const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (stays) continue;
    entries[hole] = entries[i];
    entries[i] = Entry{};
    hole = i;
  }
}

void KnownDocuments::Clear() {
  for (Shard& shard : shards_) shard = Shard{};
  used_ = 0;
  other_.clear();
}

size_t KnownDocuments::MemoryBytes() const {
  size_t bytes = 0;
  for (const Shard& shard : shards_) bytes += shard.entries.size() * sizeof(Entry);
  return bytes;
}

}  // namespace reportflow::aggregate
