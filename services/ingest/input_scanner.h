// InputScanner: walks the operator's paths (files, folders, archives) one item
// at a time, so ingest never holds the corpus in memory.
//
// Each call to Next() yields either a file's bytes or a rejection with its
// reason: nothing is skipped silently. Folders are walked depth-first in
// sorted order (deterministic); symlinked folders are not followed (loop
// protection) and are reported; a symlinked file is followed only when it
// stays inside the input tree it was found in (unless
// follow_external_symlinks), so a link to /etc/hostname is rejected.
// Sources are escaped (common/text/escaped_name.h): a file name's bytes,
// invalid UTF-8 or control characters included, are kept reversibly and can
// neither poison the ledger nor forge report lines. Zip entry names are
// decoded as the zip's flag says: UTF-8, or else GB18030 (GBK). Archives (.zip, .tar, .tar.gz, .tgz, detected
// from their bytes) are expanded through libarchive with per-entry size,
// total size and compression-ratio limits; entry names with absolute paths or
// ".." are rejected (path traversal). Office packages (.docx and other zips
// whose entry names make them a document, see zip_probe.h) are yielded whole,
// not expanded.
//
// With a DecodeSandbox (ScanLimits::decode_sandbox), the heavy formats
// (PDF, .docx, HTML) are decoded in the sandbox while the scanner reads a few
// items ahead (kDecodeLookahead); items still come out in scan order, the
// heavy ones already decoded (ScanItem::decoded) or rejected with the
// decoder's reason. While the next item's decode runs, Next() yields an item
// with `waiting` set and never blocks; the sandbox wakes the caller's loop.
//
// Thread-safety: not thread-safe; one scanner per batch.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reportflow/ingest/v1/ingest.pb.h"
#include "services/ingest/decode_sandbox.h"
#include "services/ingest/document_decoder.h"

namespace reportflow::ingest {

struct ScanLimits {
  uint64_t max_file_bytes = 16u << 20;        // per file or archive entry
  uint64_t max_archive_total_bytes = 1u << 30; // expanded bytes per archive
  uint32_t max_archive_ratio = 200;           // expanded / compressed
  uint32_t max_archive_entries = 100000;
  uint32_t max_depth = 64;                    // folder nesting
  bool follow_external_symlinks = false;      // follow links that lead outside the input tree
  DecodeSandbox* decode_sandbox = nullptr;    // heavy formats decoded there (not owned); null: by the caller
};

struct ScanItem {
  std::string source;   // path as found, escaped; archive entries: archive!/entry
  std::string bytes;    // empty when rejected
  bool rejected = false;
  ingest::v1::Rejection rejection;
  // Decoded in the sandbox (bytes then empty); otherwise the caller decodes `bytes`.
  std::optional<DecodeOutcome> decoded;
  // Nothing to take yet: the next item's decode is running (see the file comment).
  bool waiting = false;
};

class InputScanner {
 public:
  InputScanner(std::vector<std::string> paths, ScanLimits limits);
  ~InputScanner();
  // Items read ahead while a heavy item decodes in the sandbox.
  static constexpr size_t kDecodeLookahead = 4;

  // Fills `item` with the next file or rejection (or `waiting`); false when every path is done.
  bool Next(ScanItem* item);
  // The last Next() was `waiting` and that decode still runs.
  bool waiting() const;
  // Files and archive entries seen so far (documents + rejections).
  uint64_t items_seen() const { return items_seen_; }

 private:
  struct Ahead {
    ScanItem item;
    std::shared_ptr<DecodeSandbox::Job> job;
  };
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::deque<Ahead> ahead_;  // read, not yet yielded (with a sandbox)
  bool walked_ = false;      // the walk is over
  uint64_t items_seen_ = 0;
};

// True if `bytes` start like an archive that InputScanner expands.
bool LooksLikeArchive(std::string_view bytes);

}  // namespace reportflow::ingest
