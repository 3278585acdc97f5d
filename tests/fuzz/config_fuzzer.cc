// Fuzz target: the YAML config loader (common/config). Invariants: never
// crashes; a config that parses and validates serialises to YAML that parses
// back to an equal config.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/config/config_loader.h"

namespace cfg = ::reportflow::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  cfg::PipelineConfig config;
  if (!cfg::ParseYamlInto(yaml, &config).ok()) return 0;
  cfg::ApplyDefaults(&config);
  if (!cfg::Validate(config).ok()) return 0;
  const std::string again = cfg::ToYaml(config);
  cfg::PipelineConfig round;
  if (!cfg::ParseYamlInto(again, &round).ok()) std::abort();
  if (round.SerializeAsString() != config.SerializeAsString()) std::abort();
  return 0;
}
