// Config loading: YAML text -> typed config proto, validated once at start.
//
// The YAML is walked against the message descriptor, so an unknown key, a
// wrong type or an out-of-range number is an error naming the key path and
// line; nothing falls back to a silent default. This is the only code that
// reads config files.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "reportflow/config/v1/config.pb.h"

namespace reportflow::config {

using PipelineConfig = ::reportflow::config::v1::PipelineConfig;

// Parses YAML text into `msg` (merged over what it already holds).
Status ParseYamlInto(std::string_view yaml, google::protobuf::Message* msg);

// Serialises a message as YAML (for writing the effective config).
std::string ToYaml(const google::protobuf::Message& msg);

// The defaults for a pipeline whose state lives under `data_dir`: ipc://
// endpoints in <data_dir>/run, stores in <data_dir>/<service>, safe limits.
PipelineConfig DefaultPipelineConfig(const std::string& data_dir);

// Fills every unset field of `cfg` from DefaultPipelineConfig(cfg.data_dir()),
// then resolves relative paths the pipeline writes (stores, logging.file,
// ipc:// socket files) against data_dir.
void ApplyDefaults(PipelineConfig* cfg);

// Semantic checks: endpoint schemes, every limit within its range (0 is an
// error: only an absent limit takes its default), known log level, ...
Status Validate(const PipelineConfig& cfg);

// Applies one "dotted.key=value" override (e.g. segment.worker_id=segment-2)
// with the same checks as the YAML file.
Status ApplyOverride(const std::string& assignment, google::protobuf::Message* msg);

// Reads `path` (may be empty: defaults only), parses, applies `overrides`,
// applies defaults, validates. A relative data_dir in the file is relative to
// the file's folder; `data_dir_override` (non-empty) replaces it, and absolute
// paths under the file's data_dir move with it. Refused: `data_dir` in an
// override, a relative path the pipeline writes that leaves the data dir
// ("../x"; an absolute path is the operator's explicit choice).
Status LoadPipelineConfig(const std::string& path, const std::string& data_dir_override,
                          const std::vector<std::string>& overrides, PipelineConfig* cfg);

// `cfg` with data_dir "." and every path under it relative, as `reportflow
// run` writes <data>/pipeline.yaml: a copied data dir is independent.
PipelineConfig RelativeToDataDir(const PipelineConfig& cfg);

}  // namespace reportflow::config
