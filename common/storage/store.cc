#include "common/storage/store.h"

#include <map>
#include <mutex>

#include "common/base/macros.h"

namespace reportflow::storage {

Status Store::GetProto(std::string_view cf, std::string_view key, google::protobuf::MessageLite* msg) const {
  std::string value;
  Status s = Get(cf, key, &value);
  if (!s.ok()) return s;
  if (!msg->ParseFromString(value)) {
    return Status::Corruption("unparsable " + msg->GetTypeName() + " at " + std::string(cf) + "/" + std::string(key));
  }
  return Status::OK();
}

Status NoSpaceError(std::string_view path, std::string_view detail) {
  return Status::ResourceExhausted("no space left on " + std::string(path) + ": " + std::string(detail));
}

bool IsNoSpace(const Status& s) {
  return s.code() == StatusCode::kResourceExhausted && s.message().rfind("no space left on ", 0) == 0;
}

Status Store::PutProto(std::string_view cf, std::string_view key, const google::protobuf::MessageLite& msg) {
  return Put(cf, key, msg.SerializeAsString());
}

namespace {

// The default table file: entries kept in a batch until ingested.
class BufferedTableFile : public TableFile {
 public:
  explicit BufferedTableFile(std::string_view cf) : cf_(cf) {}
  Status Put(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(Ascending(key));
    batch_.Put(cf_, key, value);
    return Status::OK();
  }
  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(Ascending(key));
    batch_.Delete(cf_, key);
    return Status::OK();
  }
  const std::string& cf() const { return cf_; }
  const WriteBatch& batch() const { return batch_; }

 private:
  Status Ascending(std::string_view key) {
    if (!batch_.empty() && key <= batch_.ops().back().key) {
      return Status::InvalidArgument("table file keys out of order in " + cf_);
    }
    return Status::OK();
  }
  std::string cf_;
  WriteBatch batch_;
};

}  // namespace

Result<std::unique_ptr<TableFile>> Store::NewTableFile(std::string_view cf) {
  return std::unique_ptr<TableFile>(new BufferedTableFile(cf));
}

Status Store::IngestTableFiles(std::string_view cf, std::vector<std::unique_ptr<TableFile>> files) {
  WriteBatch all;
  for (const auto& file : files) {
    const auto* buffered = dynamic_cast<const BufferedTableFile*>(file.get());
    if (buffered == nullptr || buffered->cf() != cf) {
      return Status::InvalidArgument("table file of another store or column family than " + std::string(cf));
    }
    for (const auto& op : buffered->batch().ops()) {
      if (op.value) {
        all.Put(op.cf, op.key, *op.value);
      } else {
        all.Delete(op.cf, op.key);
      }
    }
  }
  if (all.empty()) return Status::OK();
  return Write(all);
}

namespace {

class MemStore : public Store {
 public:
  explicit MemStore(const std::vector<std::string>& cfs) {
    for (const auto& cf : cfs) data_[cf];
  }
  Status Put(std::string_view cf, std::string_view key, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto* m = Cf(cf);
    if (!m) return UnknownCf(cf);
    (*m)[std::string(key)] = std::string(value);
    return Status::OK();
  }
  Status Get(std::string_view cf, std::string_view key, std::string* value) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = data_.find(std::string(cf));
    if (it == data_.end()) return UnknownCf(cf);
    auto kit = it->second.find(std::string(key));
    if (kit == it->second.end()) return Status::NotFound(std::string(key));
    *value = kit->second;
    return Status::OK();
  }
  Status Delete(std::string_view cf, std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto* m = Cf(cf);
    if (!m) return UnknownCf(cf);
    m->erase(std::string(key));
    return Status::OK();
  }
  Status Write(const WriteBatch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& op : batch.ops()) {
      if (!Cf(op.cf)) return UnknownCf(op.cf);
    }
    for (const auto& op : batch.ops()) {
      auto* m = Cf(op.cf);
      if (op.value) (*m)[op.key] = *op.value; else m->erase(op.key);
    }
    return Status::OK();
  }
  Status Scan(std::string_view cf, std::string_view prefix, const ScanFn& fn) const override {
    std::map<std::string, std::string> copy;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = data_.find(std::string(cf));
      if (it == data_.end()) return UnknownCf(cf);
      copy = it->second;
    }
    for (auto it = copy.lower_bound(std::string(prefix)); it != copy.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      if (!fn(it->first, it->second)) break;
    }
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }

 private:
  static Status UnknownCf(std::string_view cf) { return Status::InvalidArgument("unknown column family " + std::string(cf)); }
  std::map<std::string, std::string>* Cf(std::string_view cf) {
    auto it = data_.find(std::string(cf));
    return it == data_.end() ? nullptr : &it->second;
  }
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> data_;
};

}  // namespace

std::unique_ptr<Store> NewMemStore(const std::vector<std::string>& column_families) {
  return std::make_unique<MemStore>(column_families);
}

}  // namespace reportflow::storage
