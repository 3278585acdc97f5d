// reportflow-ingest: reads batches, stores documents, dispatches work.
#include <string_view>

#include "common/service/service.h"
#include "services/ingest/decode_sandbox.h"
#include "services/ingest/ingest_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  // A PDF/.docx/HTML decode under a budget, started by ingest itself (decode_sandbox.h).
  if (argc > 1 && std::string_view(argv[1]) == ingest::kDecodeChildFlag) return ingest::RunDecodeChild(argc, argv);
  // Heap faulted in at once at start (PrewarmHeap): its memtables and the documents it admits.
  // Freed pages kept while it runs (KeepFreedPages): what it frees (messages, file buffers, memtable
  // blocks) it soon takes again, and what it holds is bounded by the window and its store's budget.
  // Its heap is on transparent huge pages (HUGE_PAGES in CMakeLists.txt: read before main, malloc_conf.cc).
  constexpr service::HeapPolicy kHeap{.prewarm_bytes = size_t{16} << 20, .keep_freed_ms = -1};
  return service::RunServiceMain(argc, argv, "ingest",
                                 "reportflow ingest service: reads reports, stores them, dispatches work",
                                 service::FactoryOf<ingest::IngestService>(), kHeap);
}
