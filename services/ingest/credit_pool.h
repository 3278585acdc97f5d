// CreditPool: which workers of a stage may take how many more documents.
//
// Workers announce capacity (WorkerReady); each dispatch takes one credit from
// the worker with the most free credits (ties: least recently used), so work
// spreads over idle workers and never goes to a worker that did not ask.
// Pure logic; thread-compatible (owned by the ingest loop).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reportflow::ingest {

class CreditPool {
 public:
  // Adds `credits` to a worker (a returned credit, or a relative WorkerReady).
  void Add(const std::string& worker, uint32_t credits, int64_t now_ms);
  // Sets a worker's credits (a WorkerReady announcing its whole free capacity).
  void Set(const std::string& worker, uint32_t credits, int64_t now_ms);
  // Takes one credit; nullopt when no worker has any. With `eligible`, only
  // from a worker it accepts.
  std::optional<std::string> Take(const std::function<bool(const std::string& worker)>& eligible = {});
  // The workers that have credit, by identity.
  std::vector<std::string> WorkersWithCredit() const;
  bool Knows(const std::string& worker) const { return workers_.count(worker) > 0; }
  // Forgets a worker (unreachable, or silent for too long).
  void Remove(const std::string& worker);
  // Removes workers not heard from since `cutoff_ms`; returns how many.
  size_t ExpireSilent(int64_t cutoff_ms);

  uint64_t total() const { return total_; }
  size_t workers() const { return workers_.size(); }
  // The workers it knows (heard from within the silence limit), by identity.
  std::vector<std::string> WorkerIds() const;

 private:
  struct Worker {
    uint32_t credits = 0;
    int64_t last_seen_ms = 0;
    uint64_t last_used = 0;
  };
  std::map<std::string, Worker> workers_;
  uint64_t total_ = 0;
  uint64_t use_counter_ = 0;
};

}  // namespace reportflow::ingest
