#ifndef REPORTFLOW_COMMON_STORAGE_ROCKSDB_CRC32C_H_
#define REPORTFLOW_COMMON_STORAGE_ROCKSDB_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace reportflow::storage {

// CRC32C of `n` bytes at `data` continuing `crc` (the CRC32C of the bytes
// before them; 0 to start), on the CPU's CRC32 instruction (ISA-L).
//
// Its link name is the one `--wrap=_ZN7rocksdb6crc32c6ExtendEjPKcm` sends
// RocksDB's own calls of rocksdb::crc32c::Extend to: every program linking
// reportflow::storage checksums WAL records and blob values here rather than
// in Debian's portable (software) RocksDB build. See rocksdb_crc32c.cc.
uint32_t HardwareCrc32cExtend(uint32_t crc, const char* data, size_t n) __asm__(
    "__wrap__ZN7rocksdb6crc32c6ExtendEjPKcm");

}  // namespace reportflow::storage

#endif  // REPORTFLOW_COMMON_STORAGE_ROCKSDB_CRC32C_H_
