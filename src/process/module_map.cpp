// ModuleMap: a Dwfl reported from maps text, refreshed on a miss.
#include "cspy/core/clock.h"
#include "cspy/process/module_map.h"


#include <cstdio>
#include <cstring>

namespace cspy::process {

namespace {
// Reports every file-backed executable mapping in `maps` to dwfl.
Result<void> report_maps(Dwfl* dwfl, const std::string& maps) {
  FILE* f = ::fmemopen(const_cast<char*>(maps.data()), maps.size(), "r");
  if (f == nullptr) return errno_error("fmemopen");
  int rc = dwfl_linux_proc_maps_report(dwfl, f);
  std::fclose(f);
  if (rc != 0) return Error(ErrorKind::kBadInput, std::string("reading the memory maps: ") + dwfl_errmsg(-1));
  return {};
}
}  // namespace

ModuleMap::ModuleMap(MapsSource source) : source_(std::move(source)) {
  // The default search path plus the build-id tree under /usr/lib/debug.
  debuginfo_path_ = ::strdup("-:.debug:/usr/lib/debug");
  callbacks_.find_elf = dwfl_linux_proc_find_elf;
  callbacks_.find_debuginfo = dwfl_standard_find_debuginfo;
  callbacks_.debuginfo_path = &debuginfo_path_;
}

ModuleMap::~ModuleMap() {
  if (dwfl_ != nullptr) dwfl_end(dwfl_);
  std::free(debuginfo_path_);
}

Result<std::unique_ptr<ModuleMap>> ModuleMap::create(MapsSource maps_source) {
  std::unique_ptr<ModuleMap> map(new ModuleMap(std::move(maps_source)));
  map->dwfl_ = dwfl_begin(&map->callbacks_);
  if (map->dwfl_ == nullptr) return Error(std::string("dwfl_begin: ") + dwfl_errmsg(-1));
  auto changed = map->refresh();
  if (!changed) return changed.error();
  map->refreshes_ = 0;
  return map;
}

Result<bool> ModuleMap::refresh() {
  last_refresh_ns_ = monotonic_ns();
  auto maps = source_();
  if (!maps) return maps.error();
  last_refresh_changed_ = *maps != last_maps_;
  if (!last_refresh_changed_) return false;
  ++refreshes_;
  // A full report (not dwfl_report_begin_add): a library caught half-loaded, or one
  // dlclose'd, must not keep an address range that now belongs to another library.
  dwfl_report_begin(dwfl_);
  auto r = report_maps(dwfl_, *maps);
  dwfl_report_end(dwfl_, nullptr, nullptr);
  if (!r) return r.error();
  last_maps_ = std::move(*maps);
  return true;
}

namespace {
// dwfl_addrmodule can answer with the nearest module below an address that lies in no
// module (seen for a library dlopen'ed after the last report), so check the range.
Dwfl_Module* containing_module(Dwfl* dwfl, std::uint64_t pc) {
  Dwfl_Module* mod = dwfl_addrmodule(dwfl, pc);
  if (mod == nullptr) return nullptr;
  Dwarf_Addr low = 0, high = 0;
  dwfl_module_info(mod, nullptr, &low, &high, nullptr, nullptr, nullptr, nullptr);
  return pc >= low && pc < high ? mod : nullptr;
}
}  // namespace

Dwfl_Module* ModuleMap::module_at(RemoteAddr pc) {
  Dwfl_Module* mod = containing_module(dwfl_, pc.value());
  if (mod != nullptr) return mod;
  // A miss may be a library loaded since the last read (dlopen, or the libraries of a
  // program that just started); re-read at most every 20 ms so that wild addresses (JIT
  // code, corrupt stacks) cost at most ~50 reads a second. While the maps keep changing
  // (a library being mapped segment by segment) re-read at once.
  if (!last_refresh_changed_ && monotonic_ns() - last_refresh_ns_ < 20'000'000ULL) return nullptr;
  auto changed = refresh();
  if (!changed || !*changed) return nullptr;
  return containing_module(dwfl_, pc.value());
}

}  // namespace cspy::process
