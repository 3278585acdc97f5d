// reportflow-aggregate: rollups by region, year and metric.
#include "common/service/service.h"
#include "services/aggregate/aggregate_service.h"

int main(int argc, char** argv) {
  using namespace reportflow;
  return service::RunServiceMain(argc, argv, "aggregate",
                                 "reportflow aggregate service: rollups by region, year and metric",
                                 service::FactoryOf<aggregate::AggregateService>());
}
