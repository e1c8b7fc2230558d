// ModuleMap: a Dwfl reported from maps text, refreshed on a miss.
#include "cspy/modules/module_map.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "cspy/core/clock.h"
#include "cspy/core/path.h"
#include "debuginfod_probe.h"
#include "vdso.h"

namespace cspy::modules {

namespace {
constexpr const char* kVdsoName = "[vdso]";

// Reports the target's [vdso] mapping, if any, as a module whose ELF find_elf supplies
// later from cspy's own vDSO image: the same kernel maps the same image into every
// process (checked by its size). Reported by range, not with its file, so that a later
// report of the same range keeps the module (dwfl_report_elf would reopen the file and
// refuse the new descriptor as an overlap).
void report_vdso(Dwfl* dwfl, const std::string& maps) {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  if (own_vdso_path().empty() || !find_vdso_range(maps, low, high)) return;
  if (high - low != own_vdso_size()) return;
  // Failure leaves the vDSO without CFI, as before: the unwinders' fallbacks apply.
  dwfl_report_module(dwfl, kVdsoName, low, high);
}

// Reports every file-backed executable mapping in `maps` to dwfl, and the vDSO.
Result<void> report_maps(Dwfl* dwfl, const std::string& maps) {
  FILE* f = ::fmemopen(const_cast<char*>(maps.data()), maps.size(), "r");
  if (f == nullptr) return errno_error("fmemopen");
  int rc = dwfl_linux_proc_maps_report(dwfl, f);
  (void)std::fclose(f);
  if (rc != 0)
    return Error(ErrorKind::kBadInput, std::string("reading the memory maps: ") + dwfl_errmsg(-1));
  report_vdso(dwfl, maps);
  return {};
}
}  // namespace

// libdw's callbacks, with what find_elf needs: each module reported points to this
// (its userdata), so that its file is found through the target's root and checked.
struct ModuleMap::DwflSetup {
  explicit DwflSetup(std::shared_ptr<TargetFiles> target_files) : files(std::move(target_files)) {
    // The user's directories, the default search path (beside the file, .debug/), the
    // build-id tree under /usr/lib/debug, and the target's own. debuginfod, when
    // DEBUGINFOD_URLS is set, is asked by libdw after these.
    std::string path = "-";
    for (const std::string& dir : files->debug_dirs()) path += ":" + dir;
    path += ":.debug:/usr/lib/debug";
    if (!files->debug_dir().empty()) path += ":" + files->debug_dir();
    debuginfo_path = ::strdup(path.c_str());
  }
  DwflSetup(const DwflSetup&) = delete;
  DwflSetup& operator=(const DwflSetup&) = delete;
  ~DwflSetup() { std::free(debuginfo_path); }

  static int find_elf(Dwfl_Module* mod, void** userdata, const char* name, Dwarf_Addr base,
                      char** file_name, Elf** elfp);
  // libdw's search (local directories, then debuginfod); a miss is told to the probe.
  static int find_debuginfo(Dwfl_Module* mod, void** userdata, const char* name, Dwarf_Addr base,
                            const char* file_name, const char* debuglink, GElf_Word crc,
                            char** debuginfo_file_name);
  // The end of the mapping that starts at `start`, or `start` when none does.
  std::uint64_t mapping_end(std::uint64_t start) const {
    for (const Mapping& m : mappings) {
      if (m.start == start) return m.end;
    }
    return start;
  }

  std::shared_ptr<TargetFiles> files;
  std::vector<Mapping> mappings;  // as last reported
  char* debuginfo_path = nullptr;
  DebuginfodProbe debuginfod;
  Dwfl_Callbacks callbacks{.find_elf = find_elf,
                           .find_debuginfo = find_debuginfo,
                           .section_address = nullptr,
                           .debuginfo_path = &debuginfo_path};
};

// A file-backed module's ELF: its file, found and checked by TargetFiles, else (live) the
// image in the target's memory, whose dynamic symbols and CFI libdw can still read. The
// vDSO's image comes from cspy's own.
int ModuleMap::DwflSetup::find_elf(Dwfl_Module* mod, void** userdata, const char* name,
                                   Dwarf_Addr base, char** file_name, Elf** elfp) {
  if (std::strcmp(name, kVdsoName) == 0) {
    const int fd = ::open(own_vdso_path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) *file_name = ::strdup(own_vdso_path().c_str());
    return fd;
  }
  auto* setup = static_cast<DwflSetup*>(*userdata);
  if (setup == nullptr || name[0] != '/') {
    return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
  }
  auto opened = setup->files->open(name, base, setup->mapping_end(base));
  if (opened) {
    *file_name = ::strdup(opened->path.c_str());
    return opened->fd.release();
  }
  if (setup->files->pid() == 0) return -1;
  // libdwfl reads an ELF image from /proc/PID/mem for a module named "[vdso: PID]".
  const std::string in_memory = fmt::format("[vdso: {}]", setup->files->pid());
  return dwfl_linux_proc_find_elf(mod, userdata, in_memory.c_str(), base, file_name, elfp);
}

int ModuleMap::DwflSetup::find_debuginfo(Dwfl_Module* mod, void** userdata, const char* name,
                                         Dwarf_Addr base, const char* file_name,
                                         const char* debuglink, GElf_Word crc,
                                         char** debuginfo_file_name) {
  const int fd = dwfl_standard_find_debuginfo(mod, userdata, name, base, file_name, debuglink, crc,
                                              debuginfo_file_name);
  auto* setup = static_cast<DwflSetup*>(*userdata);
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  if (fd < 0 && setup != nullptr && std::strcmp(name, kVdsoName) != 0) {
    const int n = dwfl_module_build_id(mod, &bits, &vaddr);
    if (n > 0) {
      setup->debuginfod.missed(
          basename_of(name),
          std::string_view(reinterpret_cast<const char*>(bits), static_cast<std::size_t>(n)));
    }
  }
  return fd;
}

ModuleMap::ModuleMap(MapsSource source, std::shared_ptr<TargetFiles> files)
    : source_(std::move(source)),
      setup_(std::make_unique<DwflSetup>(files ? std::move(files) : TargetFiles::recorded({}))),
      perf_map_(setup_->files->perf_map_path().empty()
                    ? PerfMap::from_text(setup_->files->recorded_perf_map())
                    : PerfMap(setup_->files->perf_map_path())) {}

ModuleMap::~ModuleMap() {
  if (dwfl_ != nullptr) dwfl_end(dwfl_);
}

Result<std::unique_ptr<ModuleMap>> ModuleMap::create(MapsSource maps_source,
                                                     std::shared_ptr<TargetFiles> files) {
  std::unique_ptr<ModuleMap> map(new ModuleMap(std::move(maps_source), std::move(files)));
  map->dwfl_ = dwfl_begin(&map->setup_->callbacks);
  if (map->dwfl_ == nullptr) return Error(std::string("dwfl_begin: ") + dwfl_errmsg(-1));
  auto changed = map->refresh();
  if (!changed) return changed.error();
  map->refreshes_ = 0;
  return map;
}

namespace {
// Whether two maps report the same modules: the same files at the same places, the same
// vDSO (what else changed — the heap, anonymous memory, permissions — names nothing).
bool same_modules(const std::vector<Mapping>& a, const std::vector<Mapping>& b) {
  auto is_module = [](const Mapping& m) { return m.path.starts_with("/") || m.path == "[vdso]"; };
  auto i = a.begin();
  auto j = b.begin();
  while (true) {
    i = std::find_if(i, a.end(), is_module);
    j = std::find_if(j, b.end(), is_module);
    if (i == a.end() || j == b.end()) return i == a.end() && j == b.end();
    if (i->start != j->start || i->end != j->end || i->offset != j->offset || i->path != j->path)
      return false;
    ++i;
    ++j;
  }
}
}  // namespace

Result<bool> ModuleMap::refresh() {
  last_refresh_ns_ = monotonic_ns();
  auto maps = source_();
  if (!maps) return maps.error();
  last_refresh_changed_ = *maps != last_maps_;
  if (!last_refresh_changed_) return false;
  std::vector<Mapping> mappings = parse_maps(*maps);
  if (!last_maps_.empty() && same_modules(setup_->mappings, mappings)) {
    // The modules stay reported, and what was found in them stays true.
    setup_->mappings = std::move(mappings);
    last_maps_ = std::move(*maps);
    return true;
  }
  ++refreshes_;
  // A full report (not dwfl_report_begin_add): a library caught half-loaded, or one
  // dlclose'd, must not keep an address range that now belongs to another library.
  dwfl_report_begin(dwfl_);
  auto r = report_maps(dwfl_, *maps);
  dwfl_report_end(dwfl_, nullptr, nullptr);
  if (!r) return r.error();
  setup_->mappings = std::move(mappings);
  // Every module's find_elf finds the setup through its userdata.
  dwfl_getmodules(
      dwfl_,
      [](Dwfl_Module*, void** userdata, const char*, Dwarf_Addr, void* setup) -> int {
        *userdata = setup;
        return DWARF_CB_OK;
      },
      setup_.get(), 0);
  last_maps_ = std::move(*maps);
  return true;
}

std::vector<std::string> ModuleMap::take_notices() {
  std::vector<std::string> notices = setup_->files->take_notices();
  if (auto debuginfod = setup_->debuginfod.take_notice()) notices.push_back(std::move(*debuginfod));
  return notices;
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

const Mapping* ModuleMap::mapping_at(RemoteAddr pc) const {
  const auto& maps = setup_->mappings;  // sorted by start, as /proc/PID/maps is
  auto it = std::upper_bound(maps.begin(), maps.end(), pc.value(),
                             [](std::uint64_t a, const Mapping& m) { return a < m.start; });
  if (it == maps.begin()) return nullptr;
  --it;
  return pc.value() < it->end ? &*it : nullptr;
}

bool ModuleMap::in_unbacked_code(RemoteAddr pc) const {
  const Mapping* m = mapping_at(pc);
  // Not a reservation ("---p", which a library being loaded may replace), not a file.
  return m != nullptr && m->perms.find('x') != std::string::npos &&
         (m->path.empty() || (m->path.starts_with("[") && m->path != kVdsoName));
}

Dwfl_Module* ModuleMap::find(RemoteAddr pc) const {
  Dwfl_Module* mod = containing_module(dwfl_, pc.value());
  if (mod == nullptr) return nullptr;
  const Mapping* m = mapping_at(pc);
  const char* name =
      dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  // The vDSO is reported from its own range; every other module from its file's mappings.
  if (m == nullptr || name == nullptr || (m->path != name && std::strcmp(name, kVdsoName) != 0)) {
    return nullptr;
  }
  return mod;
}

bool ModuleMap::refresh_due() const {
  return last_refresh_changed_ || monotonic_ns() - last_refresh_ns_ >= 20'000'000ULL;
}

Dwfl_Module* ModuleMap::module_at(RemoteAddr pc) {
  Dwfl_Module* mod = find(pc);
  // A miss may be a library loaded since the last read (dlopen, or the libraries of a
  // program that just started).
  if (mod != nullptr || !refresh_due() || in_unbacked_code(pc)) return mod;
  auto changed = refresh();
  if (!changed || !*changed) return nullptr;
  return find(pc);
}

const char* ModuleMap::elf_symbol_name(RemoteAddr pc) {
  Dwfl_Module* mod = module_at(pc);
  return mod == nullptr ? nullptr : dwfl_module_addrname(mod, pc.value());
}

namespace {
// The range [low, high) of the function holding `entry` (a module address): its symbol
// when one with a size covers it, else its FDE; false when neither is known.
bool entry_function_range(Dwfl_Module* mod, std::uint64_t entry, std::uint64_t& low,
                          std::uint64_t& high) {
  GElf_Off offset = 0;
  GElf_Sym sym;
  if (dwfl_module_addrinfo(mod, entry, &offset, &sym, nullptr, nullptr, nullptr) != nullptr &&
      sym.st_size > 0 && offset < sym.st_size) {
    low = entry - offset;
    high = low + sym.st_size;
    return true;
  }
  Dwarf_Addr cfi_bias = 0;
  Dwarf_CFI* cfi = dwfl_module_eh_cfi(mod, &cfi_bias);
  if (cfi == nullptr) cfi = dwfl_module_dwarf_cfi(mod, &cfi_bias);
  Dwarf_Frame* frame = nullptr;
  if (cfi == nullptr || dwarf_cfi_addrframe(cfi, entry - cfi_bias, &frame) != 0) return false;
  Dwarf_Addr start = 0, end = 0;
  bool signal_frame = false;
  const bool ok = dwarf_frame_info(frame, &start, &end, &signal_frame) >= 0;
  std::free(frame);
  if (!ok) return false;
  low = start + cfi_bias;
  high = end + cfi_bias;
  return true;
}
}  // namespace

bool ModuleMap::is_entry_function(RemoteAddr pc) {
  Dwfl_Module* mod = module_at(pc);
  if (mod == nullptr) return false;
  Dwarf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(mod, &bias);
  GElf_Ehdr ehdr;
  if (elf == nullptr || gelf_getehdr(elf, &ehdr) == nullptr || ehdr.e_entry == 0) return false;
  if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) return false;
  const std::uint64_t entry = ehdr.e_entry + bias;
  std::uint64_t low = 0, high = 0;
  // Neither symbol nor CFI (ld.so's stub without its debug file): the entry itself only.
  if (!entry_function_range(mod, entry, low, high)) return pc.value() == entry;
  return pc.value() >= low && pc.value() < high;
}

}  // namespace cspy::modules
