// ReleaseFreedMemory: hands the pages the allocator holds free back to the
// system at once, instead of after malloc_conf's decay time (3 s). A service
// calls it after freeing a large structure and before building another, so
// its resident memory peaks at the larger of the two, not their sum.
// Thread-safety: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

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

// Keeps the pages the allocator holds free for `ms` before handing them back
// to the system (jemalloc's dirty decay time, 3 s in malloc_conf.cc), or for
// as long as the process runs with -1. A longer time trades resident memory
// for page faults: the memory a service frees and takes again at a steady
// rate (ZeroMQ's messages, RocksDB's file buffers and memtable blocks) is
// otherwise partly handed back and faulted in anew. Does nothing without
// jemalloc (tests, sanitizer builds).
void KeepFreedPages(int64_t ms);

}  // namespace reportflow
