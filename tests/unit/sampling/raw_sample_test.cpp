// Tests for reading words from a sample's stack copy, including addresses whose end
// would wrap around the address space (a corrupt frame once crashed the unwinder so).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "cspy/sampling/raw_sample.h"

namespace cspy::sampling {
namespace {

TEST(ReadStackWord, InsideTheCopyOnly) {
  std::vector<std::uint8_t> bytes(32);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i);
  RawSample s;
  s.regs.dwarf[kDwarfSp] = 0x1000;
  s.stack = bytes;
  std::uint64_t w = 0;
  ASSERT_TRUE(read_stack_word(s, 0x1000, w));
  EXPECT_EQ(w, 0x0706050403020100ULL);
  EXPECT_TRUE(read_stack_word(s, 0x1018, w));   // the last whole word
  EXPECT_FALSE(read_stack_word(s, 0x1019, w));  // runs past the end
  EXPECT_FALSE(read_stack_word(s, 0x0ff8, w));  // below sp
  EXPECT_FALSE(read_stack_word(s, std::numeric_limits<std::uint64_t>::max(), w));
  EXPECT_FALSE(read_stack_word(s, std::numeric_limits<std::uint64_t>::max() - 3, w));
}

TEST(ReadStackWord, StackAtTheTopOfTheAddressSpace) {
  std::vector<std::uint8_t> bytes(16, 0xab);
  RawSample s;
  s.regs.dwarf[kDwarfSp] = std::numeric_limits<std::uint64_t>::max() - 15;
  s.stack = bytes;
  std::uint64_t w = 0;
  EXPECT_TRUE(read_stack_word(s, s.regs.sp() + 8, w));
  EXPECT_FALSE(read_stack_word(s, s.regs.sp() + 9, w));
}

TEST(ReadStackWord, EmptyCopy) {
  RawSample s;
  s.regs.dwarf[kDwarfSp] = 0x1000;
  std::uint64_t w = 0;
  EXPECT_FALSE(read_stack_word(s, 0x1000, w));
}

}  // namespace
}  // namespace cspy::sampling
