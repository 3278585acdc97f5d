// DocSet: a set of doc_ids that costs ~40 bytes per member instead of ~110.
// DocFlags: the same, with a few flags per member (a batch's documents, and
// which of them passed segment or finished, in one table: ~28 bytes per
// document instead of three sets of ~40).
//
// A batch remembers which of its documents it has seen, which passed segment
// and which are finished, for the whole batch: with std::unordered_set of
// 32-character hex strings (heap-allocated, past the small-string buffer)
// those sets were what made ingest's memory grow with the corpus (about
// 330 bytes per document in three sets). Ids of 32 lowercase hex digits (every
// doc_id, XXH3-128) are kept as their 16 bytes; anything else falls back to
// the string itself, so the set is correct for any id.
//
// Thread-safety: none (one ingest loop owns it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/base/page_array.h"
#include "common/base/scaled_index.h"
#include "common/text/doc_id.h"

namespace reportflow::ingest {

class DocSet {
 public:
  // True if `doc_id` was not in the set.
  bool insert(const std::string& doc_id) {
    if (auto key = Pack(doc_id)) return packed_.insert(*key).second;
    return other_.insert(doc_id).second;
  }
  bool contains(const std::string& doc_id) const {
    if (auto key = Pack(doc_id)) return packed_.count(*key) > 0;
    return other_.count(doc_id) > 0;
  }
  size_t size() const { return packed_.size() + other_.size(); }
  // Visits every member (in no particular order) as its doc_id.
  void ForEach(const std::function<void(const std::string&)>& fn) const {
    std::string id;
    for (const Key& k : packed_) {
      text::UnpackDocId(k, &id);
      fn(id);
    }
    for (const auto& s : other_) fn(s);
  }

 private:
  using Key = text::PackedDocId;
  using KeyHash = text::PackedDocIdHash;
  static std::optional<Key> Pack(const std::string& id) { return text::PackDocId(id); }
  std::unordered_set<Key, KeyHash> packed_;
  std::unordered_set<std::string> other_;

  friend class DocFlags;
};

// DocFlags keeps canonical ids in an open-addressing table of 17-byte slots
// (the id's 16 bytes and the flags; linear probing, 1/2 to 3/4 full): about
// 28 bytes per member, against ~58 for a std::unordered_map node and bucket
// (jemalloc heap profile of ingest at 100k reports). Members are never removed.
// The table grows by half, not by doubling (a doubled table is 3/8 full just
// after: 4.5 MB at 100,000 documents), and in pages of its own (PageArray),
// so the old array leaves at once instead of staying with the allocator,
// which ingest asks to keep freed pages (services/ingest/main.cc).
class DocFlags {
 public:
  // Adds `doc_id` (with no flag); true if it was not there.
  bool insert(const std::string& doc_id) {
    if (auto key = DocSet::Pack(doc_id)) {
      bool added = false;
      SlotFor(*key, &added);
      return added;
    }
    return other_.emplace(doc_id, 0).second;
  }
  bool contains(const std::string& doc_id) const {
    if (auto key = DocSet::Pack(doc_id)) return Find(*key) != nullptr;
    return other_.count(doc_id) > 0;
  }
  // Sets `flag` (one of bits 0-6) on `doc_id` (adding it if needed); true if it was not set.
  bool Set(const std::string& doc_id, uint8_t flag) {
    uint8_t* flags;
    if (auto key = DocSet::Pack(doc_id)) {
      bool added = false;
      flags = &SlotFor(*key, &added)->flags;
    } else {
      flags = &other_[doc_id];
    }
    if (*flags & flag) return false;
    *flags = static_cast<uint8_t>(*flags | flag);
    for (int i = 0; i < 7; ++i) counts_[i] += (flag >> i) & 1;
    return true;
  }
  size_t size() const { return packed_size_ + other_.size(); }
  // Members with `flag` set (a single bit).
  size_t count(uint8_t flag) const {
    for (int i = 0; i < 7; ++i) {
      if (flag == (1u << i)) return counts_[i];
    }
    return 0;
  }
  // Visits every member with `flag` set (in no particular order) as its doc_id.
  void ForEach(uint8_t flag, const std::function<void(const std::string&)>& fn) const {
    std::string id;
    for (const Slot& slot : slots_) {
      if (!(slot.flags & kUsed) || !(slot.flags & flag)) continue;
      text::UnpackDocId(slot.key, &id);
      fn(id);
    }
    for (const auto& [s, flags] : other_) {
      if (flags & flag) fn(s);
    }
  }

 private:
  static constexpr uint8_t kUsed = 0x80;  // the slot holds a member
#pragma pack(push, 1)
  struct Slot {
    DocSet::Key key;
    uint8_t flags;
  };
#pragma pack(pop)
  static_assert(sizeof(Slot) == 17);
  // One page: a batch's first table is an mmap of its own (PageArray is for
  // large tables; a service sees few batches, one per `run` or `submit`).
  static constexpr size_t kFirstSlots = 240;
  size_t Home(const DocSet::Key& key) const { return ScaledIndex(DocSet::KeyHash()(key), slots_.size()); }
  size_t Next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  const Slot* Find(const DocSet::Key& key) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(key);; i = Next(i)) {
      const Slot& slot = slots_[i];
      if (!(slot.flags & kUsed)) return nullptr;
      if (slot.key == key) return &slot;
    }
  }
  Slot* SlotFor(const DocSet::Key& key, bool* added) {
    if ((packed_size_ + 1) * 4 > slots_.size() * 3) Grow();
    for (size_t i = Home(key);; i = Next(i)) {
      Slot& slot = slots_[i];
      if (!(slot.flags & kUsed)) {
        slot.key = key;
        slot.flags = kUsed;
        ++packed_size_;
        *added = true;
        return &slot;
      }
      if (slot.key == key) return &slot;
    }
  }
  void Grow() {
    PageArray<Slot> old(slots_.empty() ? kFirstSlots : slots_.size() + slots_.size() / 2, Slot{});
    std::swap(old, slots_);
    for (const Slot& slot : old) {
      if (!(slot.flags & kUsed)) continue;
      size_t i = Home(slot.key);
      while (slots_[i].flags & kUsed) i = Next(i);
      slots_[i] = slot;
    }
  }

  PageArray<Slot> slots_;
  size_t packed_size_ = 0;
  std::unordered_map<std::string, uint8_t> other_;
  size_t counts_[7] = {};
};

}  // namespace reportflow::ingest
