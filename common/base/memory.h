// ReleaseFreedMemory: hands the pages the allocator holds free back to the
// system at once, instead of after malloc_conf's decay time (3 s). A service
// calls it after freeing a large structure and before building another, so
// its resident memory peaks at the larger of the two, not their sum.
// Thread-safety: thread-safe.
#pragma once

#include <cstddef>

namespace reportflow {

// Purges every jemalloc arena's free pages; does nothing in executables
// without jemalloc (tests, sanitizer builds).
void ReleaseFreedMemory();

// Faults in `bytes` of the calling thread's heap at once and frees them, so
// the allocations that follow on this thread take pages already there. On a
// virtual machine a page fault is dear (~11.7 us each on the one the
// benchmarks ran on, against 0.65 us a page populated in bulk with
// MADV_POPULATE_WRITE), and a service's first touch of its working set
// (memtable arenas, the WAL writer's buffer, its own tables) was most of the
// ~72,000 faults of a 20k batch, ~9% of its CPU. The pages stay with the
// allocator until its decay time (malloc_conf.cc) if nothing takes them. In
// 1 MB blocks: jemalloc serves a small allocation from a free extent at most
// 64 times its size. Does nothing without jemalloc (tests, sanitizer builds)
// or without MADV_POPULATE_WRITE (Linux < 5.14).
void PrewarmHeap(size_t bytes);

}  // namespace reportflow
