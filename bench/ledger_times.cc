// ledger_times: prints, for every document in an ingest store, when it was
// read (ingested_at) and acknowledged (completed_at), in Unix milliseconds:
//   <doc_id> <ingested_ms> <completed_ms>
// bench/e2e.sh joins it with the stream a subscriber saw to measure the
// latency from file read to metrics on the stream. Opens the store read-only.
#include <google/protobuf/util/time_util.h>

#include <iostream>

#include "services/ingest/ingest_store.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ledger_times <data>/ingest (the ingest store)\n";
    return 2;
  }
  auto store = reportflow::ingest::IngestStore::Open(argv[1], reportflow::storage::OpenMode::kReadOnly);
  if (!store.ok()) {
    std::cerr << "ledger_times: " << store.status().ToString() << "\n";
    return 1;
  }
  using google::protobuf::util::TimeUtil;
  auto s = (*store)->ForEachLedger([](const reportflow::ingest::v1::LedgerEntry& e) {
    std::cout << e.doc_id() << ' ' << TimeUtil::TimestampToMilliseconds(e.ingested_at()) << ' '
              << TimeUtil::TimestampToMilliseconds(e.completed_at()) << '\n';
  });
  if (!s.ok()) {
    std::cerr << "ledger_times: " << s.ToString() << "\n";
    return 1;
  }
  return 0;
}
