// Layout: the structure found by Segmenter, in normalised-character indices
// of a MatchText. Internal to services/segment (shared by the segmenter and
// the metadata extractor); not a public contract.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "reportflow/segment/v1/segment.pb.h"

namespace reportflow::segment {

struct Piece {
  segment::v1::BlockKind kind;
  uint32_t begin;  // normalised-char index, inclusive
  uint32_t end;    // exclusive
  int section;     // innermost section, -1 if none
};

struct SectionInfo {
  uint32_t begin;  // heading start
  uint32_t heading_end;
  int level;       // 1 = top level
  segment::v1::SectionKind kind;
  int parent;      // -1 for top level
  bool inherited;  // kind copied from the parent
};

struct Layout {
  std::vector<Piece> pieces;         // in text order, non-overlapping
  std::vector<SectionInfo> sections; // in text order
  // Page-number lines ([begin, end) char ranges, in order): inside a block
  // they are kept in its span but skipped by sentence segmentation.
  std::vector<std::pair<uint32_t, uint32_t>> skipped;
};

}  // namespace reportflow::segment
