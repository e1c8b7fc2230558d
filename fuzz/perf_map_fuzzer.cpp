// Fuzzes the perf-PID.map reader (modules::PerfMap, a JIT's "START SIZE name" lines, kept
// in raw files): any text gives a table whose look-ups never crash.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "cspy/modules/perf_map.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto map = cspy::modules::PerfMap::from_text(text);
  // Look up addresses taken from the input, and the edges of the address space.
  for (std::size_t i = 0; i + 8 <= size && i < 64; i += 8) {
    std::uint64_t pc = 0;
    std::memcpy(&pc, data + i, sizeof pc);
    (void)map.name_at(pc);
  }
  (void)map.name_at(0);
  (void)map.name_at(~std::uint64_t{0});
  return 0;
}
