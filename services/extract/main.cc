// reportflow-extract: an extract worker (any number may run, on any host).
#include "common/service/service.h"
#include "services/extract/extract_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  // Heap faulted in at once at start (PrewarmHeap): its memtables and a group's extractions.
  // Freed pages kept while it runs (KeepFreedPages): what it frees (messages, file buffers, memtable
  // blocks) it soon takes again, and what it holds is bounded by the window and its store's budget.
  constexpr service::HeapPolicy kHeap{.prewarm_bytes = size_t{14} << 20, .keep_freed_ms = -1};
  return service::RunServiceMain(argc, argv, "extract",
                                 "reportflow extract worker: quantities, metric ids and their sources",
                                 service::FactoryOf<extract::ExtractService>(), kHeap);
}
