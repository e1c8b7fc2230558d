// Fuzzes the parsing of the records the kernel writes into perf_event rings
// (sampling::parse_sample, parse_mmap2, parse_exec): any bytes are a record or refused, never
// a crash or a read outside them. The first byte picks the record kind: a sample, a sample
// with a kernel callchain (--idle's switch-outs), an exec's COMM record, or an MMAP2.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "perf_records.h"

namespace {

bool inside(const void* p, std::size_t n, const std::uint8_t* begin, const std::uint8_t* end) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  return n == 0 || (b >= begin && b <= end && n <= static_cast<std::size_t>(end - b));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int kind = data[0] % 4;
  // Ring records are 8-byte aligned: so is the copy parsed here.
  std::vector<std::uint64_t> words((size - 1 + 7) / 8 + 1);
  std::memcpy(words.data(), data + 1, size - 1);
  const auto* begin = reinterpret_cast<const std::uint8_t*>(words.data());
  const std::uint8_t* end = begin + (size - 1);
  if (kind == 2) {
    cspy::sampling::ExecRecord exec;
    (void)cspy::sampling::parse_exec(begin, end, exec);
    return 0;
  }
  if (kind == 3) {
    cspy::sampling::MmapEvent mmap;
    if (cspy::sampling::parse_mmap2(begin, end, mmap) && mmap.path.size() > size) __builtin_trap();
    return 0;
  }
  cspy::sampling::RawSample sample;
  std::span<const std::uint64_t> kernel_ips;
  if (!cspy::sampling::parse_sample(begin, end, sample, kind == 1 ? &kernel_ips : nullptr))
    return 0;
  if (!inside(sample.stack.data(), sample.stack.size(), begin, end)) __builtin_trap();
  if (!inside(kernel_ips.data(), kernel_ips.size_bytes(), begin, end)) __builtin_trap();
  return 0;
}
