#include "common/storage/rocksdb_crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

// RocksDB's own CRC32C entry point (util/crc32c.h, not among Debian's
// installed headers): the function every WAL record and blob value is
// checksummed through.
namespace rocksdb::crc32c {
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
}  // namespace rocksdb::crc32c

namespace reportflow::storage {
namespace {

// CRC32C bit by bit (reflected Castagnoli polynomial 0x82F63B78): slow and
// obviously right.
uint32_t BitwiseCrc32c(uint32_t crc, const std::string& data) {
  uint32_t reg = ~crc;
  for (unsigned char byte : data) {
    reg ^= byte;
    for (int bit = 0; bit < 8; ++bit) reg = (reg >> 1) ^ (0x82F63B78u & (0u - (reg & 1u)));
  }
  return ~reg;
}

TEST(RocksDbCrc32cTest, GivesTheCheckValueOfCrc32c) {
  EXPECT_EQ(HardwareCrc32cExtend(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(HardwareCrc32cExtend(0, "", 0), 0u);
}

TEST(RocksDbCrc32cTest, EqualsTheBitwiseCrcForEveryLengthAndSplit) {
  std::mt19937 rng(11);
  for (size_t length : {1, 3, 7, 8, 15, 16, 63, 64, 65, 255, 256, 1000, 4096, 70000}) {
    std::string data(length, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    const uint32_t whole = BitwiseCrc32c(0, data);
    EXPECT_EQ(HardwareCrc32cExtend(0, data.data(), data.size()), whole) << length << " bytes";
    // Extending a finished CRC with the rest gives the CRC of the whole, as
    // RocksDB's log writer relies on (the record type's CRC, then the payload).
    const size_t split = rng() % length;
    const uint32_t head = HardwareCrc32cExtend(0, data.data(), split);
    EXPECT_EQ(head, BitwiseCrc32c(0, data.substr(0, split)));
    EXPECT_EQ(HardwareCrc32cExtend(head, data.data() + split, length - split), whole) << "split at " << split;
  }
}

TEST(RocksDbCrc32cTest, RocksDbsCallsOfItsCrc32cReachTheHardwareOne) {
  // The link option of reportflow::storage sends every reference to
  // rocksdb::crc32c::Extend here, RocksDB's own objects' and this test's alike.
  EXPECT_EQ(reinterpret_cast<const void*>(&rocksdb::crc32c::Extend),
            reinterpret_cast<const void*>(&HardwareCrc32cExtend));
  EXPECT_EQ(rocksdb::crc32c::Extend(0, "123456789", 9), 0xE3069283u);
}

}  // namespace
}  // namespace reportflow::storage
