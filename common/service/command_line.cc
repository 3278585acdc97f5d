#include "common/service/command_line.h"

#include <fmt/core.h>
#include <google/protobuf/stubs/common.h>
#include <rocksdb/version.h>
#include <spdlog/version.h>
#include <unicode/uversion.h>
#include <xxhash.h>
#include <zmq.hpp>

#include <httplib.h>

#include <iostream>

#include "git_revision.h"

namespace reportflow::service {
namespace {
std::string Dotted(unsigned major, unsigned minor, unsigned patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}
}  // namespace

std::string VersionText(const std::string& program, const std::vector<std::pair<std::string, std::string>>& extra) {
  int zmq_major = 0, zmq_minor = 0, zmq_patch = 0;
  zmq_version(&zmq_major, &zmq_minor, &zmq_patch);
  UVersionInfo icu;
  u_getVersion(icu);
  char icu_text[U_MAX_VERSION_STRING_LENGTH];
  u_versionToString(icu, icu_text);
  const unsigned xxh = XXH_versionNumber();
  std::vector<std::pair<std::string, std::string>> libs = {
      {"zeromq", Dotted(zmq_major, zmq_minor, zmq_patch)},
      {"cppzmq", Dotted(CPPZMQ_VERSION_MAJOR, CPPZMQ_VERSION_MINOR, CPPZMQ_VERSION_PATCH)},
      {"protobuf", google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION)},
      {"rocksdb", rocksdb::GetRocksVersionAsString()},
      {"icu", icu_text},
      {"spdlog", Dotted(SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH)},
      {"fmt", Dotted(FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
      {"xxhash", Dotted(xxh / 10000, xxh / 100 % 100, xxh % 100)},
      {"cpp-httplib", CPPHTTPLIB_VERSION},
  };
  libs.insert(libs.end(), extra.begin(), extra.end());
  std::string out = program + " " + REPORTFLOW_VERSION + " (git " + REPORTFLOW_GIT_REVISION + ")\nlibraries:";
  for (size_t i = 0; i < libs.size(); ++i) out += (i ? ", " : " ") + libs[i].first + " " + libs[i].second;
  return out;
}

int ParseErrorExit(const CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
  std::cerr << app.get_name() << ": " << error.what() << "\n" << "Run with --help for more information.\n";
  return 2;
}

}  // namespace reportflow::service
