// The read-only query API `reportflow serve` answers (docs/openapi.yaml),
// separate from the HTTP server so it can be called and tested directly:
//
//   GET /v1/documents  /v1/metrics  /v1/rollups  /v1/regions
//       ?region=&year=&metric=   the shared filters (cli/filters.h); rollups also level=
//       &offset=0&limit=100      paging (limit at most kMaxLimit)
//     -> {"table": "...", "total": N, "offset": o, "limit": l, "items": [records]}
//        records are exactly those of `reportflow docs|metrics|aggregates --format jsonl`
//   GET /report   the HTML report of the data directory
//   GET /healthz  "ok"
//
// A bad parameter or a filter that names nothing in the data is 400 with
// {"error": "..."} (the same message the CLI prints, with near matches); an
// unknown path 404. Each request reads the stores as of that request (opened
// read-only, so a running pipeline is never blocked).
// Thread-safety: HandleQuery may be called from several threads at once.
#pragma once

#include <map>
#include <string>

namespace reportflow::cli {

inline constexpr int kDefaultLimit = 100;
inline constexpr int kMaxLimit = 10000;

struct QueryResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Renders the HTML report of a data directory (set by the command that links
// the report renderer); /report answers 404 while unset.
using ReportRenderer = std::string (*)(const std::string& data_dir, std::string* error);

QueryResponse HandleQuery(const std::string& data_dir, const std::string& path,
                          const std::multimap<std::string, std::string>& params, ReportRenderer report = nullptr);

// A strong entity tag of a response body: "\"<16 hex digits>\"" (XXH3-64).
std::string EntityTag(const std::string& body);

}  // namespace reportflow::cli
