#include "common/base/memory.h"

#include <sys/mman.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

// jemalloc's control interface, declared weak: executables are linked with
// jemalloc (reportflow_cc_binary), tests and sanitizer builds are not, and
// there the call does nothing.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace reportflow {

void ReleaseFreedMemory() {
  if (mallctl == nullptr) return;
  // MALLCTL_ARENAS_ALL (4096): every arena, not only the calling thread's.
  (void)mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

void KeepFreedPages(int64_t ms) {
  if (mallctl == nullptr) return;
  ssize_t decay = ms;
  // The default for arenas made later, then every arena there is (one with
  // narenas:1, and the arena of huge allocations once made).
  (void)mallctl("arenas.dirty_decay_ms", nullptr, nullptr, &decay, sizeof(decay));
  unsigned arenas = 0;
  size_t size = sizeof(arenas);
  if (mallctl("arenas.narenas", &arenas, &size, nullptr, 0) != 0) return;
  for (unsigned i = 0; i < arenas; ++i) {
    const std::string name = "arena." + std::to_string(i) + ".dirty_decay_ms";
    (void)mallctl(name.c_str(), nullptr, nullptr, &decay, sizeof(decay));
  }
}

void PrewarmHeap(size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  // glibc's malloc maps a 1 MB block on its own and unmaps it when freed: nothing would stay to reuse.
  if (mallctl == nullptr) return;
  constexpr size_t kBlock = size_t{1} << 20;
  constexpr uintptr_t kPage = 4096;
  std::vector<void*> blocks;
  blocks.reserve(bytes / kBlock);
  for (size_t done = 0; done + kBlock <= bytes; done += kBlock) {
    void* p = std::malloc(kBlock);
    if (p == nullptr) break;
    blocks.push_back(p);
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kPage - 1) & ~(kPage - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + kBlock) & ~(kPage - 1);
    if (madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) != 0) break;  // an older kernel
  }
  for (void* p : blocks) std::free(p);
#else
  (void)bytes;
#endif
}

}  // namespace reportflow
