// Store identity: each store knows what it is, so whoever records what a store
// holds (ingest's ledger) can tell when it is no longer the same store.
//
// A store gets a random id (its epoch) when it is created, kept under
// `store_id` in its default column family. A store deleted and created again,
// or moved aside because it was damaged and rebuilt empty, has a new id: the
// results recorded as held by the old id are gone and must be recomputed.
//
// OpenIdentifiedStore opens a RocksDB store read-write with its checks
// (OpenRocksDbStore: paranoid open, WAL checksums, table checksums) and then:
//  - a store that opens: its id (a store from before ids gets one now);
//  - a damaged store (Corruption) of a stage whose results can be recomputed
//    from upstream (kMoveAside): renamed to `<path>.damaged-<UTC time>`, a new
//    empty store created in its place, and `note` says so;
//  - a damaged store that cannot be rebuilt (kFail): Corruption naming the
//    store's path and what to do.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/storage/store.h"

namespace reportflow::storage {

enum class OnDamage {
  kFail,       // the store holds what nothing upstream can give again (ingest's ledger)
  kMoveAside,  // derived results: move the damaged store aside, start empty, let upstream re-send
};

struct IdentifiedStore {
  std::unique_ptr<Store> store;
  std::string id;    // 16 hex digits, random, fixed at creation
  std::string note;  // what opening did: "" (opened as it was), "created", "moved damaged store aside to ..."
};

Result<IdentifiedStore> OpenIdentifiedStore(const std::string& path, const std::vector<std::string>& column_families,
                                            OnDamage on_damage, const StoreTuning& tuning = {});

// The id of an open store, writing a new one if it has none (`*created` then true).
Result<std::string> LoadOrCreateStoreId(Store& store, bool* created = nullptr);

}  // namespace reportflow::storage
