// InputCensus: a fast count of a batch's inputs before it runs, from names
// and sizes only (no file is opened), so `run` knows the total from the start
// however slowly ingest's scan advances under backpressure.
//
// Paths are walked as ingest's InputScanner walks them (services/ingest/
// input_scanner.h: roots in order, folders depth-first in sorted order,
// symlinked folders not followed, at most `max_depth` levels), one item per
// file or per entry ingest will reject (a symlinked folder, a device, a
// folder too deep), so item i here is item i there and the bytes ingest has
// read are a prefix sum. Archives (by name: .zip .tar .tgz .tar.gz .tar.bz2
// .tar.xz) are listed from their headers (libarchive, no data inflated
// beyond what a compressed tar needs): one item per entry that is not a
// folder, of its expanded size. An archive libarchive cannot list counts as
// one item (ingest rejects it) and makes the total inexact.
// Thread-safety: a free function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reportflow::cli {

struct InputCensus {
  uint64_t items = 0;    // files, archive entries, and entries ingest will reject
  uint64_t bytes = 0;    // their sizes (archive entries: expanded)
  uint64_t archives = 0;
  uint64_t unlisted_archives = 0;  // archives whose entries could not be listed
  std::vector<uint64_t> prefix_bytes;  // prefix_bytes[i]: bytes of the first i items (size items + 1)
  double seconds = 0;    // how long the count took

  // Bytes of the first `items_read` items (clamped to the total).
  uint64_t BytesOfFirst(uint64_t items_read) const;
};

InputCensus CountInputs(const std::vector<std::string>& paths, uint32_t max_depth = 64);

// The paths of `paths` that do not exist (checked before anything starts;
// CountInputs counts each as one item, which ingest rejects).
std::vector<std::string> MissingInputs(const std::vector<std::string>& paths);

}  // namespace reportflow::cli
