// Typed reads of target memory for the python component: a word, an int, a byte range.
// Each returns false (or an empty value) when the memory cannot be read in full.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "cspy/process/process.h"

namespace cspy::python {

inline bool read_bytes(const process::Process& p, std::uint64_t addr, void* out, std::size_t n) {
  if (addr == 0) return false;
  auto got = p.read_memory(RemoteAddr(addr), out, n);
  return got && *got == n;
}

template <typename T>
bool read_value(const process::Process& p, std::uint64_t addr, T& out) {
  return read_bytes(p, addr, &out, sizeof out);
}

// A field of type T at `offset` in a block read earlier.
template <typename T>
T field(std::span<const std::uint8_t> block, int offset) {
  T value{};
  if (offset >= 0 && static_cast<std::size_t>(offset) + sizeof value <= block.size()) {
    std::memcpy(&value, block.data() + offset, sizeof value);
  }
  return value;
}

}  // namespace cspy::python
