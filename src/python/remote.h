// Typed reads of target memory for the python component: a word, an int, a byte range,
// and the contents of str and bytes objects. Each returns false (or an empty value) when
// the memory cannot be read in full.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "cspy/process/process.h"
#include "cspy/python/layout.h"

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

// A str object's text (UTF-8), at most `limit` characters; empty when unreadable.
std::string read_str(const process::Process& p, const Layout& layout, std::uint64_t object,
                     std::size_t limit = 1024);

// An int object: exact when it has at most two 30-bit digits (`magnitude`), else only
// its count of digits. False when unreadable.
struct IntValue {
  bool negative = false;
  std::uint64_t magnitude = 0;
  std::int64_t digits = 0;
  bool exact() const { return digits <= 2; }
};
bool read_int(const process::Process& p, const Layout& layout, std::uint64_t object, IntValue& out);

// A bytes object's contents, at most `limit` bytes; empty when unreadable.
std::vector<std::uint8_t> read_bytes_object(const process::Process& p, const Layout& layout,
                                            std::uint64_t object, std::size_t limit);

}  // namespace cspy::python
