// UnitIndex: the address ranges of every compilation unit of a module, sorted once.
#include "unit_index.h"

#include <dwarf.h>

#include <algorithm>
#include <cstdint>

namespace cspy::symbolize {

std::vector<UnitIndex::Range> UnitIndex::build(Dwarf* dwarf) {
  std::vector<Range> ranges;
  Dwarf_CU* cu = nullptr;
  Dwarf_CU* next = nullptr;
  Dwarf_Half version = 0;
  std::uint8_t unit_type = 0;
  Dwarf_Die unit;
  Dwarf_Die split;
  while (dwarf_get_units(dwarf, cu, &next, &version, &unit_type, &unit, &split) == 0) {
    cu = next;
    // Type units hold no code; partial units (dwz) are reached through the units that
    // import them; skeleton units' scopes are in a .dwo this index does not read.
    if (unit_type != DW_UT_compile) continue;
    Dwarf_Addr base = 0;
    Dwarf_Addr low = 0;
    Dwarf_Addr high = 0;
    for (ptrdiff_t off = 0; (off = dwarf_ranges(&unit, off, &base, &low, &high)) > 0;) {
      // Empty ranges, and code the linker dropped (lld's tombstones: low past high).
      if (high <= low) continue;
      ranges.push_back(Range{.low = low, .high = high, .unit = unit});
    }
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.low < b.low; });
  Dwarf_Addr highest = 0;
  for (Range& r : ranges) {
    highest = std::max(highest, r.high);
    r.highest_so_far = highest;
  }
  return ranges;
}

bool UnitIndex::unit_at(Dwarf* dwarf, Dwarf_Addr addr, Dwarf_Die& unit) {
  auto it = modules_.find(dwarf);
  if (it == modules_.end()) it = modules_.emplace(dwarf, build(dwarf)).first;
  const std::vector<Range>& ranges = it->second;
  // The last range starting at or before addr, then back while an earlier one may reach it
  // (units' ranges seldom overlap; when they do, the one starting nearest addr wins).
  auto r = std::upper_bound(ranges.begin(), ranges.end(), addr,
                            [](Dwarf_Addr a, const Range& range) { return a < range.low; });
  while (r != ranges.begin()) {
    --r;
    if (r->highest_so_far <= addr) return false;
    if (addr < r->high) {
      unit = r->unit;
      return true;
    }
  }
  return false;
}

}  // namespace cspy::symbolize
