#include "common/storage/store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <rocksdb/db.h>

#include "reportflow/ingest/v1/ingest.pb.h"
#include "tests/testing/test_util.h"

namespace reportflow::storage {
namespace {

void ExerciseStore(Store& store) {
  ASSERT_OK(store.Put("a", "k1", "v1"));
  ASSERT_OK(store.Put("a", "k2", "v2"));
  ASSERT_OK(store.Put("a", "x1", "v3"));
  std::string v;
  ASSERT_OK(store.Get("a", "k1", &v));
  EXPECT_EQ(v, "v1");
  EXPECT_EQ(store.Get("a", "nope", &v).code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Get("b", "k1", &v).code(), StatusCode::kNotFound);
  std::vector<std::string> keys;
  ASSERT_OK(store.Scan("a", "k", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(keys, (std::vector<std::string>{"k1", "k2"}));
  WriteBatch batch;
  batch.Put("b", "k1", "bv");
  batch.Delete("a", "k1");
  ASSERT_OK(store.Write(batch));
  EXPECT_EQ(store.Get("a", "k1", &v).code(), StatusCode::kNotFound);
  ASSERT_OK(store.Get("b", "k1", &v));
  EXPECT_EQ(v, "bv");
  WriteBatch bad;
  bad.Put("zzz", "k", "v");
  EXPECT_FALSE(store.Write(bad).ok());
  ingest::v1::Rejection r;
  r.set_reason("because");
  ASSERT_OK(store.PutProto("a", "p", r));
  ingest::v1::Rejection back;
  ASSERT_OK(store.GetProto("a", "p", &back));
  EXPECT_EQ(back.reason(), "because");
  ASSERT_OK(store.Put("a", "garbage", "\xff\xff\xff"));
  EXPECT_EQ(store.GetProto("a", "garbage", &back).code(), StatusCode::kCorruption);
}

// Table files: two sorted runs ingested at once replace and delete what the
// store held under their keys; an empty file is skipped; keys out of order
// and files of another column family are refused.
void ExerciseTableFiles(Store& store) {
  ASSERT_OK(store.Put("a", "k1", "old"));
  ASSERT_OK(store.Put("a", "k3", "gone"));
  ASSERT_OK(store.Put("a", "k9", "kept"));
  std::vector<std::unique_ptr<TableFile>> files;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<TableFile> file, store.NewTableFile("a"));
    files.push_back(std::move(file));
  }
  ASSERT_OK(files[0]->Put("k1", "new"));
  ASSERT_OK(files[0]->Put("k2", "v2"));
  ASSERT_OK(files[1]->Delete("k3"));
  ASSERT_OK(files[1]->Put("k4", "v4"));
  EXPECT_FALSE(files[1]->Put("k4", "again").ok());  // not ascending
  ASSERT_OK(store.IngestTableFiles("a", std::move(files)));  // files[2] has no entries
  std::vector<std::string> rows;
  ASSERT_OK(store.Scan("a", "", [&](std::string_view k, std::string_view v) {
    rows.push_back(std::string(k) + "=" + std::string(v));
    return true;
  }));
  EXPECT_EQ(rows, (std::vector<std::string>{"k1=new", "k2=v2", "k4=v4", "k9=kept"}));
  std::vector<std::unique_ptr<TableFile>> other;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TableFile> b, store.NewTableFile("b"));
  ASSERT_OK(b->Put("k", "v"));
  other.push_back(std::move(b));
  EXPECT_EQ(store.IngestTableFiles("a", std::move(other)).code(), StatusCode::kInvalidArgument);
}

TEST(StoreTest, MemStoreTableFiles) {
  auto store = NewMemStore({"a", "b"});
  ExerciseTableFiles(*store);
}

// In RocksDB they are SST files linked into the store: their entries survive
// a reopen, and a file a crash left before its ingestion is removed then.
TEST(StoreTest, RocksDbStoreTableFiles) {
  testing::TempDir dir;
  const std::string path = (dir / "db").string();
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"a", "b"}));
    ExerciseTableFiles(*store);
    EXPECT_FALSE(store->NewTableFile("zzz").ok());
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<TableFile> left, store->NewTableFile("a"));
    ASSERT_OK(left->Put("k5", "never ingested"));
    std::ofstream(path + "/ingest-99.sst") << "what a crash mid-write leaves";
  }
  EXPECT_TRUE(std::filesystem::exists(path + "/ingest-99.sst"));
  ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"a", "b"}));
  EXPECT_FALSE(std::filesystem::exists(path + "/ingest-99.sst"));
  std::string v;
  ASSERT_OK(store->Get("a", "k1", &v));
  EXPECT_EQ(v, "new");
  EXPECT_EQ(store->Get("a", "k3", &v).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Get("a", "k5", &v).code(), StatusCode::kNotFound);
}

TEST(StoreTest, MemStore) {
  auto store = NewMemStore({"a", "b"});
  ExerciseStore(*store);
}

TEST(StoreTest, RocksDbStorePersistsAcrossReopen) {
  testing::TempDir dir;
  const std::string path = (dir / "db").string();
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"a", "b"}));
    ExerciseStore(*store);
    ASSERT_OK(store->Flush());
  }
  ASSERT_OK_AND_ASSIGN(auto ro, OpenRocksDbStore(path, {"a", "b"}, OpenMode::kReadOnly));
  std::string v;
  ASSERT_OK(ro->Get("a", "k2", &v));
  EXPECT_EQ(v, "v2");
  EXPECT_FALSE(ro->Put("a", "k", "v").ok());
  EXPECT_EQ(OpenRocksDbStore((dir / "none").string(), {"a"}, OpenMode::kReadOnly).status().code(),
            StatusCode::kNotFound);
}

// Families a store does not have yet are created at open (all in one step):
// a new store, and a store reopened with a family more than it was written
// with, whose values stay; each family keeps its own options (blob files).
TEST(StoreTest, RocksDbStoreCreatesMissingFamiliesAtOpen) {
  testing::TempDir dir;
  const std::string path = (dir / "db").string();
  StoreTuning tuning;
  tuning.blob_min_bytes = 64;
  tuning.blob_families = {"big"};
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"a", "big"}, OpenMode::kReadWrite, tuning));
    ASSERT_OK(store->Put("a", "k", "v"));
    ASSERT_OK(store->Put("big", "k", std::string(100, 'x')));
  }
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"a", "big", "c", "d"}, OpenMode::kReadWrite, tuning));
    std::string v;
    ASSERT_OK(store->Get("a", "k", &v));
    EXPECT_EQ(v, "v");
    ASSERT_OK(store->Put("c", "k", "cv"));
    ASSERT_OK(store->Put("d", "k", "dv"));
    ASSERT_OK(store->Flush());
  }
  std::vector<std::string> families;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families).ok());
  std::sort(families.begin(), families.end());
  EXPECT_EQ(families, (std::vector<std::string>{"a", "big", "c", "d", "default"}));
  ASSERT_OK_AND_ASSIGN(auto ro, OpenRocksDbStore(path, {}, OpenMode::kReadOnly, tuning));
  for (const auto& [cf, want] : std::vector<std::pair<std::string, std::string>>{
           {"a", "v"}, {"big", std::string(100, 'x')}, {"c", "cv"}, {"d", "dv"}}) {
    std::string v;
    ASSERT_OK(ro->Get(cf, "k", &v));
    EXPECT_EQ(v, want) << cf;
  }
}

TEST(StoreTest, ReadOnlyOpenWorksWhileWriterHoldsTheStore) {
  testing::TempDir dir;
  const std::string path = (dir / "db").string();
  ASSERT_OK_AND_ASSIGN(auto rw, OpenRocksDbStore(path, {"a"}));
  ASSERT_OK(rw->Put("a", "k", "v"));
  ASSERT_OK(rw->Flush());
  ASSERT_OK_AND_ASSIGN(auto ro, OpenRocksDbStore(path, {"a"}, OpenMode::kReadOnly));
  std::string v;
  ASSERT_OK(ro->Get("a", "k", &v));
  EXPECT_EQ(v, "v");
}

// Flips one byte in the middle of a blob file of the store at `path`; false
// when the store has no blob file.
bool FlipAByteOfABlobFile(const std::string& path) {
  std::filesystem::path blob;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    if (e.path().extension() == ".blob") blob = e.path();
  }
  if (blob.empty()) return false;
  std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
  const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(blob) / 2);
  f.seekg(middle);
  char c = 0;
  f.get(c);
  f.seekp(middle);
  f.put(static_cast<char>(c ^ 0x5a));
  return true;
}

// Large values live in blob files (StoreTuning::blob_min_bytes): they read
// back as written across a reopen, and a flipped byte in a blob file is damage
// found when the store opens, as in a table file.
TEST(StoreTest, LargeValuesInBlobFilesAndTheirDamageIsFoundAtOpen) {
  testing::TempDir dir;
  const std::string path = (dir / "db").string();
  StoreTuning tuning;
  tuning.blob_min_bytes = 1024;
  auto value_of = [](int i) { return std::string(4096, static_cast<char>('a' + i % 26)) + std::to_string(i); };
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"a"}, OpenMode::kReadWrite, tuning));
    for (int i = 0; i < 50; ++i) ASSERT_OK(store->Put("a", "k" + std::to_string(i), value_of(i)));
    ASSERT_OK(store->Put("a", "small", "v"));
    ASSERT_OK(store->Flush());
  }
  // Reopening replays the log and flushes it to a table file and a blob file.
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"a"}, OpenMode::kReadWrite, tuning));
    std::string v;
    for (int i = 0; i < 50; ++i) {
      ASSERT_OK(store->Get("a", "k" + std::to_string(i), &v));
      EXPECT_EQ(v, value_of(i));
    }
    ASSERT_OK(store->Get("a", "small", &v));
    EXPECT_EQ(v, "v");
  }
  ASSERT_TRUE(FlipAByteOfABlobFile(path)) << "no blob file in " << path;
  EXPECT_EQ(OpenRocksDbStore(path, {"a"}, OpenMode::kReadWrite, tuning).status().code(), StatusCode::kCorruption);
}

// A probed family (StoreTuning::probed_families: a Bloom filter over its
// memtables) answers point reads exactly, present and absent keys alike, from
// the memtable, after a flush and after a reopen; its large values still go
// to blob files, which opening still checks. So does a family read once
// (StoreTuning::read_once_families: its reads put no data block in the
// block cache), from table files whose index and filter blocks are cached.
TEST(StoreTest, ProbedFamiliesAnswerPointReadsExactly) {
  testing::TempDir dir;
  const std::string path = (dir / "db").string();
  StoreTuning tuning;
  tuning.blob_min_bytes = 1024;
  tuning.blob_families = {"p"};
  tuning.probed_families = {"p", "q"};
  tuning.read_once_families = {"q"};
  auto value_of = [](int i) { return i % 2 ? std::string(2048, static_cast<char>('a' + i % 26)) : std::to_string(i); };
  auto check = [&](Store& store) {
    std::string v;
    for (int i = 0; i < 400; ++i) {
      const std::string key = "k" + std::to_string(i);
      for (const char* cf : {"p", "q"}) {
        if (i % 4 == 3) {
          EXPECT_EQ(store.Get(cf, key, &v).code(), StatusCode::kNotFound) << cf << " " << key;
          continue;
        }
        ASSERT_OK(store.Get(cf, key, &v));
        EXPECT_EQ(v, value_of(i)) << cf << " " << key;
      }
    }
  };
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"p", "q"}, OpenMode::kReadWrite, tuning));
    WriteBatch batch;
    for (int i = 0; i < 400; ++i) {
      const std::string key = "k" + std::to_string(i);
      for (const char* cf : {"p", "q"}) batch.Put(cf, key, i % 4 == 3 ? "gone" : value_of(i));
      if (i % 4 == 3) {
        batch.Delete("p", key);
        batch.Delete("q", key);
      }
    }
    ASSERT_OK(store->Write(batch));
    check(*store);
    ASSERT_OK(store->Flush());
    check(*store);
  }
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(path, {"p", "q"}, OpenMode::kReadWrite, tuning));
    check(*store);
  }
  ASSERT_TRUE(FlipAByteOfABlobFile(path)) << "no blob file in " << path;
  EXPECT_EQ(OpenRocksDbStore(path, {"p", "q"}, OpenMode::kReadWrite, tuning).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace reportflow::storage
