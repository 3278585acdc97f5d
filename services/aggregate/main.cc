// reportflow-aggregate: rollups by region, year and metric.
#include "common/service/service.h"
#include "services/aggregate/aggregate_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  // Heap faulted in at once at start (PrewarmHeap): its memtables, the WAL writer's buffer, the rollup table.
  // Freed pages go back after malloc_conf's 3 s: its tables grow with the corpus.
  constexpr service::HeapPolicy kHeap{.prewarm_bytes = size_t{40} << 20};
  return service::RunServiceMain(argc, argv, "aggregate",
                                 "reportflow aggregate service: rollups by region, year and metric",
                                 service::FactoryOf<aggregate::AggregateService>(), kHeap);
}
