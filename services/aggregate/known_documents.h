// KnownDocuments: what the near-duplicate keeper knows of each stored
// document (the digest of its audit record and its index slot), by doc_id, in
// a flat open-addressing table of 32-byte entries. A document is found by the
// 128-bit hash of its id (ids are themselves 128-bit content hashes, so two
// ids with one hash are as unlikely as two texts with one id), and its id is
// not kept: a few dozen bytes per document where a map of strings took
// about 150.
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

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

  size_t size() const { return used_; }
  size_t MemoryBytes() const { return entries_.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    uint64_t hash[2];
    Known known;
    uint32_t used = 0;
  };
  struct Hash {
    uint64_t low, high;
  };
  static Hash HashOf(std::string_view doc_id);
  // The entry of `h`, or the empty one where it would go (the table is not full).
  size_t Position(const Hash& h) const;
  void Grow();

  std::vector<Entry> entries_;  // power-of-two size, at most 3/4 used
  size_t used_ = 0;
};

}  // namespace reportflow::aggregate
