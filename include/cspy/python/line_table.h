// The source line of an instruction, decoded from a code object's line table in the
// format of its version: co_lnotab (3.8-3.9), the 3.10 co_linetable, and the location
// table of 3.11+.
#pragma once

#include <cstdint>
#include <span>

namespace cspy::python {

// The line of the instruction at `offset` bytes into the bytecode of a code object whose
// first line is `firstlineno` and whose line table holds `table`; 0 when the table gives
// that instruction no line (or the offset lies beyond it).
int line_at(int version, int firstlineno, std::span<const std::uint8_t> table,
            std::uint64_t offset);

}  // namespace cspy::python
