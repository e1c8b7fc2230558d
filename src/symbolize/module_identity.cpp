// ModuleIdentity from libdw: dwfl_module_info for the range, dwfl_module_build_id for the
// build-id, the ELF program headers for the offset.
#include "cspy/symbolize/module_identity.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>

#include "cspy/modules/elf_file.h"

namespace cspy::symbolize {

namespace {

// The page-aligned file offset of the lowest PT_LOAD segment: what is mapped at the
// module's start address (0 for ordinary executables and libraries).
std::uint64_t first_load_offset(Dwfl_Module* mod) {
  GElf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(mod, &bias);
  std::size_t count = 0;
  if (elf == nullptr || elf_getphdrnum(elf, &count) != 0) return 0;
  std::optional<GElf_Phdr> lowest;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf, static_cast<int>(i), &phdr) == nullptr || phdr.p_type != PT_LOAD) {
      continue;
    }
    if (!lowest || phdr.p_vaddr < lowest->p_vaddr) lowest = phdr;
  }
  if (!lowest) return 0;
  const std::uint64_t align = lowest->p_align > 1 ? lowest->p_align : 1;
  return lowest->p_offset - lowest->p_offset % align;
}

std::string build_id_hex(Dwfl_Module* mod) {
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int length = dwfl_module_build_id(mod, &bits, &vaddr);
  if (length <= 0) return {};
  return modules::to_hex({reinterpret_cast<const char*>(bits), static_cast<std::size_t>(length)});
}

}  // namespace

std::optional<ModuleIdentity> module_identity(const modules::ModuleMap& modules, RemoteAddr pc) {
  Dwfl_Module* mod = modules.find(pc);
  if (mod == nullptr) return std::nullopt;
  Dwarf_Addr start = 0, end = 0;
  const char* name =
      dwfl_module_info(mod, nullptr, &start, &end, nullptr, nullptr, nullptr, nullptr);
  ModuleIdentity identity{
      .path = name == nullptr ? std::string() : std::string(name), .start = start, .limit = end};
  identity.file_offset = first_load_offset(mod);
  identity.build_id = build_id_hex(mod);
  return identity;
}

}  // namespace cspy::symbolize
