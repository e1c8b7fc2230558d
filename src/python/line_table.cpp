// Line table decoding for CPython 3.8-3.13 (Objects/lnotab_notes.txt and
// InternalDocs/locations of each version).
#include "cspy/python/line_table.h"

#include <cstddef>

namespace cspy::python {

namespace {

// 3.8-3.9 co_lnotab: (bytecode delta, signed line delta) pairs.
int lnotab_line(int first, std::span<const std::uint8_t> t, std::uint64_t offset) {
  int line = first;
  std::uint64_t addr = 0;
  for (std::size_t i = 0; i + 1 < t.size(); i += 2) {
    addr += t[i];
    if (addr > offset) break;
    line += static_cast<std::int8_t>(t[i + 1]);
  }
  return line;
}

// 3.10 co_linetable: (bytecode length, signed line delta) pairs; -128 = no line.
int linetable310_line(int first, std::span<const std::uint8_t> t, std::uint64_t offset) {
  int line = first;
  std::uint64_t addr = 0;
  for (std::size_t i = 0; i + 1 < t.size(); i += 2) {
    const std::uint64_t end = addr + t[i];
    const auto delta = static_cast<std::int8_t>(t[i + 1]);
    if (delta != -128) line += delta;
    if (offset >= addr && offset < end) return delta == -128 ? 0 : line;
    addr = end;
  }
  return 0;
}

// 3.11+ location table: entries of (code, length in code units) with variable-length
// operands; codes 0-9 short form, 10-12 one-line form, 13 no column, 14 long, 15 none.
class LocationReader {
 public:
  explicit LocationReader(std::span<const std::uint8_t> t) : t_(t) {}
  bool done() const { return i_ >= t_.size(); }
  std::uint8_t byte() { return i_ < t_.size() ? t_[i_++] : 0; }
  std::uint64_t varint() {
    std::uint8_t b = byte();
    std::uint64_t value = b & 63U;
    unsigned shift = 6;
    while ((b & 64U) != 0 && !done() && shift < 64) {
      b = byte();
      value |= static_cast<std::uint64_t>(b & 63U) << shift;
      shift += 6;
    }
    return value;
  }
  std::int64_t svarint() {
    const std::uint64_t u = varint();
    return (u & 1U) != 0 ? -static_cast<std::int64_t>(u >> 1) : static_cast<std::int64_t>(u >> 1);
  }

 private:
  std::span<const std::uint8_t> t_;
  std::size_t i_ = 0;
};

int locations_line(int first, std::span<const std::uint8_t> t, std::uint64_t offset) {
  const std::uint64_t unit = offset / 2;
  LocationReader r(t);
  std::int64_t line = first;
  std::uint64_t addr = 0;
  while (!r.done()) {
    const std::uint8_t head = r.byte();
    const unsigned code = (head >> 3U) & 15U;
    const std::uint64_t length = (head & 7U) + 1U;
    bool has_line = true;
    if (code == 15) {
      has_line = false;
    } else if (code == 14) {
      line += r.svarint();
      (void)r.varint();  // end line delta
      (void)r.varint();  // column
      (void)r.varint();  // end column
    } else if (code == 13) {
      line += r.svarint();
    } else if (code >= 10) {
      line += code - 10;
      (void)r.byte();
      (void)r.byte();
    } else {
      (void)r.byte();
    }
    if (unit >= addr && unit < addr + length) return has_line ? static_cast<int>(line) : 0;
    addr += length;
  }
  return 0;
}

}  // namespace

int line_at(int version, int firstlineno, std::span<const std::uint8_t> table,
            std::uint64_t offset) {
  if (version <= 309) return lnotab_line(firstlineno, table, offset);
  if (version == 310) return linetable310_line(firstlineno, table, offset);
  return locations_line(firstlineno, table, offset);
}

}  // namespace cspy::python
