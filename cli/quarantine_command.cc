// `reportflow quarantine list|show|replay --data DIR`: inspect and retry the
// documents ingest quarantined (a stage failed on them limits.max_attempts
// times, or failed permanently on bad input).
//
// replay releases documents (IngestStore::Release: back to "ingested" with
// attempts reset, removed from the quarantine column family). The pipeline
// must be stopped (replay opens the ingest store read-write); the next
// `reportflow run ... --data DIR` resumes unfinished documents first, so the
// released documents are processed again by that run.
#include <google/protobuf/util/time_util.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "cli/data_reader.h"
#include "cli/output.h"
#include "services/ingest/ingest_store.h"

namespace reportflow::cli {
namespace {

struct QuarantineArgs {
  std::string data;
  std::string format = "table";
  std::vector<std::string> ids;
  bool all = false;
};

int List(const QuarantineArgs& a) {
  Format fmt;
  Status s = ParseFormat(a.format, &fmt);
  auto reader = s.ok() ? DataReader::Open(a.data) : Result<std::unique_ptr<DataReader>>(s);
  if (!reader.ok()) {
    std::cerr << "reportflow quarantine list: " << reader.status().message() << "\n";
    return 2;
  }
  RecordWriter out({"doc_id", "source", "stage", "attempts", "error"}, fmt, std::cout);
  s = (*reader)->ingest().ForEachQuarantined([&](const ingest::v1::LedgerEntry& e) {
    nlohmann::ordered_json r;
    r["doc_id"] = e.doc_id();
    r["source"] = e.source();
    r["stage"] = e.last_error_stage();
    r["attempts"] = e.attempts();
    r["error"] = e.last_error();
    out.Add(r);
  });
  out.Finish();
  if (!s.ok()) {
    std::cerr << "reportflow quarantine list: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

int Show(const QuarantineArgs& a) {
  auto reader = DataReader::Open(a.data);
  if (!reader.ok()) {
    std::cerr << "reportflow quarantine show: " << reader.status().message() << "\n";
    return 2;
  }
  int rc = 0;
  for (const auto& id : a.ids) {
    auto doc_id = (*reader)->ResolveDocId(id);
    if (!doc_id.ok()) {
      std::cerr << "reportflow quarantine show: " << doc_id.status().message() << "\n";
      rc = 2;
      continue;
    }
    bool found = false;
    Status s = (*reader)->ingest().ForEachQuarantined([&](const ingest::v1::LedgerEntry& e) {
      if (e.doc_id() != *doc_id) return;
      found = true;
      std::cout << "doc_id     " << e.doc_id() << "\n"
                << "source     " << e.source() << "\n"
                << "batch      " << e.batch_id() << "\n"
                << "stage      " << e.last_error_stage() << "\n"
                << "attempts   " << e.attempts() << "\n"
                << "error      " << e.last_error() << "\n";
      if (e.has_dispatched_at()) {
        std::cout << "last try   " << google::protobuf::util::TimeUtil::ToString(e.dispatched_at()) << "\n";
      }
    });
    if (!s.ok()) {
      std::cerr << "reportflow quarantine show: " << s.message() << "\n";
      return 1;
    }
    if (!found) {
      std::cerr << "reportflow quarantine show: " << *doc_id << " is not quarantined\n";
      rc = 2;
    }
  }
  return rc;
}

int Replay(const QuarantineArgs& a) {
  if (a.ids.empty() == !a.all) {
    std::cerr << "reportflow quarantine replay: give document ids or --all (not both)\n";
    return 2;
  }
  auto lock = DataDirLock::Acquire(a.data);
  if (!lock.ok()) {
    std::cerr << "reportflow quarantine replay: " << lock.status().message() << "\n";
    return 1;
  }
  std::vector<std::string> ids;
  std::string store_path;
  {
    auto reader = DataReader::Open(a.data);
    if (!reader.ok()) {
      std::cerr << "reportflow quarantine replay: " << reader.status().message() << "\n";
      return 2;
    }
    store_path = (*reader)->config().ingest().store_path();
    if (a.all) {
      Status s = (*reader)->ingest().ForEachQuarantined(
          [&](const ingest::v1::LedgerEntry& e) { ids.push_back(e.doc_id()); });
      if (!s.ok()) {
        std::cerr << "reportflow quarantine replay: " << s.message() << "\n";
        return 1;
      }
    }
    for (const auto& id : a.ids) {
      auto doc_id = (*reader)->ResolveDocId(id);
      if (!doc_id.ok()) {
        std::cerr << "reportflow quarantine replay: " << doc_id.status().message() << "\n";
        return 2;
      }
      ids.push_back(*doc_id);
    }
  }
  auto store = ingest::IngestStore::Open(store_path, storage::OpenMode::kReadWrite);
  if (!store.ok()) {
    std::cerr << "reportflow quarantine replay: cannot open the ingest store read-write (stop the pipeline first): "
              << store.status().message() << "\n";
    return 1;
  }
  // Idempotent: a document released before (or complete since) is reported, not an error.
  int rc = 0;
  size_t released = 0;
  for (const auto& id : ids) {
    bool was_quarantined = false;
    Status s = (*store)->Release(id, &was_quarantined);
    if (!s.ok()) {
      std::cerr << "reportflow quarantine replay: " << id << ": " << s.message() << "\n";
      rc = 1;
      continue;
    }
    if (!was_quarantined) {
      std::cout << "not quarantined (released before, or complete) " << id << "\n";
      continue;
    }
    ++released;
    std::cout << "released " << id << "\n";
  }
  std::cout << released << " document(s) released; the next `reportflow run ... --data " << a.data
            << "` processes them again\n";
  return rc;
}

}  // namespace

void AddQuarantineCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<QuarantineArgs>();
  CLI::App* cmd = app.add_subcommand("quarantine", "list, show and replay quarantined documents");
  cmd->require_subcommand(1);
  CLI::App* list = cmd->add_subcommand("list", "list quarantined documents with the failing stage and error");
  list->add_option("--data,-d", args->data, "data directory")->required();
  list->add_option("--format,-f", args->format, "table, csv or jsonl")->capture_default_str();
  list->callback([=] { *exit_code = List(*args); });
  CLI::App* show = cmd->add_subcommand("show", "show quarantined documents in detail");
  show->add_option("--data,-d", args->data, "data directory")->required();
  show->add_option("ids", args->ids, "document ids (or unique prefixes of at least 6 hex digits)")->required();
  show->callback([=] { *exit_code = Show(*args); });
  CLI::App* replay = cmd->add_subcommand(
      "replay", "release quarantined documents so the next `reportflow run` on this data dir retries them "
                "(the pipeline must be stopped)");
  replay->add_option("--data,-d", args->data, "data directory")->required();
  replay->add_option("ids", args->ids, "document ids (or unique prefixes)");
  replay->add_flag("--all", args->all, "release every quarantined document");
  replay->callback([=] { *exit_code = Replay(*args); });
}

}  // namespace reportflow::cli
