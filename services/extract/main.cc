// reportflow-extract: an extract worker (any number may run, on any host).
#include "common/service/service.h"
#include "services/extract/extract_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  // Heap faulted in at once at start (PrewarmHeap): its memtables and a group's extractions.
  constexpr size_t kPrewarmBytes = size_t{14} << 20;
  return service::RunServiceMain(argc, argv, "extract",
                                 "reportflow extract worker: quantities, metric ids and their sources",
                                 service::FactoryOf<extract::ExtractService>(), kPrewarmBytes);
}
