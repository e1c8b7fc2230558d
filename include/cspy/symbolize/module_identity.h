// ModuleIdentity: which binary maps an address in the target, as outputs that name
// binaries want it (pprof's Mapping): its path as mapped, its address range, the file
// offset of its start and its GNU build-id, read from the module libdw reported.
// Use after symbolizing `pc` (its ELF file is then loaded): module_identity(modules, pc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cspy/core/remote_addr.h"
#include "cspy/modules/module_map.h"

namespace cspy::symbolize {

struct ModuleIdentity {
  std::string path;  // the module's name: its path in the target's maps
  std::uint64_t start = 0;
  std::uint64_t limit = 0;        // end of the range the module covers
  std::uint64_t file_offset = 0;  // file offset mapped at `start` (its first PT_LOAD's page)
  std::string build_id;           // lowercase hex of the NT_GNU_BUILD_ID note; empty if none
};

// The module containing `pc` as last reported (the maps are not re-read); nullopt when no
// module maps it.
std::optional<ModuleIdentity> module_identity(const modules::ModuleMap& modules, RemoteAddr pc);

}  // namespace cspy::symbolize
