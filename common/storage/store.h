// Store: the storage seam. Each service persists what it produces in its own
// store before forwarding it, so a restarted stage resumes without loss.
//
// A store holds named column families of ordered key/value pairs. The key
// layout of each service is documented in common/storage/README.md.
// Implementations: RocksDbStore (production) and MemStore (tests).
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <google/protobuf/message_lite.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace reportflow::storage {

// A set of writes applied atomically.
class WriteBatch {
 public:
  struct Op {
    std::string cf;
    std::string key;
    std::optional<std::string> value;  // nullopt = delete
    // The writer read `key` just before and found it absent: whoever counts
    // the records a batch adds need not look it up again.
    bool absent_before = false;
  };
  void Put(std::string_view cf, std::string_view key, std::string_view value) {
    ops_.push_back({std::string(cf), std::string(key), std::string(value)});
  }
  // Serialises `msg` as the value; `absent_before` as in Op.
  void PutProto(std::string_view cf, std::string_view key, const google::protobuf::MessageLite& msg,
                bool absent_before = false) {
    ops_.push_back({std::string(cf), std::string(key), msg.SerializeAsString(), absent_before});
  }
  void Delete(std::string_view cf, std::string_view key) {
    ops_.push_back({std::string(cf), std::string(key), std::nullopt});
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }

 private:
  std::vector<Op> ops_;
};

// A sorted run of one column family's puts and deletes, written apart and
// then added to its store whole (Store::IngestTableFiles): for bulk writes,
// such as a checkpoint of every rollup, which through the write-ahead log and
// the memtables would be written twice and wait behind their flushes. Keys
// strictly ascending (bytewise) across Put and Delete; one thread per file.
class TableFile {
 public:
  virtual ~TableFile() = default;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Delete(std::string_view key) = 0;
};

// Return false from a scan callback to stop early.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

class Store {
 public:
  virtual ~Store() = default;

  virtual Status Put(std::string_view cf, std::string_view key, std::string_view value) = 0;
  // NotFound if the key is absent.
  virtual Status Get(std::string_view cf, std::string_view key, std::string* value) const = 0;
  virtual Status Delete(std::string_view cf, std::string_view key) = 0;
  virtual Status Write(const WriteBatch& batch) = 0;
  // Visits keys starting with `prefix` in key order.
  virtual Status Scan(std::string_view cf, std::string_view prefix, const ScanFn& fn) const = 0;
  // Makes every write so far durable in the store's files.
  virtual Status Flush() = 0;

  // A table file for `cf`. Several may be written at once, each by one thread.
  virtual Result<std::unique_ptr<TableFile>> NewTableFile(std::string_view cf);
  // Adds the files' entries to `cf` in one step, durable on return: they
  // replace what the store holds under the same keys. The files' key ranges
  // must not overlap. The default (in-memory stores, test stores) buffers a
  // file's entries and writes them all as one batch through Write(); a store
  // overriding one of these two overrides both.
  virtual Status IngestTableFiles(std::string_view cf, std::vector<std::unique_ptr<TableFile>> files);

  // Convenience: parse a stored proto. NotFound if absent, Corruption if unparsable.
  Status GetProto(std::string_view cf, std::string_view key, google::protobuf::MessageLite* msg) const;
  Status PutProto(std::string_view cf, std::string_view key, const google::protobuf::MessageLite& msg);
};

enum class OpenMode { kReadWrite, kReadOnly };

// How much memory a RocksDB store may hold, chosen per store by what it keeps.
struct StoreTuning {
  size_t memtable_budget_bytes = 48u << 20;  // all column families' memtables together
  size_t write_buffer_bytes = 24u << 20;     // one column family's memtable
  size_t block_cache_bytes = 0;              // blocks read back; 0: RocksDB's default cache
  // Values of at least this size live in blob files beside the tables (0:
  // every value in the tables). Documents, segmentations, extractions and
  // contributions are written once and never reordered: in blob files they
  // are written once at flush, and compaction moves only keys and references
  // instead of rewriting every value level after level.
  size_t blob_min_bytes = 1024;
  // The column families whose large values go to blob files; empty: every
  // family. Only families written once belong here: blob files are not
  // garbage-collected (see rocksdb_store.cc), so a value replaced stays on
  // disk as garbage.
  std::vector<std::string> blob_families;
  // The column families read by point lookups of keys that are usually absent
  // (a document's previous result or ledger entry, looked up for every new
  // document): their memtables get a whole-key Bloom filter.
  std::vector<std::string> probed_families;
  // The column families whose values are read back at most once (a probe's
  // miss, a document delivered again, a fingerprint read for a pair found):
  // their point reads leave the block cache to index and filter blocks and to
  // the other families (rocksdb_store.cc).
  std::vector<std::string> read_once_families;
  // Read-write opening reads every table file once to check its block
  // checksums (RocksDB's VerifyChecksum), so damage is found at start.
  bool verify_checksums_on_open = true;
};

// Opens (creating if needed, in read-write mode) a RocksDB store at `path`
// with the given column families. Read-only mode takes no lock, so a CLI can
// read a store while its service runs (it sees the state as of opening).
// A damaged store (a garbled CURRENT or MANIFEST, a file they name missing, a
// WAL record or table block failing its checksum) is Corruption, never opened
// with records silently dropped.
Result<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& path, const std::vector<std::string>& column_families,
                                                OpenMode mode = OpenMode::kReadWrite, const StoreTuning& tuning = {});

// An in-memory store for tests.
std::unique_ptr<Store> NewMemStore(const std::vector<std::string>& column_families);

// A full disk (ENOSPC; RocksDB's IOStatus NoSpace) is ResourceExhausted with
// the message "no space left on <path>: <detail>": an operator message, and
// services stop on it rather than retry (common/service: exit kExitNoSpace).
Status NoSpaceError(std::string_view path, std::string_view detail);
bool IsNoSpace(const Status& s);

}  // namespace reportflow::storage
