// ModuleMap: a Dwfl reported from maps text, refreshed on a miss.
#include "cspy/modules/module_map.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>

#include <cstdio>
#include <cstring>

#include "cspy/core/clock.h"
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

// dwfl_linux_proc_find_elf, and the vDSO's image for the module report_vdso made.
int find_elf(Dwfl_Module* mod, void** userdata, const char* name, Dwarf_Addr base, char** file_name,
             Elf** elfp) {
  if (std::strcmp(name, kVdsoName) != 0) {
    return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
  }
  const int fd = ::open(own_vdso_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) *file_name = ::strdup(own_vdso_path().c_str());
  return fd;
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

struct ModuleMap::DwflSetup {
  // The default search path plus the build-id tree under /usr/lib/debug.
  char* debuginfo_path = ::strdup("-:.debug:/usr/lib/debug");
  Dwfl_Callbacks callbacks{.find_elf = find_elf,
                           .find_debuginfo = dwfl_standard_find_debuginfo,
                           .section_address = nullptr,
                           .debuginfo_path = &debuginfo_path};
  DwflSetup() = default;
  DwflSetup(const DwflSetup&) = delete;
  DwflSetup& operator=(const DwflSetup&) = delete;
  ~DwflSetup() { std::free(debuginfo_path); }
};

ModuleMap::ModuleMap(MapsSource source)
    : source_(std::move(source)), setup_(std::make_unique<DwflSetup>()) {}

ModuleMap::~ModuleMap() {
  if (dwfl_ != nullptr) dwfl_end(dwfl_);
}

Result<std::unique_ptr<ModuleMap>> ModuleMap::create(MapsSource maps_source) {
  std::unique_ptr<ModuleMap> map(new ModuleMap(std::move(maps_source)));
  map->dwfl_ = dwfl_begin(&map->setup_->callbacks);
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

Dwfl_Module* ModuleMap::find(RemoteAddr pc) const { return containing_module(dwfl_, pc.value()); }

bool ModuleMap::refresh_due() const {
  return last_refresh_changed_ || monotonic_ns() - last_refresh_ns_ >= 20'000'000ULL;
}

Dwfl_Module* ModuleMap::module_at(RemoteAddr pc) {
  Dwfl_Module* mod = find(pc);
  // A miss may be a library loaded since the last read (dlopen, or the libraries of a
  // program that just started).
  if (mod != nullptr || !refresh_due()) return mod;
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
