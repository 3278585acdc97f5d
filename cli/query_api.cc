#include "cli/query_api.h"

#include <xxhash.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/export_records.h"
#include "common/stream/rollup_keys.h"

namespace reportflow::cli {
namespace {

using nlohmann::ordered_json;

QueryResponse Error(int status, const std::string& message) {
  return {status, "application/json", ordered_json{{"error", message}}.dump(-1, ' ', false,
                                                                        nlohmann::json::error_handler_t::replace)};
}

bool ParseInt(const std::string& s, long long lo, long long hi, long long* out) {
  if (s.empty() || s.size() > 12) return false;
  size_t pos = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &pos);
  } catch (...) {
    return false;
  }
  if (pos != s.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

std::string EntityTag(const std::string& body) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "\"%016llx\"", static_cast<unsigned long long>(XXH3_64bits(body.data(), body.size())));
  return buf;
}

QueryResponse HandleQuery(const std::string& data_dir, const std::string& path,
                          const std::multimap<std::string, std::string>& params, ReportRenderer report) {
  if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (path == "/report") {
    if (report == nullptr) return Error(404, "no report renderer in this build");
    std::string error;
    std::string html = report(data_dir, &error);
    if (!error.empty()) return Error(500, error);
    return {200, "text/html; charset=utf-8", std::move(html)};
  }
  static const std::map<std::string, RecordTable> kTables = {{"/v1/documents", RecordTable::kDocuments},
                                                             {"/v1/metrics", RecordTable::kMetrics},
                                                             {"/v1/rollups", RecordTable::kRollups},
                                                             {"/v1/regions", RecordTable::kRegions}};
  const auto table = kTables.find(path);
  if (table == kTables.end()) return Error(404, "no such path " + path + " (see docs/openapi.yaml)");

  FilterSpec spec;
  std::string level;
  long long offset = 0, limit = kDefaultLimit;
  std::set<std::string> allowed = {"offset", "limit"};
  if (table->second != RecordTable::kRegions) allowed.insert({"region", "year", "metric"});
  if (table->second == RecordTable::kRollups) allowed.insert("level");
  for (const auto& [key, value] : params) {
    if (!allowed.count(key)) return Error(400, "unknown parameter '" + key + "' for " + path);
    if (params.count(key) > 1) return Error(400, "parameter '" + key + "' given more than once");
    long long year = 0;
    if (key == "region") spec.region = value;
    if (key == "metric") spec.metric = value;
    if (key == "level") level = value;
    if (key == "year" && !ParseInt(value, 1, 9999, &year)) return Error(400, "year must be a number such as 2024");
    if (key == "year") spec.year = static_cast<int>(year);
    if (key == "offset" && !ParseInt(value, 0, 1LL << 40, &offset)) return Error(400, "offset must be >= 0");
    if (key == "limit" && !ParseInt(value, 1, kMaxLimit, &limit)) {
      return Error(400, "limit must be between 1 and " + std::to_string(kMaxLimit));
    }
  }
  static const std::set<std::string> kLevels = {"township", "county", "city", "province", "unknown"};
  if (!level.empty() && !kLevels.count(level)) {
    return Error(400, "level must be township, county, city, province or unknown");
  }
  auto reader = DataReader::Open(data_dir);
  if (!reader.ok()) return Error(503, reader.status().message());
  auto filter = RecordFilter::Open(spec, **reader);
  if (!filter.ok()) return Error(400, filter.status().message());
  ordered_json items = ordered_json::array();
  long long total = 0;
  Status s = ForEachRecord(**reader, *filter, table->second, [&](const ordered_json& r) {
    if (!level.empty() && r.value("level", "") != level) return;
    if (total >= offset && total < offset + limit) items.push_back(r);
    ++total;
  });
  if (!s.ok()) return Error(500, s.message());
  ordered_json out;
  out["table"] = TableName(table->second);
  out["total"] = total;
  out["offset"] = offset;
  out["limit"] = limit;
  out["items"] = std::move(items);
  return {200, "application/json", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace reportflow::cli
