// ElfTables: what the libunwind backend reads from the target's ELF files instead of its
// memory — each module's read-only PT_LOAD bytes at their runtime addresses (CFI, code)
// and the location of its .eh_frame_hdr binary-search table. Built lazily per module
// from the shared ModuleMap (dwfl_module_getelf + bias); internal to src/unwind.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>

#include "cspy/modules/module_map.h"

namespace cspy::unwind {

// A module's .eh_frame_hdr search table, in runtime addresses.
struct EhFrameTable {
  std::uint64_t module_start = 0;  // [module_start, module_end): the module's addresses
  std::uint64_t module_end = 0;
  std::uint64_t hdr_address = 0;    // .eh_frame_hdr: the base of its datarel entries
  std::uint64_t table_address = 0;  // the first (start_ip, fde) pair
  std::uint64_t fde_count = 0;
};

class ElfTables {
 public:
  explicit ElfTables(modules::ModuleMap& modules) : modules_(modules) {}

  // Forgets every module: after the maps were re-read, gone modules' bytes are freed.
  void clear();
  // The search table of the module containing `pc` (as last reported: the maps are not re-read);
  // null when there is none (no module, no .eh_frame_hdr, or a table layout libunwind cannot
  // binary-search).
  const EhFrameTable* table_at(std::uint64_t pc);
  // Reads the 8 bytes at `addr` from a read-only segment of a module seen by table_at();
  // false when `addr` is in none (then the caller asks the live process).
  bool read_word(std::uint64_t addr, std::uint64_t& value);
  // The same from a writable segment's file bytes: a last resort when the target cannot
  // be read (replay). Relocated data reads wrong, but unwinding reads such words only for
  // personality-routine pointers (DW_EH_PE_indirect), which it does not use.
  bool read_writable_word(std::uint64_t addr, std::uint64_t& value);

 private:
  struct Segment {
    std::uint64_t end = 0;
    const std::uint8_t* bytes = nullptr;  // the file's bytes for [start, end)
  };
  struct ModuleInfo {
    bool has_table = false;
    EhFrameTable table;
  };
  using Segments = std::map<std::uint64_t, Segment>;  // by runtime start address
  ModuleInfo load(Dwfl_Module* mod);
  static const Segment* find(const Segments& segments, std::uint64_t addr, std::uint64_t& start);
  static void copy_word(const Segment& segment, std::uint64_t start, std::uint64_t addr,
                        std::uint64_t& value);

  modules::ModuleMap& modules_;
  std::unordered_map<Dwfl_Module*, ModuleInfo> by_module_;
  Segments segments_;              // read-only
  Segments writable_segments_;     // file bytes of writable ones (see read_writable_word)
  const Segment* last_ = nullptr;  // the segment of the last hit
  std::uint64_t last_start_ = 0;
};

}  // namespace cspy::unwind
