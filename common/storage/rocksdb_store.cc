// RocksDbStore: the production Store. rocksdb::Status never leaves this file.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "common/base/macros.h"
#include "common/storage/store.h"

namespace reportflow::storage {
namespace {

// `path`: the store the failed call was on (a full disk names it).
Status FromRocks(const rocksdb::Status& s, std::string_view what, std::string_view path = {}) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  // NoSpace, also when RocksDB repeats a background error (flush,
  // compaction) whose subcode it may not carry over.
  if (s.IsNoSpace() || s.ToString().find("No space left on device") != std::string::npos) {
    constexpr std::string_view kOpen = "open store ";
    if (path.empty() && what.substr(0, kOpen.size()) == kOpen) path = what.substr(kOpen.size());
    return NoSpaceError(path.empty() ? "the store's disk" : path, msg);
  }
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(msg);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return Status::Unavailable(msg);
  return Status::IoError(msg);
}

// RocksDB's own messages (warnings and errors) go to the service's stderr
// (its log), not to a LOG file inside the store: after one failed write, a
// full disk, Debian's RocksDB (built with assertions) aborts when its LOG
// writer is used again ("Assertion `sync_without_flush_called_' failed").
class StderrLogger : public rocksdb::Logger {
 public:
  explicit StderrLogger(std::string path) : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), path_(std::move(path)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[2048];
    std::vsnprintf(line, sizeof(line), format, ap);
    // Table files ingested whole (Store::TableFile) carry no unique id for
    // RocksDB to check against its manifest; it says so whenever it opens
    // one, and there is nothing to act on.
    if (std::strstr(line, "opened without unique ID to verify") != nullptr) return;
    std::fprintf(stderr, "rocksdb %s: %s\n", path_.c_str(), line);
  }

 private:
  std::string path_;
};

// Table files are written in the store's directory under this prefix and
// linked into the store as they are ingested; one a crash left is removed at
// the next read-write opening.
constexpr std::string_view kTableFilePrefix = "ingest-";
// A probed family's memtable Bloom filter: 2% of its write buffer (160 KB for
// 8 MB), tens of bits per key for the records these families hold.
constexpr double kProbedMemtableBloomRatio = 0.02;

// A table file for RocksDB: an SST file written by SstFileWriter with the
// column family's options (format, checksums, Bloom filter).
class RocksDbTableFile : public TableFile {
 public:
  RocksDbTableFile(std::string path, const rocksdb::Options& options, rocksdb::ColumnFamilyHandle* cf)
      : path_(std::move(path)),
        cf_(cf),
        writer_(rocksdb::EnvOptions(options), options, cf, /*invalidate_page_cache=*/false) {}
  ~RocksDbTableFile() override {
    std::error_code ec;
    std::filesystem::remove(path_, ec);  // gone already once ingested (moved into the store)
  }
  Status Open() { return FromRocks(writer_.Open(path_), "table file " + path_); }
  Status Put(std::string_view key, std::string_view value) override {
    ++entries_;
    return FromRocks(writer_.Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size())),
                     "table file " + path_);
  }
  Status Delete(std::string_view key) override {
    ++entries_;
    return FromRocks(writer_.Delete(rocksdb::Slice(key.data(), key.size())), "table file " + path_);
  }
  // Ends the file; false when it holds nothing (RocksDB refuses empty files).
  Result<bool> Finish() {
    if (entries_ == 0) return false;
    RETURN_IF_ERROR(FromRocks(writer_.Finish(), "table file " + path_));
    return true;
  }
  const std::string& path() const { return path_; }
  rocksdb::ColumnFamilyHandle* cf() const { return cf_; }

 private:
  std::string path_;
  rocksdb::ColumnFamilyHandle* cf_;
  rocksdb::SstFileWriter writer_;
  uint64_t entries_ = 0;
};

class RocksDbStore : public Store {
 public:
  RocksDbStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles, bool read_only,
               const std::vector<std::string>& read_once_families)
      : db_(std::move(db)), read_only_(read_only) {
    for (auto* h : handles) {
      handles_[h->GetName()] = h;
      if (std::find(read_once_families.begin(), read_once_families.end(), h->GetName()) != read_once_families.end()) {
        read_once_families_.push_back(h);
      }
    }
    // A data block of a family read once (StoreTuning::read_once_families: a
    // probe's Bloom filter false positive, a document delivered again) is not
    // read a second time, so it does not go into the block cache. Those blocks
    // filled it: jemalloc heap profiles over a 100k-report run had the whole
    // cache in them (segment 3.9 MB of 4, ingest 3.7, aggregate 7.6 of 8;
    // at 10k 0.2, 0.2 and 1.1), so the cache made memory grow with the
    // corpus up to its cap. Filter and index partitions still go to the cache
    // (their top level is pinned when a table file opens): a read of a million-
    // key family found its filter partitions there (BM_ProbeLargeFamily under
    // strace: 34,066 preads for ~125,000 reads, present keys' data blocks and
    // the fill's compactions included).
    uncached_read_.fill_cache = false;
  }
  ~RocksDbStore() override {
    for (auto& [name, h] : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }

  Status Put(std::string_view cf, std::string_view key, std::string_view value) override {
    WriteBatch b;
    b.Put(cf, key, value);
    return Write(b);
  }
  Status Get(std::string_view cf, std::string_view key, std::string* value) const override {
    auto* h = Handle(cf);
    if (!h) return UnknownCf(cf);
    const bool once = std::find(read_once_families_.begin(), read_once_families_.end(), h) != read_once_families_.end();
    const rocksdb::ReadOptions& read = once ? uncached_read_ : default_read_;
    return FromRocks(db_->Get(read, h, rocksdb::Slice(key.data(), key.size()), value), "get " + std::string(cf));
  }
  Status Delete(std::string_view cf, std::string_view key) override {
    WriteBatch b;
    b.Delete(cf, key);
    return Write(b);
  }
  Status Write(const WriteBatch& batch) override {
    if (read_only_) return Status::InvalidArgument("store opened read-only");
    // Reserved up front: a group's batch can be megabytes, and growing it
    // step by step copies it again and again.
    size_t bytes = 64;
    for (const auto& op : batch.ops()) bytes += op.key.size() + (op.value ? op.value->size() : 0) + 16;
    rocksdb::WriteBatch wb(bytes);
    for (const auto& op : batch.ops()) {
      auto* h = Handle(op.cf);
      if (!h) return UnknownCf(op.cf);
      rocksdb::Status s = op.value ? wb.Put(h, op.key, *op.value) : wb.Delete(h, op.key);
      if (!s.ok()) return FromRocks(s, "batch");
    }
    return FromRocks(db_->Write(rocksdb::WriteOptions(), &wb), "write", db_->GetName());
  }
  Status Scan(std::string_view cf, std::string_view prefix, const ScanFn& fn) const override {
    auto* h = Handle(cf);
    if (!h) return UnknownCf(cf);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
    for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
      const rocksdb::Slice k = it->key();
      if (!k.starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
      const rocksdb::Slice v = it->value();
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
    }
    return FromRocks(it->status(), "scan " + std::string(cf));
  }
  Status Flush() override {
    if (read_only_) return Status::OK();
    return FromRocks(db_->FlushWAL(/*sync=*/true), "flush", db_->GetName());
  }
  Result<std::unique_ptr<TableFile>> NewTableFile(std::string_view cf) override {
    if (read_only_) return Status::InvalidArgument("store opened read-only");
    auto* h = Handle(cf);
    if (!h) return UnknownCf(cf);
    const std::string path = db_->GetName() + "/" + std::string(kTableFilePrefix) +
                             std::to_string(next_table_file_.fetch_add(1)) + ".sst";
    auto file = std::make_unique<RocksDbTableFile>(path, db_->GetOptions(h), h);
    RETURN_IF_ERROR(file->Open());
    return std::unique_ptr<TableFile>(std::move(file));
  }
  Status IngestTableFiles(std::string_view cf, std::vector<std::unique_ptr<TableFile>> files) override {
    auto* h = Handle(cf);
    if (!h) return UnknownCf(cf);
    std::vector<std::string> paths;
    for (const auto& file : files) {
      auto* f = dynamic_cast<RocksDbTableFile*>(file.get());
      if (f == nullptr || f->cf() != h) {
        return Status::InvalidArgument("table file of another store or column family than " + std::string(cf));
      }
      ASSIGN_OR_RETURN(bool written, f->Finish());
      if (written) paths.push_back(f->path());
    }
    if (paths.empty()) return Status::OK();
    rocksdb::IngestExternalFileOptions options;
    options.move_files = true;  // linked into the store, not copied
    return FromRocks(db_->IngestExternalFile(h, paths, options), "ingest into " + std::string(cf), db_->GetName());
  }

 private:
  static Status UnknownCf(std::string_view cf) { return Status::InvalidArgument("unknown column family " + std::string(cf)); }
  rocksdb::ColumnFamilyHandle* Handle(std::string_view cf) const {
    auto it = handles_.find(std::string(cf));
    return it == handles_.end() ? nullptr : it->second;
  }
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<rocksdb::ColumnFamilyHandle*> read_once_families_;  // StoreTuning::read_once_families
  rocksdb::ReadOptions uncached_read_, default_read_;
  std::atomic<uint64_t> next_table_file_{0};
  bool read_only_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& path, const std::vector<std::string>& column_families,
                                                OpenMode mode, const StoreTuning& tuning) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_open_files = 256;
  options.keep_log_file_num = 2;
  // Table files are opened on the opening thread. RocksDB otherwise starts
  // (and joins) 15 threads per column family at every open, whether the family
  // has table files or not: ~100 threads across the four services at every
  // start, for at most 16 files per family (what an open loads).
  options.max_file_opening_threads = 1;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.info_log = std::make_shared<StderrLogger>(path);
  // Memtables of all column families together stay under this budget (each
  // alone may use up to write_buffer_size): the store's memory is flat
  // however large the corpus grows.
  options.db_write_buffer_size = tuning.memtable_budget_bytes;
  // A family written rarely (the store id in `default`, ingest's batches)
  // would otherwise keep every log since its last write: at the end of a 20k
  // run extract kept 21 logs (84 MB), all read again at the next start. Past
  // twice the memtable budget, RocksDB flushes the families holding the
  // oldest log (a few keys) and drops it.
  if (tuning.memtable_budget_bytes > 0) options.max_total_wal_size = 2 * tuning.memtable_budget_bytes;
  rocksdb::ColumnFamilyOptions cf_options;
  // Larger memtables: fewer flushes and level-0 files (so less compaction)
  // for the stream of once-written records every stage produces.
  cf_options.write_buffer_size = tuning.write_buffer_bytes;
  // Keys of every family are doc ids (hashed at random) or spread as widely,
  // so each compaction of level 0 into level 1 rewrites all of level 1, which
  // holds nearly the whole family below 256 MB: the more often it runs, the
  // more it rewrites. Compacting at 8 files rather than RocksDB's 4 halves
  // that (flush and compaction CPU of a 100k-report run over the four stores:
  // 8.3-9.1 s -> 5.9-6.5 s; aggregate's `heads` had a write amplification of
  // 8.5); a point read checks a few more level-0 Bloom filters, which stay
  // pinned in the cache.
  cf_options.level0_file_num_compaction_trigger = 8;
  // No compression: almost everything is written once (documents, results,
  // contributions) and read rarely, so snappy on flush and compaction is CPU
  // spent for disk nobody is short of; rollups are rewritten but compact.
  cf_options.compression = rocksdb::kNoCompression;
  cf_options.bottommost_compression = rocksdb::kNoCompression;
  // No Bloom filter over the memtables by default. Each memtable of every
  // family would get one of 5% of write_buffer_size (400 KB, zeroed and
  // faulted in when the memtable is created, whatever the family holds):
  // aggregate's ten families spent ~55 ms of CPU on them at every start.
  // Only the families probed for absent keys have one (probed_families).
  // Most point reads are for keys that may not exist yet (a document's
  // previous contribution or result): a Bloom filter answers those without
  // reading data blocks.
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Debian's librocksdb is a portable build: its CRC32C is software ("Not
  // supported on x86" from rocksdb::crc32c::IsFastCrc32Supported(), although
  // the CPUs have SSE4.2). Table blocks use XXH3 instead (fast without special
  // instructions; the type is recorded per file, so older files still read).
  // The WAL's and blob files' formats have no choice: their records stay
  // CRC32C, computed in hardware all the same (rocksdb_crc32c.cc).
  table_options.checksum = rocksdb::kXXH3;
  if (tuning.block_cache_bytes > 0) table_options.block_cache = rocksdb::NewLRUCache(tuning.block_cache_bytes);
  // Index and filter blocks live in the block cache, not beside it: otherwise
  // every open table file keeps its own on the heap, and their sum grows with
  // the store (about 1% of its size), so a store's memory would not stay flat
  // as the corpus grows. Level-0 files' (the newest, read most) stay pinned;
  // the others compete with data blocks at high priority.
  table_options.cache_index_and_filter_blocks = true;
  table_options.cache_index_and_filter_blocks_with_high_priority = true;
  table_options.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned: a table file's filter and index are cut into blocks of
  // metadata_block_size, found through a small top-level index (pinned), so
  // the cache holds the partitions probes use. Whole, a file's filter is one
  // block of 10 bits per key: past ~420,000 keys it is larger than a cache
  // shard (512 KB: RocksDB's LRU cache splits 4-8 MB in shards of 512 KB),
  // so it was never kept and every point read loaded it again from the file
  // (bench/plumbing_bench, BM_ProbeLargeFamily: 0.15-0.18 ms per read at a
  // million keys, 3 us partitioned). Compaction makes level-1 files of 64 MB:
  // a million keys and more in the families keyed by document once a store
  // holds ~10^6 documents.
  table_options.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table_options.partition_filters = true;
  table_options.pin_top_level_index_and_filter = true;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  // Large values in blob files (StoreTuning::blob_min_bytes, blob_families):
  // with keys hashed at random, leveled compaction rewrote every stored
  // document, segmentation and extraction several times (compaction threads
  // took a tenth of the pipeline's CPU at 20,000 reports). No garbage
  // collection: it relocates the live values of the oldest blob files at every
  // compaction, which for values written once is the same rewriting again
  // (compaction took 5 times more CPU per report at 100,000 reports with it
  // than without). A value replaced (a document processed again) stays in
  // its blob file as garbage.
  rocksdb::ColumnFamilyOptions blob_cf_options = cf_options;
  if (tuning.blob_min_bytes > 0) {
    blob_cf_options.enable_blob_files = true;
    blob_cf_options.min_blob_size = tuning.blob_min_bytes;
    blob_cf_options.blob_compression_type = rocksdb::kNoCompression;
    blob_cf_options.enable_blob_garbage_collection = false;
  }
  const auto listed = [](const std::vector<std::string>& families, const std::string& family) {
    return std::find(families.begin(), families.end(), family) != families.end();
  };
  const auto blobs = [&](const std::string& family) {
    return tuning.blob_min_bytes > 0 && (tuning.blob_families.empty() || listed(tuning.blob_families, family));
  };
  // Families probed for keys that are usually absent (StoreTuning::
  // probed_families) get a Bloom filter over their memtables: a miss is then
  // answered by a few bits instead of a walk down a skiplist of random keys.
  rocksdb::ColumnFamilyOptions probed_cf_options = cf_options, probed_blob_cf_options = blob_cf_options;
  for (rocksdb::ColumnFamilyOptions* o : {&probed_cf_options, &probed_blob_cf_options}) {
    o->memtable_prefix_bloom_size_ratio = kProbedMemtableBloomRatio;
    o->memtable_whole_key_filtering = true;
  }
  auto options_of = [&](const std::string& family) -> const rocksdb::ColumnFamilyOptions& {
    if (listed(tuning.probed_families, family)) return blobs(family) ? probed_blob_cf_options : probed_cf_options;
    return blobs(family) ? blob_cf_options : cf_options;
  };

  std::vector<std::string> names = column_families;
  if (mode == OpenMode::kReadOnly) {
    if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT")) {
      return Status::NotFound("no store at " + path);
    }
    // Read-only opening must name every existing column family.
    std::vector<std::string> existing;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, path, &existing);
    if (!s.ok()) return FromRocks(s, "list column families of " + path);
    names = existing;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    // A store is private to the service user: 0700, whatever the umask made
    // of the files inside (reportflow run also starts services with umask 077).
    if (!ec) std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
    if (ec) return Status::IoError("cannot create store dir " + path + ": " + ec.message());
    // Table files a crash left before they were ingested.
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.path().filename().string().rfind(kTableFilePrefix, 0) == 0) std::filesystem::remove(entry.path(), ec);
    }
    if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end()) {
      names.insert(names.begin(), rocksdb::kDefaultColumnFamilyName);
    }
  }
  // Families a read-write store does not have yet are created after the open,
  // all in one call: created by the open itself, each would rewrite (and
  // parse back) the whole OPTIONS file, and aggregate's ten families took
  // ~75 ms of CPU to create at every new data directory's start.
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors, missing;
  if (mode == OpenMode::kReadWrite) {
    // A store whose families cannot be listed is opened with all of them, as
    // before, so that the open reports its damage as it always did.
    std::vector<std::string> existing;
    const bool listed = !std::filesystem::exists(std::filesystem::path(path) / "CURRENT") ||
                        rocksdb::DB::ListColumnFamilies(options, path, &existing).ok();
    for (const auto& n : names) {
      const bool present = !listed || n == rocksdb::kDefaultColumnFamilyName ||
                           std::find(existing.begin(), existing.end(), n) != existing.end();
      (present ? descriptors : missing).emplace_back(n, options_of(n));
    }
  } else {
    for (const auto& n : names) descriptors.emplace_back(n, options_of(n));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  // Damage is reported, never repaired silently: paranoid checks, and a WAL
  // record that fails its checksum in the middle of a log fails the open
  // (RocksDB's default, point-in-time recovery, stops replaying there and
  // drops every later record without a word). Only an incomplete record at
  // the very end of a log, what a crash mid-append leaves, is tolerated.
  options.paranoid_checks = true;
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  rocksdb::Status s = mode == OpenMode::kReadOnly
                          ? rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles, &raw)
                          : rocksdb::DB::Open(options, path, descriptors, &handles, &raw);
  // A file that CURRENT or the MANIFEST names and that is gone is damage too.
  if (!s.ok() && s.IsPathNotFound()) return Status::Corruption("open store " + path + ": " + s.ToString());
  if (!s.ok()) return FromRocks(s, "open store " + path);
  if (!missing.empty()) {
    std::vector<rocksdb::ColumnFamilyHandle*> created;
    s = raw->CreateColumnFamilies(missing, &created);
    handles.insert(handles.end(), created.begin(), created.end());
    if (!s.ok()) {
      for (auto* h : handles) raw->DestroyColumnFamilyHandle(h).PermitUncheckedError();
      delete raw;
      return FromRocks(s, "create column families in " + path);
    }
  }
  auto store = std::unique_ptr<Store>(new RocksDbStore(std::unique_ptr<rocksdb::DB>(raw), handles,
                                                       mode == OpenMode::kReadOnly, tuning.read_once_families));
  if (mode == OpenMode::kReadWrite && tuning.verify_checksums_on_open) {
    // Every table block against its checksum (XXH3): a flipped byte in an
    // SST file is found at start, not when a reader happens to touch it.
    s = raw->VerifyChecksum();
    if (!s.ok()) return Status::Corruption("verify store " + path + ": " + s.ToString());
    // VerifyChecksum reads table files only (RocksDB 7.8); values in blob
    // files carry their own CRC, checked when read: read every one once.
    if (tuning.blob_min_bytes > 0) {
      rocksdb::ReadOptions all;
      all.verify_checksums = true;
      all.fill_cache = false;
      for (rocksdb::ColumnFamilyHandle* h : handles) {
        if (!blobs(h->GetName())) continue;
        std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(all, h));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
        }
        if (!it->status().ok()) return Status::Corruption("verify store " + path + ": " + it->status().ToString());
      }
    }
  }
  return store;
}

}  // namespace reportflow::storage
