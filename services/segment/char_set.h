// CharSet: a set of BMP characters with O(1) membership, for the scanning
// loops of segmentation (a static bitmap: no indirection, no allocation).
// Characters outside the BMP are never members.
// Thread-safety: immutable after construction.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace reportflow::segment {

class CharSet {
 public:
  explicit CharSet(std::u32string_view chars) {
    for (char32_t c : chars) {
      if (c < 0x10000) bits_[c >> 6] |= uint64_t{1} << (c & 63);
    }
  }
  bool Has(char32_t c) const { return c < 0x10000 && ((bits_[c >> 6] >> (c & 63)) & 1); }

 private:
  std::array<uint64_t, 0x10000 / 64> bits_{};
};

}  // namespace reportflow::segment
