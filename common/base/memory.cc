#include "common/base/memory.h"

#include <cstddef>

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

}  // namespace reportflow
