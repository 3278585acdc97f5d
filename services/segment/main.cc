// reportflow-segment: a segment worker (any number may run, on any host).
#include "common/service/service.h"
#include "services/segment/segment_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  // Heap faulted in at once at start (PrewarmHeap): its memtables and a group's segmentations.
  // Freed pages kept while it runs (KeepFreedPages): what it frees (messages, file buffers, memtable
  // blocks) it soon takes again, and what it holds is bounded by the window and its store's budget.
  constexpr service::HeapPolicy kHeap{.prewarm_bytes = size_t{12} << 20, .keep_freed_ms = -1};
  return service::RunServiceMain(argc, argv, "segment",
                                 "reportflow segment worker: document structure, sentences and metadata",
                                 service::FactoryOf<segment::SegmentService>(), kHeap);
}
