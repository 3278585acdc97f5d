// KnownDocuments: what the near-duplicate keeper knows of each stored
// document (the digest of its audit record and its index slot), by doc_id.
// A canonical id (32 hex digits: every id ingest makes) is kept as its 16
// bytes (text::PackDocId, as ingest's DocSet keeps them) in a flat
// open-addressing table of 32-byte entries; any other id in a map of
// strings. A few dozen bytes per document where a map of id strings took
// about 150.
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/text/doc_id.h"

namespace reportflow::aggregate {

class KnownDocuments {
 public:
  struct Known {
    uint64_t digest = 0;         // of its serialized AuditDocument
    uint32_t slot = UINT32_MAX;  // its index slot (none without a fingerprint)
  };

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
  struct Entry {
    text::PackedDocId id;
    Known known;
    bool used = false;
  };
  // The entry of `id`, or the empty one where it would go (the table is not full).
  size_t Position(const text::PackedDocId& id) const;
  size_t Home(const text::PackedDocId& id) const { return text::PackedDocIdHash()(id) & (entries_.size() - 1); }
  void Grow();

  std::vector<Entry> entries_;  // power-of-two size, at most 3/4 used
  size_t used_ = 0;
  std::unordered_map<std::string, Known> other_;  // ids not in the canonical form
};

}  // namespace reportflow::aggregate
