#include "common/metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "common/metrics/registry.h"

namespace reportflow::metrics {
namespace {

// /proc/self/stat fields after the command name (which may hold spaces and
// parentheses, so it is skipped up to its last ')'): field 3 (state) first.
std::optional<std::vector<std::string>> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  if (fields.size() < 22) return std::nullopt;
  return fields;
}

std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = 0;
      if (in >> v) return v;
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

void Family(std::string* out, const char* name, const char* type, const char* help, double value) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
          FormatSampleValue(value) + "\n";
}

}  // namespace

std::optional<ProcessStats> ReadProcessStats() {
  const auto fields = StatFields();
  const auto boot = BootTimeSeconds();
  if (!fields || !boot) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (ticks <= 0 || page <= 0) return std::nullopt;
  // Indexes from field 3: utime 14, stime 15, starttime 22, vsize 23, rss 24.
  auto field = [&](int number) { return std::stod((*fields)[number - 3]); };
  ProcessStats s;
  try {
    s.cpu_seconds = (field(14) + field(15)) / ticks;
    s.start_time_seconds = *boot + field(22) / ticks;
    s.virtual_bytes = field(23);
    s.resident_bytes = field(24) * page;
  } catch (const std::exception&) {  // std::stod on a malformed field: no figures rather than wrong ones
    return std::nullopt;
  }
  std::error_code ec;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (ec) return std::nullopt;
  s.open_fds = static_cast<double>(fds > 0 ? fds - 1 : 0);  // less the descriptor of the listing itself
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = static_cast<double>(limit.rlim_cur);
  return s;
}

std::string ProcessExposition() {
  const auto stats = ReadProcessStats();
  return stats ? ProcessExposition(*stats) : std::string();
}

std::string ProcessExposition(const ProcessStats& s) {
  std::string out;
  Family(&out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", s.cpu_seconds);
  Family(&out, "process_open_fds", "gauge", "Number of open file descriptors.", s.open_fds);
  Family(&out, "process_max_fds", "gauge", "Maximum number of open file descriptors.", s.max_fds);
  Family(&out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", s.virtual_bytes);
  Family(&out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", s.resident_bytes);
  Family(&out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
         s.start_time_seconds);
  return out;
}

}  // namespace reportflow::metrics
