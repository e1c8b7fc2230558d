// ModuleMap: the target's loaded ELF modules (executable, shared libraries) as a libdw
// Dwfl, reported from /proc/PID/maps text. Shared by the unwinder (CFI) and the
// symbolizer (DWARF, symbol tables). refresh() re-reads the maps after a dlopen. Each
// module's file is found and checked by TargetFiles (the target's root, build-ids); debug
// files by build-id under /usr/lib/debug (the host's and the target's) and .gnu_debuglink.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cspy/core/remote_addr.h"
#include "cspy/core/result.h"
#include "cspy/modules/elf_file.h"
#include "cspy/modules/perf_map.h"
#include "cspy/modules/target_files.h"

// libdw's handles, opaque here: only the components that use libdw include its headers.
struct Dwfl;
struct Dwfl_Module;

namespace cspy::modules {

class ModuleMap {
 public:
  // `maps_source` returns the current maps text (from /proc or from a recording).
  using MapsSource = std::function<Result<std::string>()>;
  // `files` says where the files are and what they must be; null: at their paths as
  // given, unchecked (a recording without build-ids).
  static Result<std::unique_ptr<ModuleMap>> create(MapsSource maps_source,
                                                   std::shared_ptr<TargetFiles> files = nullptr);
  ~ModuleMap();
  ModuleMap(const ModuleMap&) = delete;
  ModuleMap& operator=(const ModuleMap&) = delete;

  Dwfl* dwfl() const { return dwfl_; }
  // The module containing `pc`; refreshes the maps once when none does (dlopen) and a
  // re-read is due. Not to be called while libdw or libunwind walks a stack: a refresh
  // re-reports the modules under their feet (unwinders use find() and refresh_due()).
  Dwfl_Module* module_at(RemoteAddr pc);
  // The raw (mangled) name of the ELF symbol covering `pc` in the module containing it,
  // from the module's symbol table; null when none. May re-read the maps as module_at().
  const char* elf_symbol_name(RemoteAddr pc);
  // Whether `pc` lies in the function holding its module's ELF entry point (e_entry): the
  // executable's `_start`, ld.so's entry stub; found by the symbol covering e_entry or,
  // in a stripped module, by the .eh_frame FDE covering it. Libraries have e_entry 0.
  // May re-read the maps as module_at().
  bool is_entry_function(RemoteAddr pc);
  // The module containing `pc` as last reported, without re-reading the maps. Only a
  // mapping of the module's own file counts: JIT code mapped between a module's segments
  // (V8 remaps part of node) is not the module's.
  Dwfl_Module* find(RemoteAddr pc) const;
  // The mapping containing `pc` as last read (any kind: a file, [heap], anonymous); null
  // when none.
  const Mapping* mapping_at(RemoteAddr pc) const;
  // Whether `pc` lies in code mapped from no file (an executable anonymous mapping: a
  // JIT's), as last read: re-reading the maps will not find a module for it.
  bool in_unbacked_code(RemoteAddr pc) const;
  // The name a JIT gave the code at `pc` (its perf map); null when none.
  const std::string* jit_name(RemoteAddr pc) { return perf_map_.name_at(pc.value()); }
  // The JIT names (the whole perf map, read up to now), for a recording to keep.
  const std::string& perf_map_text() { return perf_map_.text(); }
  // Whether a miss may re-read the maps now: at most every 20 ms, so that wild addresses
  // (JIT code, corrupt stacks) cost at most ~50 reads a second, but at once while the
  // maps keep changing (a library being mapped segment by segment).
  bool refresh_due() const;
  // Re-reads the maps and re-reports every module: unchanged ones keep their loaded
  // ELF/DWARF, new ones appear, gone or moved ones go. True if the maps had changed.
  Result<bool> refresh();
  std::size_t refresh_count() const { return refreshes_; }
  // What could not be used for names since the last call (a file that is not the one
  // mapped, a missing file), each module's once: for the user to read.
  std::vector<std::string> take_notices();
  // True (and `seen` brought up to date) when the maps were re-read since `seen` was
  // taken from refresh_count(): what a cache of per-address answers must be cleared on.
  bool refreshed_since(std::size_t& seen) const {
    if (seen == refreshes_) return false;
    seen = refreshes_;
    return true;
  }

 private:
  ModuleMap(MapsSource source, std::shared_ptr<TargetFiles> files);
  struct DwflSetup;  // libdw's callbacks and debug-file search path (module_map.cpp)
  MapsSource source_;
  std::unique_ptr<DwflSetup> setup_;
  PerfMap perf_map_;
  Dwfl* dwfl_ = nullptr;
  std::size_t refreshes_ = 0;
  std::uint64_t last_refresh_ns_ = 0;
  std::string last_maps_;
  bool last_refresh_changed_ = false;
};

}  // namespace cspy::modules
