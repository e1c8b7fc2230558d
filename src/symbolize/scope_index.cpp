// ScopeIndex: subprogram and inlined-subroutine ranges of a compilation unit, indexed once.
#include "scope_index.h"

#include <dwarf.h>

#include <algorithm>

namespace cspy::symbolize {

namespace {

// Children worth descending into: scopes, blocks and the containers that hold function
// definitions (namespaces, classes for in-class definitions, Fortran modules, imported units).
bool may_hold_scopes(int tag) {
  switch (tag) {
    case DW_TAG_subprogram:
    case DW_TAG_inlined_subroutine:
    case DW_TAG_lexical_block:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
    case DW_TAG_namespace:
    case DW_TAG_module:
    case DW_TAG_class_type:
    case DW_TAG_structure_type:
    case DW_TAG_union_type:
    case DW_TAG_entry_point:
      return true;
    default:
      return false;
  }
}

// Deeper than this is a corrupt or cyclic tree (imported units that import each other).
constexpr int kMaxNesting = 256;

}  // namespace

void ScopeIndex::add_children(Dwarf_Die* parent, std::int32_t enclosing, std::uint32_t depth,
                              Unit& unit, int nesting) {
  if (nesting > kMaxNesting) return;
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    const int tag = dwarf_tag(&child);
    if (tag == DW_TAG_imported_unit) {
      // dwz moves shared DIEs into partial units that compilation units import.
      Dwarf_Attribute attr;
      Dwarf_Die imported;
      if (dwarf_attr(&child, DW_AT_import, &attr) != nullptr &&
          dwarf_formref_die(&attr, &imported) != nullptr) {
        add_children(&imported, enclosing, depth, unit, nesting + 1);
      }
      continue;
    }
    if (!may_hold_scopes(tag)) continue;
    std::int32_t inner = enclosing;
    std::uint32_t inner_depth = depth;
    if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
      const auto index = static_cast<std::uint32_t>(unit.scopes.size());
      bool has_range = false;
      Dwarf_Addr base = 0;
      Dwarf_Addr low = 0;
      Dwarf_Addr high = 0;
      for (ptrdiff_t off = 0; (off = dwarf_ranges(&child, off, &base, &low, &high)) > 0;) {
        if (high <= low) continue;
        unit.ranges.push_back(Range{low, high, index});
        has_range = true;
      }
      // Declarations and abstract instances have no code; their children do not either.
      if (!has_range && tag == DW_TAG_subprogram) continue;
      if (has_range) {
        unit.scopes.push_back(Scope{child, enclosing, depth});
        inner = static_cast<std::int32_t>(index);
        inner_depth = depth + 1;
      }
    }
    if (dwarf_haschildren(&child) != 0) add_children(&child, inner, inner_depth, unit, nesting + 1);
  } while (dwarf_siblingof(&child, &child) == 0);
}

ScopeIndex::Unit ScopeIndex::build(Dwarf_Die* cu) {
  Unit unit;
  add_children(cu, -1, 0, unit, 0);
  std::sort(unit.ranges.begin(), unit.ranges.end(),
            [](const Range& a, const Range& b) { return a.low < b.low; });
  return unit;
}

std::vector<Dwarf_Die> ScopeIndex::scopes_at(Dwarf_Die* cu, Dwarf_Addr addr) {
  const auto key =
      std::make_pair(static_cast<const Dwarf*>(dwarf_cu_getdwarf(cu->cu)), dwarf_dieoffset(cu));
  auto it = units_.find(key);
  if (it == units_.end()) it = units_.emplace(key, build(cu)).first;
  const Unit& unit = it->second;
  // The deepest scope whose ranges hold addr is the innermost.
  const Scope* innermost = nullptr;
  for (const Range& r : unit.ranges) {
    if (r.low > addr) break;
    if (addr >= r.high) continue;
    const Scope& s = unit.scopes[r.scope];
    if (innermost == nullptr || s.depth > innermost->depth) innermost = &s;
  }
  std::vector<Dwarf_Die> chain;
  for (const Scope* s = innermost; s != nullptr;
       s = s->parent < 0 ? nullptr : &unit.scopes[static_cast<std::size_t>(s->parent)]) {
    chain.push_back(s->die);
    if (dwarf_tag(&chain.back()) == DW_TAG_subprogram) break;
  }
  return chain;
}

}  // namespace cspy::symbolize
