// PltNames: PLT stubs named from the GOT slots they jump through.
#include "plt_names.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "cspy/symbolize/symbolizer.h"

namespace cspy::symbolize {

namespace {

// GOT slot address -> the symbol its dynamic relocation binds there.
std::unordered_map<GElf_Addr, std::string> slot_symbols(Elf* elf) {
  std::unordered_map<GElf_Addr, std::string> slots;
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn)) != nullptr;) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_RELA) continue;
    Elf_Scn* symtab = elf_getscn(elf, shdr.sh_link);
    GElf_Shdr symtab_shdr;
    Elf_Data* relocs = elf_getdata(scn, nullptr);
    Elf_Data* syms = symtab == nullptr ? nullptr : elf_getdata(symtab, nullptr);
    if (relocs == nullptr || syms == nullptr || gelf_getshdr(symtab, &symtab_shdr) == nullptr) {
      continue;
    }
    const std::size_t count = shdr.sh_entsize == 0 ? 0 : shdr.sh_size / shdr.sh_entsize;
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Rela rela;
      if (gelf_getrela(relocs, static_cast<int>(i), &rela) == nullptr) continue;
      const auto type = GELF_R_TYPE(rela.r_info);
      const auto index = GELF_R_SYM(rela.r_info);
      if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || index == 0) continue;
      GElf_Sym sym;
      if (gelf_getsym(syms, static_cast<int>(index), &sym) == nullptr) continue;
      const char* name = elf_strptr(elf, symtab_shdr.sh_link, sym.st_name);
      if (name != nullptr && *name != '\0') slots.emplace(rela.r_offset, name);
    }
  }
  return slots;
}

// The first `jmp *disp32(%rip)` (ff 25) in a stub's bytes, as the address it reads.
bool rip_relative_jump(const unsigned char* bytes, std::size_t size, GElf_Addr addr,
                       GElf_Addr& slot) {
  for (std::size_t i = 0; i + 6 <= size; ++i) {
    if (bytes[i] != 0xff || bytes[i + 1] != 0x25) continue;
    std::int32_t disp = 0;
    std::memcpy(&disp, bytes + i + 2, sizeof disp);
    slot = addr + i + 6 + static_cast<GElf_Addr>(static_cast<std::int64_t>(disp));
    return true;
  }
  return false;
}

}  // namespace

std::vector<PltNames::Stub> PltNames::build(Elf* elf) {
  std::vector<Stub> stubs;
  GElf_Ehdr ehdr;
  std::size_t shstrndx = 0;
  if (gelf_getehdr(elf, &ehdr) == nullptr || ehdr.e_machine != EM_X86_64 ||
      elf_getshdrstrndx(elf, &shstrndx) != 0) {
    return stubs;
  }
  std::unordered_map<GElf_Addr, std::string> slots;
  bool slots_read = false;
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn)) != nullptr;) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_PROGBITS) continue;
    const char* name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (name == nullptr) continue;
    const std::string_view section(name);
    if (section != ".plt" && section != ".plt.sec" && section != ".plt.got") continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || data->d_buf == nullptr) continue;
    if (!slots_read) {
      slots = slot_symbols(elf);
      slots_read = true;
    }
    // Stubs are sh_entsize apart (16 in .plt and .plt.sec, 8 or 16 in .plt.got).
    const GElf_Xword step = shdr.sh_entsize != 0 ? shdr.sh_entsize : 16;
    const auto* bytes = static_cast<const unsigned char*>(data->d_buf);
    for (GElf_Xword at = 0; at + step <= data->d_size; at += step) {
      GElf_Addr slot = 0;
      if (!rip_relative_jump(bytes + at, step, shdr.sh_addr + at, slot)) continue;
      auto it = slots.find(slot);
      if (it == slots.end()) continue;  // the lazy-binding header, or an ifunc's slot
      stubs.push_back(Stub{.start = shdr.sh_addr + at,
                           .end = shdr.sh_addr + at + step,
                           .name = demangle(it->second, false) + "@plt"});
    }
  }
  std::sort(stubs.begin(), stubs.end(),
            [](const Stub& a, const Stub& b) { return a.start < b.start; });
  return stubs;
}

const std::string* PltNames::name_at(Elf* elf, GElf_Addr addr) {
  auto it = files_.find(elf);
  if (it == files_.end()) it = files_.emplace(elf, build(elf)).first;
  const std::vector<Stub>& stubs = it->second;
  auto stub = std::upper_bound(stubs.begin(), stubs.end(), addr,
                               [](GElf_Addr a, const Stub& s) { return a < s.start; });
  if (stub == stubs.begin()) return nullptr;
  --stub;
  return addr < stub->end ? &stub->name : nullptr;
}

}  // namespace cspy::symbolize
