// ReleaseFreedMemory: hands the pages the allocator holds free back to the
// system at once, instead of after malloc_conf's decay time (3 s). A service
// calls it after freeing a large structure and before building another, so
// its resident memory peaks at the larger of the two, not their sum.
// Thread-safety: thread-safe.
#pragma once

namespace reportflow {

// Purges every jemalloc arena's free pages; does nothing in executables
// without jemalloc (tests, sanitizer builds).
void ReleaseFreedMemory();

}  // namespace reportflow
