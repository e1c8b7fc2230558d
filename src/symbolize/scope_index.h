// ScopeIndex: the function scopes of one DWARF compilation unit — every subprogram and
// inlined-subroutine DIE with its address ranges and its enclosing scope — built once
// per unit, so that finding the chain of scopes around an address is a scan of a sorted
// array instead of a walk of the DIE tree (dwarf_getscopes: 14-300 us per address here,
// up to 0.8 ms in libpython). Internal to src/symbolize.
#pragma once

#include <elfutils/libdw.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace cspy::symbolize {

class ScopeIndex {
 public:
  // The scopes around `addr` (a DWARF address of `cu`'s module, i.e. without the load
  // bias), innermost first, ending with the subprogram; empty if no function covers it.
  std::vector<Dwarf_Die> scopes_at(Dwarf_Die* cu, Dwarf_Addr addr);
  // Forgets every unit (their Dwarf data may be freed when the maps are re-read).
  void clear() { units_.clear(); }

 private:
  struct Range {
    Dwarf_Addr low = 0;  // [low, high)
    Dwarf_Addr high = 0;
    std::uint32_t scope = 0;  // index into Unit::scopes
  };
  struct Scope {
    Dwarf_Die die;
    std::int32_t parent = -1;  // the enclosing scope, -1 for a subprogram at the top
    std::uint32_t depth = 0;
  };
  struct Unit {
    std::vector<Scope> scopes;
    std::vector<Range> ranges;  // sorted by low
  };
  Unit build(Dwarf_Die* cu);
  void add_children(Dwarf_Die* parent, std::int32_t enclosing, std::uint32_t depth, Unit& unit,
                    int nesting);

  // By the unit's Dwarf and the offset of its DIE.
  std::map<std::pair<const Dwarf*, Dwarf_Off>, Unit> units_;
};

}  // namespace cspy::symbolize
