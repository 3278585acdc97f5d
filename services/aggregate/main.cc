// reportflow-aggregate: rollups by region, year and metric.
#include "common/service/service.h"
#include "services/aggregate/aggregate_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  // Heap faulted in at once at start (PrewarmHeap): its memtables, the WAL writer's buffer, the rollup table.
  constexpr size_t kPrewarmBytes = size_t{40} << 20;
  return service::RunServiceMain(argc, argv, "aggregate",
                                 "reportflow aggregate service: rollups by region, year and metric",
                                 service::FactoryOf<aggregate::AggregateService>(), kPrewarmBytes);
}
