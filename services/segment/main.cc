// reportflow-segment: a segment worker (any number may run, on any host).
#include "common/service/service.h"
#include "services/segment/segment_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  // Heap faulted in at once at start (PrewarmHeap): its memtables and a group's segmentations.
  constexpr size_t kPrewarmBytes = size_t{12} << 20;
  return service::RunServiceMain(argc, argv, "segment",
                                 "reportflow segment worker: document structure, sentences and metadata",
                                 service::FactoryOf<segment::SegmentService>(), kPrewarmBytes);
}
