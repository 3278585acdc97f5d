// YAML limits: what a YAML text expands to once its aliases are followed.
//
// yaml-cpp shares an aliased node rather than copying it, but every reader
// that walks the tree (the config loader, the taxonomy) visits it once per
// alias: nine anchors of nine aliases each ("billion laughs") cost hundreds
// of megabytes and seconds. CheckYamlExpansion counts the nodes a walk would
// visit, in one pass over the parser's events and without building the tree,
// and refuses a text that expands beyond `max_nodes`.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/base/status.h"

namespace reportflow::config {

// Large enough for any real config or taxonomy (the default taxonomy is a few
// thousand nodes), small enough to walk in milliseconds.
inline constexpr size_t kMaxYamlExpandedNodes = 1'000'000;

// InvalidArgument naming the limit when the expanded tree of `yaml` has more
// than `max_nodes` nodes; InvalidArgument with the parser's message when it is
// not valid YAML.
Status CheckYamlExpansion(std::string_view yaml, size_t max_nodes = kMaxYamlExpandedNodes);

}  // namespace reportflow::config
