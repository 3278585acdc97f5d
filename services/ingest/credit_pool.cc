#include "services/ingest/credit_pool.h"

#include <vector>

namespace reportflow::ingest {

void CreditPool::Add(const std::string& worker, uint32_t credits, int64_t now_ms) {
  Worker& w = workers_[worker];
  w.credits += credits;
  w.last_seen_ms = now_ms;
  total_ += credits;
}

void CreditPool::Set(const std::string& worker, uint32_t credits, int64_t now_ms) {
  Worker& w = workers_[worker];
  total_ -= w.credits;
  w.credits = credits;
  w.last_seen_ms = now_ms;
  total_ += credits;
}

std::optional<std::string> CreditPool::Take(const std::function<bool(const std::string& worker)>& eligible) {
  if (total_ == 0) return std::nullopt;
  auto best = workers_.end();
  for (auto it = workers_.begin(); it != workers_.end(); ++it) {
    if (it->second.credits == 0 || (eligible && !eligible(it->first))) continue;
    if (best == workers_.end() || it->second.credits > best->second.credits ||
        (it->second.credits == best->second.credits && it->second.last_used < best->second.last_used)) {
      best = it;
    }
  }
  if (best == workers_.end()) return std::nullopt;
  --best->second.credits;
  --total_;
  best->second.last_used = ++use_counter_;
  return best->first;
}

void CreditPool::Remove(const std::string& worker) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return;
  total_ -= it->second.credits;
  workers_.erase(it);
}

std::vector<std::string> CreditPool::WorkersWithCredit() const {
  std::vector<std::string> out;
  for (const auto& [id, w] : workers_) {
    if (w.credits > 0) out.push_back(id);
  }
  return out;
}

std::vector<std::string> CreditPool::WorkerIds() const {
  std::vector<std::string> out;
  out.reserve(workers_.size());
  for (const auto& [id, w] : workers_) out.push_back(id);
  return out;
}

size_t CreditPool::ExpireSilent(int64_t cutoff_ms) {
  std::vector<std::string> gone;
  for (const auto& [id, w] : workers_) {
    if (w.last_seen_ms < cutoff_ms) gone.push_back(id);
  }
  for (const auto& id : gone) Remove(id);
  return gone.size();
}

}  // namespace reportflow::ingest
