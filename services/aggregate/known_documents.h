// KnownDocuments: what the near-duplicate keeper knows of each stored
// document (the digest of its audit record and its index slot), by doc_id.
// A canonical id (32 hex digits: every id ingest makes) is kept as its 16
// bytes (text::PackDocId, as ingest's DocSet keeps them) in a flat
// open-addressing table of 28-byte entries; any other id (and the all-zero
// one, which marks an empty entry) in a map of strings. The table grows by
// half, not double, at 3/4 full (its size need not be a power of two: an
// id's home is its hash scaled to the size), so it is 1/2 to 3/4 full: about
// 45 bytes per document, where a map of id strings took about 150 (at
// 100,000 documents, 4.5 MB rather than the 8 MB of a doubling table of
// 32-byte entries, and 16 MB just past 98,304).
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/text/doc_id.h"

namespace reportflow::aggregate {

class KnownDocuments {
 public:
  // 12 bytes (packed): a table entry is its id and this.
#pragma pack(push, 4)
  struct Known {
    uint64_t digest = 0;         // of its serialized AuditDocument
    uint32_t slot = UINT32_MAX;  // its index slot (none without a fingerprint)
  };
#pragma pack(pop)

  // The entry of `doc_id`, or nullptr.
  Known* Find(std::string_view doc_id);
  // The entry of `doc_id`, added (default) when absent.
  Known& Insert(std::string_view doc_id);
  // Removes `doc_id`'s entry, if any.
  void Erase(std::string_view doc_id);
  void Clear();

  size_t size() const { return used_ + other_.size(); }
  size_t MemoryBytes() const { return entries_.capacity() * sizeof(Entry); }

 private:
#pragma pack(push, 4)
  struct Entry {
    text::PackedDocId id{};  // all zero: empty
    Known known;
    bool used() const { return id != text::PackedDocId{}; }
  };
#pragma pack(pop)
  static_assert(sizeof(Entry) == 28);
  // The canonical ids the table holds (the others go to other_).
  static std::optional<text::PackedDocId> TableId(std::string_view doc_id);
  // The entry of `id`, or the empty one where it would go (the table is not full).
  size_t Position(const text::PackedDocId& id) const;
  size_t Home(const text::PackedDocId& id) const {
    const uint64_t h = text::PackedDocIdHash()(id);
    return static_cast<size_t>((static_cast<unsigned __int128>(h) * entries_.size()) >> 64);
  }
  size_t Next(size_t i) const { return i + 1 == entries_.size() ? 0 : i + 1; }
  void Grow();

  std::vector<Entry> entries_;  // at most 3/4 used
  size_t used_ = 0;
  std::unordered_map<std::string, Known> other_;  // ids not in the canonical form
};

}  // namespace reportflow::aggregate
