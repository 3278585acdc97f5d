// FaultyStore: a Store that passes everything to another one, except the
// failures a test asks for: writes from the `fail_write_at`-th on (counting
// from 1; 0: never), and every read while `fail_reads` is set.
#pragma once

#include <string>
#include <string_view>

#include "common/storage/store.h"

namespace reportflow::testing {

class FaultyStore : public storage::Store {
 public:
  explicit FaultyStore(storage::Store* inner) : inner_(inner) {}

  int writes = 0;  // batches written (or refused) so far
  int fail_write_at = 0;
  bool fail_reads = false;

  Status Put(std::string_view cf, std::string_view key, std::string_view value) override {
    return inner_->Put(cf, key, value);
  }
  Status Get(std::string_view cf, std::string_view key, std::string* value) const override {
    if (fail_reads) return Status::IoError("injected read failure");
    return inner_->Get(cf, key, value);
  }
  Status Delete(std::string_view cf, std::string_view key) override { return inner_->Delete(cf, key); }
  Status Write(const storage::WriteBatch& batch) override {
    if (++writes >= fail_write_at && fail_write_at > 0) return Status::IoError("injected write failure");
    return inner_->Write(batch);
  }
  Status Scan(std::string_view cf, std::string_view prefix, const storage::ScanFn& fn) const override {
    return inner_->Scan(cf, prefix, fn);
  }
  Status Flush() override { return inner_->Flush(); }

 private:
  storage::Store* inner_;
};

}  // namespace reportflow::testing
