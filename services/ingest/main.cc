// reportflow-ingest: reads batches, stores documents, dispatches work.
#include <string_view>

#include "common/service/service.h"
#include "services/ingest/decode_sandbox.h"
#include "services/ingest/ingest_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  // A PDF/.docx/HTML decode under a budget, started by ingest itself (decode_sandbox.h).
  if (argc > 1 && std::string_view(argv[1]) == ingest::kDecodeChildFlag) return ingest::RunDecodeChild(argc, argv);
  return service::RunServiceMain(argc, argv, "ingest",
                                 "reportflow ingest service: reads reports, stores them, dispatches work",
                                 service::FactoryOf<ingest::IngestService>());
}
