// reportflow-extract: an extract worker (any number may run, on any host).
#include "common/service/service.h"
#include "services/extract/extract_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  return service::RunServiceMain(argc, argv, "extract",
                                 "reportflow extract worker: quantities, metric ids and their sources",
                                 service::FactoryOf<extract::ExtractService>());
}
