// A deterministic mutation runner for the fuzz targets, linked instead of
// libFuzzer when the build is not a REPORTFLOW_FUZZ (clang) build, so the
// fuzz smoke test runs with any compiler.
//
//   <target> CORPUS_DIR ITERATIONS
// runs every file of CORPUS_DIR once, then ITERATIONS inputs made from them
// by byte flips, insertions of interesting bytes, deletions, duplications,
// splices and truncations (fixed seed: the same inputs on every run). A
// failing input is written to ./smoke-crash-<target>-<n> before the target
// aborts... if it aborts through std::abort, the last input is on disk.
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

struct Rng {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
};

const char* kInteresting[] = {"\0",   "\xFF",  "\xEF\xBB\xBF", "\xFF\xFE", "一、", "（一）", "。",  "%",
                              "99999999999999999999999", "\n", "\r\n", "<p>",  "</div>", "PK\x03\x04", "%PDF-",
                              "万",   "亿",    "\xE4\xB8",     "\x80",     "：",   "{",     "[",   "- "};

std::string Mutate(const std::vector<std::string>& seeds, Rng& rng) {
  std::string s = seeds[rng.Below(seeds.size())];
  const size_t steps = 1 + rng.Below(4);
  for (size_t k = 0; k < steps; ++k) {
    switch (rng.Below(6)) {
      case 0:
        if (!s.empty()) s[rng.Below(s.size())] ^= static_cast<char>(1u << rng.Below(8));
        break;
      case 1: {
        const char* ins = kInteresting[rng.Below(sizeof(kInteresting) / sizeof(kInteresting[0]))];
        const size_t len = ins[0] == '\0' ? 1 : std::char_traits<char>::length(ins);
        s.insert(rng.Below(s.size() + 1), ins, len);
        break;
      }
      case 2:
        if (!s.empty()) {
          const size_t at = rng.Below(s.size());
          s.erase(at, 1 + rng.Below(std::min<size_t>(64, s.size() - at)));
        }
        break;
      case 3:
        if (!s.empty() && s.size() < (1u << 20)) {
          const size_t at = rng.Below(s.size());
          const std::string piece = s.substr(at, 1 + rng.Below(256));
          s.insert(rng.Below(s.size() + 1), piece);
        }
        break;
      case 4: {
        const std::string& other = seeds[rng.Below(seeds.size())];
        if (!other.empty()) s = s.substr(0, rng.Below(s.size() + 1)) + other.substr(rng.Below(other.size()));
        break;
      }
      case 5:
        s.resize(rng.Below(s.size() + 1));
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR ITERATIONS\n";
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(argv[1])) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> seeds;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    seeds.push_back(ss.str());
  }
  if (seeds.empty()) {
    std::cerr << "no seeds in " << argv[1] << "\n";
    return 2;
  }
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  const long iterations = std::stol(argv[2]);
  Rng rng;
  const std::string crash_file = "smoke-last-input-" + std::filesystem::path(argv[0]).filename().string();
  for (long i = 0; i < iterations; ++i) {
    const std::string input = Mutate(seeds, rng);
    {
      std::ofstream out(crash_file, std::ios::binary | std::ios::trunc);
      out.write(input.data(), static_cast<std::streamsize>(input.size()));
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  std::filesystem::remove(crash_file);
  std::cout << "ran " << seeds.size() << " seeds and " << iterations << " mutated inputs\n";
  return 0;
}
