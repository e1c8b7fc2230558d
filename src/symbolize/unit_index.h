// UnitIndex: address -> DWARF compilation unit of one module, for debug info whose
// .debug_aranges is missing or incomplete (clang's default, DWARF 5), where libdw 0.188's
// dwfl_module_addrdie finds no unit. Built once per Dwarf from each unit's own ranges
// (DW_AT_ranges, or DW_AT_low_pc/DW_AT_high_pc); the symbolizer asks it only when libdw's
// lookup fails. Internal to src/symbolize.
#pragma once

#include <elfutils/libdw.h>

#include <map>
#include <vector>

namespace cspy::symbolize {

class UnitIndex {
 public:
  // The compilation unit of `dwarf` whose ranges hold `addr` (a DWARF address, without the
  // load bias), written to `unit`; false if no unit covers it.
  bool unit_at(Dwarf* dwarf, Dwarf_Addr addr, Dwarf_Die& unit);
  // Forgets every module (their Dwarf data may be freed when the maps are re-read).
  void clear() { modules_.clear(); }

 private:
  struct Range {
    Dwarf_Addr low = 0;  // [low, high)
    Dwarf_Addr high = 0;
    Dwarf_Addr highest_so_far = 0;  // the largest `high` of this and every earlier range
    Dwarf_Die unit;
  };
  static std::vector<Range> build(Dwarf* dwarf);

  std::map<const Dwarf*, std::vector<Range>> modules_;  // ranges sorted by low
};

}  // namespace cspy::symbolize
