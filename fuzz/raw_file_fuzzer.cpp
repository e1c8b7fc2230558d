// Fuzzes the raw sample file reader (sampling::parse_raw_file, what `cspy report` and
// `cspy diff` read): any bytes give a recording or an Error, never a crash or a read
// outside the input. A recording read is checked to point into the input only.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cspy/sampling/raw_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto rec = cspy::sampling::parse_raw_file(std::span<const std::uint8_t>(data, size), "fuzz");
  if (!rec) return 0;
  const std::uint8_t* end = data + size;
  for (const auto& s : rec->samples) {
    if (!s.stack.empty() && (s.stack.data() < data || s.stack.data() + s.stack.size() > end))
      __builtin_trap();
  }
  auto check_blobs = [&](const cspy::sampling::RawRecording::ProcessRecord& process) {
    for (const auto& blob : process.blobs) {
      if (!blob.empty() && (blob.data() < data || blob.data() + blob.size() > end))
        __builtin_trap();
    }
  };
  check_blobs(rec->own);
  for (const auto& [pid, process] : rec->children) check_blobs(process);
  return 0;
}
