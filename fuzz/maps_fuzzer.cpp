// Fuzzes the /proc/PID/maps parser (modules::parse_maps; a raw file's maps are outside
// data): any text gives mappings, each with start <= end, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cspy/modules/elf_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const cspy::modules::Mapping& m : cspy::modules::parse_maps(text)) {
    if (m.start > m.end) __builtin_trap();
  }
  return 0;
}
