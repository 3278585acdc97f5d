// DocSet: a set of doc_ids that costs ~40 bytes per member instead of ~110.
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

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>

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
    static const char kHex[] = "0123456789abcdef";
    std::string id(32, '0');
    for (const Key& k : packed_) {
      for (size_t i = 0; i < 16; ++i) {
        id[2 * i] = kHex[k[i] >> 4];
        id[2 * i + 1] = kHex[k[i] & 15];
      }
      fn(id);
    }
    for (const auto& s : other_) fn(s);
  }

 private:
  using Key = std::array<uint8_t, 16>;
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t h;
      std::memcpy(&h, k.data(), sizeof(h));  // the id is already a hash
      return static_cast<size_t>(h);
    }
  };
  static std::optional<Key> Pack(const std::string& id) {
    if (id.size() != 32) return std::nullopt;
    Key k;
    for (size_t i = 0; i < 16; ++i) {
      const int hi = Nibble(id[2 * i]), lo = Nibble(id[2 * i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      k[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return k;
  }
  static int Nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case or other: not the canonical form, kept as a string
  }
  std::unordered_set<Key, KeyHash> packed_;
  std::unordered_set<std::string> other_;
};

}  // namespace reportflow::ingest
