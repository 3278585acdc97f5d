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
  constexpr size_t kPrewarmBytes = size_t{16} << 20;
  return service::RunServiceMain(argc, argv, "ingest",
                                 "reportflow ingest service: reads reports, stores them, dispatches work",
                                 service::FactoryOf<ingest::IngestService>(), kPrewarmBytes);
}
