#include "common/storage/store_identity.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>

#include "common/base/macros.h"

namespace reportflow::storage {
namespace {

constexpr char kMetaCf[] = "default";  // every RocksDB store has it
constexpr char kStoreIdKey[] = "store_id";

std::string NewStoreId() {
  std::random_device rd;
  const uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(std::time(nullptr));
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string UtcStamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::vector<std::string> WithMeta(std::vector<std::string> cfs) {
  if (std::find(cfs.begin(), cfs.end(), kMetaCf) == cfs.end()) cfs.insert(cfs.begin(), kMetaCf);
  return cfs;
}

}  // namespace

Result<std::string> LoadOrCreateStoreId(Store& store, bool* created) {
  if (created) *created = false;
  std::string id;
  Status s = store.Get(kMetaCf, kStoreIdKey, &id);
  if (s.ok() && !id.empty()) return id;
  if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  id = NewStoreId();
  RETURN_IF_ERROR(store.Put(kMetaCf, kStoreIdKey, id));
  RETURN_IF_ERROR(store.Flush());
  if (created) *created = true;
  return id;
}

Result<IdentifiedStore> OpenIdentifiedStore(const std::string& path, const std::vector<std::string>& column_families,
                                            OnDamage on_damage, const StoreTuning& tuning) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool existed = fs::exists(fs::path(path) / "CURRENT", ec);
  const std::vector<std::string> cfs = WithMeta(column_families);
  IdentifiedStore out;
  auto opened = OpenRocksDbStore(path, cfs, OpenMode::kReadWrite, tuning);
  if (!opened.ok() && opened.status().code() == StatusCode::kCorruption) {
    if (on_damage == OnDamage::kFail) {
      return Status::Corruption("store " + path + " is damaged and cannot be rebuilt from upstream (" +
                                opened.status().message() +
                                "); restore it from a backup, or move it aside to start this data dir over");
    }
    const std::string aside = path + ".damaged-" + UtcStamp();
    fs::rename(path, aside, ec);
    if (ec) {
      return Status::Corruption("store " + path + " is damaged (" + opened.status().message() +
                                ") and cannot be moved aside to " + aside + ": " + ec.message());
    }
    out.note = "store " + path + " was damaged (" + opened.status().message() + "); moved aside to " + aside +
               " and rebuilt empty";
    opened = OpenRocksDbStore(path, cfs, OpenMode::kReadWrite, tuning);
  }
  if (!opened.ok()) return opened.status();
  out.store = std::move(opened).value();
  bool created = false;
  ASSIGN_OR_RETURN(out.id, LoadOrCreateStoreId(*out.store, &created));
  if (out.note.empty() && !existed) out.note = "store " + path + " created";
  return out;
}

}  // namespace reportflow::storage
