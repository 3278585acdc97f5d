// RocksDB's CRC32C computed by ISA-L, which uses the CPU's CRC32 instruction.
//
// Debian's librocksdb7.8 is a portable build: its crc32c::Extend is the
// software table walk on every CPU (IsFastCrc32Supported() answers "Not
// supported on x86" where SSE4.2 is there), and RocksDB checksums every WAL
// record and every blob value with it. At 20,000 reports that walk was about
// 4.5% of the pipeline's CPU.
//
// The storage library links every program with
// `--wrap=_ZN7rocksdb6crc32c6ExtendEjPKcm` (common/CMakeLists.txt): each call
// RocksDB's objects make to rocksdb::crc32c::Extend arrives at the function
// below instead. The result is the same CRC32C (Castagnoli polynomial), so
// logs and blob files written before read unchanged. ISA-L picks its fastest
// implementation for the CPU at run time and falls back to a table without
// SSE4.2.
#include <isa-l/crc.h>

#include <climits>
#include <cstddef>
#include <cstdint>

#include "common/storage/rocksdb_crc32c.h"

namespace reportflow::storage {

// rocksdb::crc32c::Extend's contract: `crc` is a finished CRC32C (of the
// bytes before `data`), and so is the result. ISA-L's crc32_iscsi takes and
// returns the register without the final inversion.
uint32_t HardwareCrc32cExtend(uint32_t crc, const char* data, size_t n) {
  uint32_t reg = ~crc;
  // crc32_iscsi only reads its buffer; its prototype lacks the const.
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data));
  while (n > 0) {
    const size_t step = n > static_cast<size_t>(INT_MAX) ? static_cast<size_t>(INT_MAX) : n;
    reg = crc32_iscsi(p, static_cast<int>(step), reg);
    p += step;
    n -= step;
  }
  return ~reg;
}

}  // namespace reportflow::storage
