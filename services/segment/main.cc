// reportflow-segment: a segment worker (any number may run, on any host).
#include "common/service/service.h"
#include "services/segment/segment_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  return service::RunServiceMain(argc, argv, "segment",
                                 "reportflow segment worker: document structure, sentences and metadata",
                                 service::FactoryOf<segment::SegmentService>());
}
