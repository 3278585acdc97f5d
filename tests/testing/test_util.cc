#include "tests/testing/test_util.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace reportflow::testing {

std::filesystem::path SourceDir() {
  const char* dir = std::getenv("REPORTFLOW_SOURCE_DIR");
  return dir ? std::filesystem::path(dir) : std::filesystem::current_path();
}

std::filesystem::path BinDir() {
  const char* dir = std::getenv("REPORTFLOW_BIN_DIR");
  return dir ? std::filesystem::path(dir) : SourceDir() / "build" / "bin";
}

std::string ReadFileOrDie(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "reportflow-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace reportflow::testing
