#include "common/logging/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>
#include <vector>

namespace reportflow::logging {
namespace {

std::mutex& Mu() {
  static std::mutex mu;
  return mu;
}
std::vector<spdlog::sink_ptr>& Sinks() {
  static std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_sink_mt>()};
  return sinks;
}
spdlog::level::level_enum& Level() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}
std::string& ProcessName() {
  static std::string name = "reportflow";
  return name;
}

}  // namespace

Status InitLogging(std::string_view process_name, std::string_view level, std::string_view file) {
  std::lock_guard<std::mutex> lock(Mu());
  spdlog::level::level_enum lvl = spdlog::level::info;
  if (!level.empty()) {
    lvl = spdlog::level::from_str(std::string(level));
    if (lvl == spdlog::level::off && level != "off") {
      return Status::InvalidArgument("unknown log level '" + std::string(level) +
                                     "' (trace, debug, info, warn, error, critical, off)");
    }
  }
  Level() = lvl;
  ProcessName() = std::string(process_name);
  Sinks().clear();
  if (file.empty()) {
    Sinks().push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    try {
      Sinks().push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(std::string(file)));
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IoError(std::string("cannot open log file: ") + e.what());
    }
  }
  spdlog::drop_all();
  return Status::OK();
}

std::shared_ptr<spdlog::logger> GetLogger(const std::string& component) {
  std::lock_guard<std::mutex> lock(Mu());
  if (auto existing = spdlog::get(component)) return existing;
  auto logger = std::make_shared<spdlog::logger>(component, Sinks().begin(), Sinks().end());
  logger->set_level(Level());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ " + ProcessName() + "/%n %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace reportflow::logging
