// jemalloc's options, compiled into every executable (reportflow_cc_binary):
// freed pages go back to the system after 3 s instead of jemalloc's 10 s, so a
// service's resident memory follows what it holds (peak RSS is a budget,
// bench/README.md), and muzzy (MADV_FREE) pages are not kept, since they count
// as resident until the kernel takes them.
//
// Not sooner: a page given back and touched again is a page fault, and on a
// virtual machine that hands freed memory back to its host a fault can cost
// tens of microseconds. With 1 s, a 20k batch took 146,000 faults; with 3 s,
// 90,000 and 5-7% less CPU (pairs alternating on one build); 10 s was no
// faster than 3 s, and aggregate's peak at 100k rose by 9 MB against 3 MB
// (bench/README.md, "Issue 17, eighteenth session"). Ingest, segment and
// extract keep freed pages longer, for as long as they run (HeapPolicy in
// their main.cc, KeepFreedPages in memory.h): their memory is bounded, and
// what they free they soon take again.
//
// One arena (narenas:1), not jemalloc's four per CPU. Each thread took its own
// arena: the pages RocksDB's flush thread freed (a flushed memtable's blocks,
// its file buffers) or ZeroMQ's I/O thread freed (received messages) stayed
// in theirs, and the main thread faulted in fresh ones, so every service held
// and touched more pages than it used at once. A page fault costs ~11.7 us on
// the machine the benchmarks ran on (common/base/memory.h). With one arena,
// a 20k batch took 46,000 faults instead of 60,000, and 5 alternating pairs:
// CPU x0.956, wall x0.957, peaks 63/53/52/122 -> 57/48/47/116 MB (ingest,
// segment, extract, aggregate). The services allocate mostly on their main
// thread, and the thread caches serve small sizes without the arena's lock.
//
// Huge pages (REPORTFLOW_HEAP_HUGE_PAGES, reportflow_cc_binary's HUGE_PAGES:
// ingest): jemalloc asks for transparent huge pages on its extents and its
// metadata (the kernel grants them on madvise), so the heap is faulted in 2 MB
// at a time instead of 4 KB. Ingest reads every file and holds the documents
// it admits: 20k reports, 10 alternating pairs with ingest, segment and
// extract so, ingest's CPU -3% (lower in 9 of 10), segment's -1%, extract's
// nothing to tell from noise, peaks +6-9 MB each; aggregate with it (4
// pairs): CPU +3%, and its peak is near its budget. Only ingest takes them.
extern "C" {
#ifdef REPORTFLOW_HEAP_HUGE_PAGES
// NOLINTNEXTLINE: the name is jemalloc's.
const char* malloc_conf = "dirty_decay_ms:3000,muzzy_decay_ms:0,narenas:1,thp:always,metadata_thp:always";
#else
// NOLINTNEXTLINE: the name is jemalloc's.
const char* malloc_conf = "dirty_decay_ms:3000,muzzy_decay_ms:0,narenas:1";
#endif
}
