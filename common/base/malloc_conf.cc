// jemalloc's options, compiled into every executable (reportflow_cc_binary):
// freed pages go back to the system after 1 s instead of 10 s, so a
// service's resident memory follows what it holds (peak RSS is a budget,
// bench/README.md) at a small cost in page faults.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's.
const char* malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0";
}
