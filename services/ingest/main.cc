// reportflow-ingest: reads batches, stores documents, dispatches work.
#include "common/service/service.h"
#include "services/ingest/ingest_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  return service::RunServiceMain(argc, argv, "ingest",
                                 "reportflow ingest service: reads reports, stores them, dispatches work",
                                 service::FactoryOf<ingest::IngestService>());
}
