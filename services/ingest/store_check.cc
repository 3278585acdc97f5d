#include "services/ingest/store_check.h"

#include <google/protobuf/util/time_util.h>

#include "common/base/macros.h"

namespace reportflow::ingest {
namespace pb = ::reportflow::ingest::v1;

size_t StoreCheck::IndexOf(const std::string& stage) {
  for (size_t i = 0; i < 3; ++i) {
    if (stage == kStages[i]) return i;
  }
  return 3;
}

Status StoreCheck::Load() {
  return store_->ForEachStoreRecord([&](const pb::StoreRecord& r) {
    const size_t i = IndexOf(r.stage());
    if (i < 3) stages_[i].recorded[r.store_id()] = r.note();
  });
}

Status StoreCheck::Report(const std::string& stage, const std::string& worker, const std::string& id,
                          const std::string& note, bool* fresh) {
  if (fresh) *fresh = false;
  const size_t i = IndexOf(stage);
  if (i >= 3) return Status::InvalidArgument("no stage " + stage);
  StageStores& s = stages_[i];
  if (s.first_report_ms < 0) {
    s.first_report_ms = clock_.MonotonicMillis();
    due_ = true;
  }
  s.by_worker[worker] = id;
  if (id.empty() || !s.live.insert(id).second) return Status::OK();
  if (fresh) *fresh = true;
  s.live_notes[id] = note;
  due_ = true;
  if (s.recorded.count(id)) return Status::OK();
  s.recorded[id] = note;
  pb::StoreRecord r;
  r.set_stage(stage);
  r.set_store_id(id);
  r.set_note(note);
  *r.mutable_first_seen() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(clock_.NowMillis());
  return store_->PutStoreRecord(r);
}

void StoreCheck::ReportCount(const std::string& stage, const std::string& id, uint64_t documents) {
  const size_t i = IndexOf(stage);
  if (i >= 3 || id.empty()) return;
  stages_[i].counts[id] = documents;
}

std::string StoreCheck::StoreOf(const std::string& stage, const std::string& worker) const {
  const size_t i = IndexOf(stage);
  if (i >= 3) return "";
  auto it = stages_[i].by_worker.find(worker);
  return it == stages_[i].by_worker.end() ? "" : it->second;
}

std::vector<std::string> StoreCheck::StaleIds(const StageStores& s) const {
  std::vector<std::string> out;
  for (const auto& [id, note] : s.recorded) {
    if (!s.live.count(id)) out.push_back(id);
  }
  return out;
}

bool StoreCheck::Settled() const {
  const int64_t now = clock_.MonotonicMillis();
  for (const StageStores& s : stages_) {
    if (s.first_report_ms < 0) return false;
    if (!StaleIds(s).empty() && now - s.first_report_ms < settle_ms_) return false;
  }
  return true;
}

Result<StoreCheck::Outcome> StoreCheck::Judge() {
  due_ = false;
  Outcome out;
  std::set<std::string> stale[3];
  bool any = false;
  for (size_t i = 0; i < 3; ++i) {
    for (auto& id : StaleIds(stages_[i])) stale[i].insert(id);
    any |= !stale[i].empty() || !stages_[i].counts.empty();
  }
  if (!any) return out;
  // Complete documents per live store that announced a count; a store short
  // of them is treated as a stale one for those documents.
  std::map<std::string, size_t> complete[3];
  RETURN_IF_ERROR(store_->ForEachLedger([&](const pb::LedgerEntry& e) {
    if (e.state() != pb::DOC_STATE_COMPLETE) return;
    const std::string* held[3] = {&e.segment_store(), &e.extract_store(), &e.aggregate_store()};
    for (size_t i = 0; i < 3; ++i) {
      if (!held[i]->empty() && stages_[i].counts.count(*held[i])) ++complete[i][*held[i]];
    }
  }));
  std::set<std::string> short_of[3];
  for (size_t i = 0; i < 3; ++i) {
    for (const auto& [id, n] : complete[i]) {
      const uint64_t holds = stages_[i].counts.at(id);
      if (n <= holds || stale[i].count(id)) continue;
      short_of[i].insert(id);
      out.notes.push_back(std::string(kStages[i]) + " store " + id + " holds " + std::to_string(holds) +
                          " documents but the ledger has " + std::to_string(n) +
                          " complete there (records lost inside the store): those " + std::to_string(n) +
                          " documents are processed again");
    }
  }
  bool lost = false;
  for (size_t i = 0; i < 3; ++i) lost |= !stale[i].empty() || !short_of[i].empty();
  if (!lost) return out;
  std::map<std::string, size_t> count[3];
  RETURN_IF_ERROR(store_->ForEachLedger([&](const pb::LedgerEntry& e) {
    if (e.state() != pb::DOC_STATE_COMPLETE) return;
    const std::string* held[3] = {&e.segment_store(), &e.extract_store(), &e.aggregate_store()};
    bool gone = false;
    for (size_t i = 0; i < 3; ++i) {
      if (held[i]->empty()) continue;
      if (stale[i].count(*held[i])) {
        ++count[i][*held[i]];
        gone = true;
      }
      gone |= short_of[i].count(*held[i]) > 0;
    }
    if (gone) out.reprocess.push_back(e);
  }));
  for (size_t i = 0; i < 3; ++i) {
    StageStores& s = stages_[i];
    std::string now_live;
    for (const auto& id : s.live) {
      now_live += (now_live.empty() ? "" : ", ") + id;
      const std::string& note = s.live_notes[id];
      if (!note.empty()) now_live += " (" + note + ")";
    }
    for (const auto& id : stale[i]) {
      const size_t n = count[i].count(id) ? count[i][id] : 0;
      if (n > 0) {
        out.notes.push_back(std::string(kStages[i]) + " store " + id + " is gone (rebuilt, replaced or not served): " +
                            std::to_string(n) + " complete documents had their " + kStages[i] +
                            " results there and are processed again; " + kStages[i] + " now has store " +
                            (now_live.empty() ? "-" : now_live));
      }
      out.stale.emplace_back(kStages[i], id);
    }
  }
  return out;
}

Status StoreCheck::Forget(const Outcome& outcome) {
  for (const auto& [stage, id] : outcome.stale) {
    RETURN_IF_ERROR(store_->DeleteStoreRecord(stage, id));
    stages_[IndexOf(stage)].recorded.erase(id);
  }
  return Status::OK();
}

}  // namespace reportflow::ingest
