#include "services/ingest/dispatcher.h"

#include <algorithm>

namespace reportflow::ingest {

const char* StageName(Stage stage) { return stage == Stage::kSegment ? "segment" : "extract"; }

bool Dispatcher::Submit(const std::string& doc_id, uint32_t attempts, uint32_t attempt_base) {
  auto [it, inserted] = docs_.try_emplace(doc_id);
  if (!inserted) return false;
  it->second.attempts = attempts;
  it->second.base = attempt_base;
  it->second.suspect = attempts > 0;  // an attempt of this round was used (lost or failed) before
  Enqueue(doc_id, it->second, Stage::kSegment);
  return true;
}

std::optional<uint32_t> Dispatcher::AttemptOf(const std::string& doc_id) const {
  auto it = docs_.find(doc_id);
  if (it == docs_.end()) return std::nullopt;
  return it->second.base + it->second.attempts;
}

void Dispatcher::Enqueue(const std::string& doc_id, Doc& doc, Stage stage, bool front) {
  doc.stage = stage;
  doc.where = Where::kQueued;
  doc.generation = ++next_generation_;
  QueueEntry entry{doc_id, doc.generation};
  auto& queue = doc.suspect ? suspects_[Index(stage)] : queues_[Index(stage)];
  if (front) {
    queue.push_front(std::move(entry));
  } else {
    queue.push_back(std::move(entry));
  }
  ++queued_[Index(stage)];
}

const Dispatcher::Held& Dispatcher::HeldBy(Stage stage, const std::string& worker) const {
  static const Held kNothing;
  auto it = held_[Index(stage)].find(worker);
  return it == held_[Index(stage)].end() ? kNothing : it->second;
}

void Dispatcher::Release(Doc& doc) {
  if (doc.where != Where::kAtWorker || doc.worker.empty()) return;
  auto& held = held_[Index(doc.stage)];
  auto it = held.find(doc.worker);
  if (it != held.end()) {
    if (it->second.docs > 0) --it->second.docs;
    if (doc.suspect) it->second.suspect = false;
    if (it->second.docs == 0) held.erase(it);
  }
  doc.worker.clear();
}

bool Dispatcher::DropIfDone(Stage stage, const QueueEntry& entry, std::vector<Retry>* exhausted) {
  auto it = docs_.find(entry.doc_id);
  if (it == docs_.end() || it->second.generation != entry.generation) return true;  // moved on since
  Doc& doc = it->second;
  if (stage != Stage::kSegment || doc.attempts < limits_.max_attempts) return false;
  --queued_[Index(stage)];
  exhausted->push_back({entry.doc_id, doc.attempts, true});
  quarantined_.insert(entry.doc_id);
  docs_.erase(it);
  return true;
}

Assignment Dispatcher::Assign(Stage stage, QueueEntry entry, Doc& doc, std::string worker) {
  --queued_[Index(stage)];
  Held& held = held_[Index(stage)][worker];
  ++held.docs;
  if (doc.suspect) held.suspect = true;
  Assignment a;
  a.worker = worker;
  a.stage = stage;
  a.attempt = doc.base + (stage == Stage::kSegment ? doc.attempts + 1 : doc.attempts);
  a.doc_id = std::move(entry.doc_id);
  doc.where = Where::kAtWorker;
  doc.worker = std::move(worker);
  doc.generation = ++next_generation_;
  return a;
}

ReadyOutcome Dispatcher::OnReady(Stage stage, const std::string& worker, uint32_t credits, bool replace,
                                 const std::string& worker_id, uint64_t incarnation) {
  ReadyOutcome out;
  if (incarnation != 0 && !worker_id.empty()) {
    auto [it, first] = incarnations_[Index(stage)].try_emplace(worker_id);
    Incarnation& known = it->second;
    if (first) {
      known.incarnation = incarnation;
      known.worker = worker;
    } else if (known.incarnation == incarnation) {
      known.worker = worker;  // the same process, reconnected: what it holds stays with it
    } else if (std::find(known.ended.begin(), known.ended.end(), incarnation) != known.ended.end()) {
      // A process taken for ended is alive: two share the id. Its documents
      // were dispatched again (a result of theirs is late, the work done
      // twice): no loss, but restarts of this id can no longer be told apart.
      out.shared_id = !known.shared;
      known.shared = true;
    } else if (!known.shared) {
      out.restarted = true;
      out.lost = Lost(stage, known.worker);
      known.ended.push_back(known.incarnation);
      if (known.ended.size() > 8) known.ended.erase(known.ended.begin());
      known.incarnation = incarnation;
      known.worker = worker;
    }
  }
  CreditPool& pool = pools_[Index(stage)];
  if (replace) {
    pool.Set(worker, credits, clock_.MonotonicMillis());
  } else {
    pool.Add(worker, credits, clock_.MonotonicMillis());
  }
  return out;
}

std::vector<Retry> Dispatcher::Lost(Stage stage, const std::string& worker) {
  std::vector<std::string> held;
  for (const auto& [doc_id, doc] : docs_) {
    if (doc.where == Where::kAtWorker && doc.stage == stage && doc.worker == worker) held.push_back(doc_id);
  }
  std::sort(held.begin(), held.end());  // the order of retries does not depend on hashing
  std::vector<Retry> out;
  out.reserve(held.size());
  for (const auto& doc_id : held) out.push_back(Requeue(doc_id, docs_.at(doc_id), /*quarantine=*/false));
  pools_[Index(stage)].Remove(worker);
  held_[Index(stage)].erase(worker);
  if (reserved_[Index(stage)] == worker) reserved_[Index(stage)].clear();
  return out;
}

void Dispatcher::ReturnCredit(Stage stage, const std::string& worker) {
  pools_[Index(stage)].Add(worker, 1, clock_.MonotonicMillis());
}

void Dispatcher::OnForwarded(Stage stage, const std::string& worker, const std::string& doc_id) {
  auto it = docs_.find(doc_id);
  if (it == docs_.end()) return;
  Doc& doc = it->second;
  // A late word about an earlier dispatch (the document has moved on) changes nothing.
  if (doc.where != Where::kAtWorker || doc.stage != stage || doc.worker != worker) return;
  Release(doc);
}

void Dispatcher::ExpireSilentWorkers() {
  const int64_t cutoff = clock_.MonotonicMillis() - limits_.worker_silence_ms;
  for (auto& pool : pools_) pool.ExpireSilent(cutoff);
}

std::optional<Assignment> Dispatcher::Next(Stage stage, std::vector<Retry>* exhausted) {
  const size_t i = Index(stage);
  CreditPool& pool = pools_[i];
  // Suspects first, each to a worker that holds nothing.
  auto& suspects = suspects_[i];
  while (!suspects.empty() && pool.total() > 0) {
    if (DropIfDone(stage, suspects.front(), exhausted)) {
      suspects.pop_front();
      continue;
    }
    auto worker = pool.Take([&](const std::string& w) { return HeldBy(stage, w).docs == 0; });
    if (!worker) {
      // Every worker with credit holds documents: keep one (the emptiest)
      // free of new ones until it is empty.
      if (reserved_[i].empty() || !pool.Knows(reserved_[i])) {
        uint32_t fewest = UINT32_MAX;
        for (const std::string& w : pool.WorkersWithCredit()) {
          if (HeldBy(stage, w).docs < fewest) {
            fewest = HeldBy(stage, w).docs;
            reserved_[i] = w;
          }
        }
      }
      break;
    }
    reserved_[i].clear();
    QueueEntry entry = std::move(suspects.front());
    suspects.pop_front();
    Doc& doc = docs_.at(entry.doc_id);
    return Assign(stage, std::move(entry), doc, std::move(*worker));
  }
  if (suspects.empty()) reserved_[i].clear();
  // Then the others, never to a worker holding a suspect or kept for one.
  auto& queue = queues_[i];
  while (!queue.empty() && pool.total() > 0) {
    if (DropIfDone(stage, queue.front(), exhausted)) {
      queue.pop_front();
      continue;
    }
    auto worker = pool.Take([&](const std::string& w) { return w != reserved_[i] && !HeldBy(stage, w).suspect; });
    if (!worker) break;
    QueueEntry entry = std::move(queue.front());
    queue.pop_front();
    Doc& doc = docs_.at(entry.doc_id);
    return Assign(stage, std::move(entry), doc, std::move(*worker));
  }
  return std::nullopt;
}

void Dispatcher::Dispatched(const Assignment& a, bool start_lease) {
  auto it = docs_.find(a.doc_id);
  if (it == docs_.end()) return;
  Doc& doc = it->second;
  if (a.stage == Stage::kExtract) {
    if (start_lease) StartLease(a.doc_id, a.attempt);
    return;
  }
  doc.attempts = a.attempt - doc.base;
  doc.in_flight = true;
  doc.dispatched_ms = clock_.MonotonicMillis();
  doc.lease_deadline = 0;
  if (start_lease) StartLease(a.doc_id, a.attempt);
}

void Dispatcher::StartLease(const std::string& doc_id, uint32_t attempt) {
  auto it = docs_.find(doc_id);
  if (it == docs_.end() || !it->second.in_flight || it->second.base + it->second.attempts != attempt) return;
  it->second.lease_deadline = clock_.MonotonicMillis() + limits_.lease_ms;
}

void Dispatcher::Unsent(const Assignment& a) {
  pools_[Index(a.stage)].Remove(a.worker);
  auto it = docs_.find(a.doc_id);
  if (it == docs_.end()) return;
  Release(it->second);
  Enqueue(a.doc_id, it->second, a.stage, /*front=*/true);
}

Verdict Dispatcher::OnSegmented(const std::string& doc_id, uint32_t attempt) {
  if (quarantined_.contains(doc_id)) return Verdict::kQuarantined;
  auto it = docs_.find(doc_id);
  if (it == docs_.end()) return Verdict::kUnknown;
  Doc& doc = it->second;
  if (!doc.in_flight || doc.stage != Stage::kSegment || doc.where != Where::kAtWorker ||
      doc.base + doc.attempts != attempt) {
    return Verdict::kLate;
  }
  // Waiting in ingest's queue for an extract worker is not the worker's
  // time: the lease stops, and starts again when an extract worker gets it.
  doc.lease_deadline = 0;
  Release(doc);
  Enqueue(doc_id, doc, Stage::kExtract);
  return Verdict::kAccepted;
}

Verdict Dispatcher::OnAck(const std::string& doc_id, int64_t* dispatched_ms) {
  if (quarantined_.contains(doc_id)) return Verdict::kQuarantined;
  auto it = docs_.find(doc_id);
  if (it == docs_.end()) return Verdict::kUnknown;
  if (it->second.where == Where::kQueued) --queued_[Index(it->second.stage)];
  Release(it->second);
  if (dispatched_ms) *dispatched_ms = it->second.dispatched_ms;
  docs_.erase(it);
  return Verdict::kAccepted;
}

Retry Dispatcher::Requeue(const std::string& doc_id, Doc& doc, bool quarantine) {
  Retry r{doc_id, doc.attempts, quarantine || doc.attempts >= limits_.max_attempts};
  if (doc.where == Where::kQueued) --queued_[Index(doc.stage)];
  Release(doc);
  if (r.quarantine) {
    quarantined_.insert(doc_id);
    docs_.erase(doc_id);
    return r;
  }
  doc.in_flight = false;
  doc.lease_deadline = 0;
  doc.suspect = true;  // lost with its worker, or failed: it goes alone from now on
  Enqueue(doc_id, doc, Stage::kSegment);
  return r;
}

Verdict Dispatcher::OnFailure(const std::string& doc_id, uint32_t attempt, bool permanent, Retry* retry) {
  if (quarantined_.contains(doc_id)) return Verdict::kQuarantined;
  auto it = docs_.find(doc_id);
  if (it == docs_.end()) return Verdict::kUnknown;
  if (!it->second.in_flight || it->second.base + it->second.attempts != attempt) return Verdict::kLate;
  *retry = Requeue(doc_id, it->second, permanent);
  return Verdict::kAccepted;
}

std::vector<Retry> Dispatcher::ExpireLeases() {
  const int64_t now = clock_.MonotonicMillis();
  std::vector<std::string> expired;
  for (const auto& [doc_id, doc] : docs_) {
    if (doc.in_flight && doc.lease_deadline != 0 && doc.lease_deadline <= now) expired.push_back(doc_id);
  }
  std::vector<Retry> out;
  out.reserve(expired.size());
  for (const auto& doc_id : expired) out.push_back(Requeue(doc_id, docs_.at(doc_id), /*quarantine=*/false));
  return out;
}

}  // namespace reportflow::ingest
