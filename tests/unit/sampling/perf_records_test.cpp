// Tests for parse_sample and parse_exec: the fields of well-formed records, and records
// that do not fit refused without reading past their end (the fuzz target's findings).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "perf_records.h"

namespace cspy::sampling {
namespace {

// Builds a record body word by word (ring records are 8-byte aligned).
class Body {
 public:
  Body& word(std::uint64_t w) {
    words_.push_back(w);
    return *this;
  }
  Body& ids(std::uint32_t pid, std::uint32_t tid) {
    return word(static_cast<std::uint64_t>(tid) << 32 | pid);
  }
  const std::uint8_t* begin() const { return reinterpret_cast<const std::uint8_t*>(words_.data()); }
  const std::uint8_t* end() const { return begin() + words_.size() * 8; }

 private:
  std::vector<std::uint64_t> words_;
};

Body sample_with_stack(std::uint64_t size, std::uint64_t dyn_size) {
  Body b;
  b.ids(10, 11).word(1000).word(2);  // pid/tid, time, REGS_ABI_64
  for (int i = 0; i < 17; ++i) b.word(0x100 + static_cast<std::uint64_t>(i));
  b.word(size);
  for (std::uint64_t i = 0; i < size / 8; ++i) b.word(i);
  return b.word(dyn_size);
}

TEST(PerfRecords, SampleFieldsAndTheStackUpToItsDynamicSize) {
  Body b = sample_with_stack(64, 40);
  RawSample s;
  ASSERT_TRUE(parse_sample(b.begin(), b.end(), s));
  EXPECT_EQ(s.pid, 10);
  EXPECT_EQ(s.tid, 11);
  EXPECT_EQ(s.time_ns, 1000u);
  EXPECT_TRUE(s.has_regs);
  EXPECT_EQ(s.regs.dwarf[7], 0x107u);   // SP: perf's bit 7
  EXPECT_EQ(s.regs.dwarf[16], 0x108u);  // IP: perf's bit 8
  EXPECT_EQ(s.stack.size(), 40u);
  EXPECT_EQ(s.stack.data(), b.begin() + 8 * (3 + 17 + 1));
}

TEST(PerfRecords, TruncatedSampleIsRefused) {
  Body b = sample_with_stack(64, 64);
  RawSample s;
  for (const std::uint8_t* end = b.begin(); end < b.end(); end += 8) {
    EXPECT_FALSE(parse_sample(b.begin(), end, s)) << (end - b.begin());
  }
}

// A stack size near 2^64 once wrapped `p + size` below the end and was read past it.
TEST(PerfRecords, StackSizeBeyondTheRecordIsRefused) {
  Body b = sample_with_stack(0, 0);
  std::vector<std::uint64_t> words(reinterpret_cast<const std::uint64_t*>(b.begin()),
                                   reinterpret_cast<const std::uint64_t*>(b.end()));
  words[3 + 17] = ~std::uint64_t{0} - 7;  // the size word
  words.push_back(0);
  const auto* begin = reinterpret_cast<const std::uint8_t*>(words.data());
  RawSample s;
  EXPECT_FALSE(parse_sample(begin, begin + words.size() * 8, s));
}

TEST(PerfRecords, CallchainLongerThanTheRecordIsRefused) {
  Body b;
  b.ids(1, 1).word(5).word(1'000'000).word(0xffffffff81000000ULL);
  RawSample s;
  std::span<const std::uint64_t> ips;
  EXPECT_FALSE(parse_sample(b.begin(), b.end(), s, &ips));
}

TEST(PerfRecords, ExecNameAndTime) {
  Body b;
  std::uint64_t name = 0;
  std::memcpy(&name, "julia\0\0", 8);
  b.ids(77, 78).word(name).ids(77, 78).word(123456);
  ExecRecord e;
  ASSERT_TRUE(parse_exec(b.begin(), b.end(), e));
  EXPECT_EQ(e.pid, 77);
  EXPECT_EQ(e.tid, 78);
  EXPECT_EQ(e.name, "julia");
  EXPECT_EQ(e.time_ns, 123456u);
  EXPECT_FALSE(parse_exec(b.begin(), b.end() - 8, e));
}

}  // namespace
}  // namespace cspy::sampling
