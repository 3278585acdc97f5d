// KnownDocuments: what the near-duplicate keeper knows of each stored
// document (the digest of its audit record and its index slot), by doc_id.
// A canonical id (32 hex digits: every id ingest makes) is kept as its 16
// bytes (text::PackDocId, as ingest's DocSet keeps them) in flat
// open-addressing tables of 28-byte entries; any other id (and the all-zero
// one, which marks an empty entry) in a map of strings. About 45 bytes per
// document, where a map of id strings took about 150.
//
// The entries are split by the id's hash into kShards tables, each its own
// pages (PageArray), that grow one at a time by half at 3/4 full (a table's
// size need not be a power of two: an id's home is its hash scaled to the
// size), so each is 1/2 to 3/4 full. One table grew as a whole: for a moment
// it held its old and its new array (9 MB at 100,000 documents, the largest
// single rise at aggregate's peak), and the old one then stayed with the
// allocator; now a growth adds a sixteenth of that, and the old pages leave
// at once.
// Thread-safety: not thread-safe.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/page_array.h"
#include "common/base/scaled_index.h"
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
  size_t MemoryBytes() const;

 private:
#pragma pack(push, 4)
  struct Entry {
    text::PackedDocId id{};  // all zero: empty
    Known known;
    bool used() const { return id != text::PackedDocId{}; }
  };
#pragma pack(pop)
  static_assert(sizeof(Entry) == 28);
  struct Shard {
    PageArray<Entry> entries;  // at most 3/4 used
    size_t used = 0;
    // The entry of `id` (`h`: its hash), or the empty one where it would go
    // (the table is not full).
    size_t Position(const text::PackedDocId& id, uint64_t h) const;
    // Its home: the hash without the shard's bits, scaled to the size.
    size_t Home(uint64_t h) const {
      return ScaledIndex(h << kShardBits, entries.size());
    }
    size_t Next(size_t i) const { return i + 1 == entries.size() ? 0 : i + 1; }
    void Grow();
  };
  static constexpr int kShardBits = 4;
  static constexpr size_t kShards = size_t{1} << kShardBits;
  static constexpr size_t kFirstShardEntries = 128;  // a page of 28-byte entries is 146

  // The canonical ids the tables hold (the others go to other_).
  static std::optional<text::PackedDocId> TableId(std::string_view doc_id);
  static uint64_t HashOf(const text::PackedDocId& id) { return text::PackedDocIdHash()(id); }
  Shard& ShardOf(uint64_t h) { return shards_[h >> (64 - kShardBits)]; }

  std::array<Shard, kShards> shards_;
  size_t used_ = 0;
  std::unordered_map<std::string, Known> other_;  // ids not in the canonical form
};

}  // namespace reportflow::aggregate
