// ModuleMap: a Dwfl reported from maps text, refreshed on a miss.
#include "cspy/process/module_map.h"

#include <time.h>

#include <cstdio>
#include <cstring>

namespace cspy::process {

namespace {
std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

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
  auto maps = map->source_();
  if (!maps) return maps.error();
  dwfl_report_begin(map->dwfl_);
  auto r = report_maps(map->dwfl_, *maps);
  dwfl_report_end(map->dwfl_, nullptr, nullptr);
  if (!r) return r.error();
  map->last_refresh_ns_ = now_ns();
  return map;
}

Result<void> ModuleMap::refresh() {
  auto maps = source_();
  if (!maps) return maps.error();
  dwfl_report_begin_add(dwfl_);
  auto r = report_maps(dwfl_, *maps);
  dwfl_report_end(dwfl_, nullptr, nullptr);
  ++refreshes_;
  last_refresh_ns_ = now_ns();
  return r;
}

Dwfl_Module* ModuleMap::module_at(RemoteAddr pc) {
  Dwfl_Module* mod = dwfl_addrmodule(dwfl_, pc.value());
  if (mod != nullptr) return mod;
  // A miss may be a library loaded since the last read; re-read at most every 100 ms so
  // that a wild address does not re-read the maps on every sample.
  if (now_ns() - last_refresh_ns_ < 100'000'000ULL) return nullptr;
  if (!refresh()) return nullptr;
  return dwfl_addrmodule(dwfl_, pc.value());
}

}  // namespace cspy::process
