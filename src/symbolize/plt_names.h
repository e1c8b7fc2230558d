// PltNames: `symbol@plt` for an address in a module's PLT stubs (x86-64), as perf and objdump
// name them. Each stub's `jmp *slot(%rip)` in .plt, .plt.sec or .plt.got is read, and its GOT
// slot matched with the dynamic relocation (JUMP_SLOT, GLOB_DAT) that names the symbol, so
// lazy, IBT (.plt.sec) and -z now (.plt.got) layouts are all named. Built once per ELF file;
// the symbolizer asks it where DWARF names no function. Internal to src/symbolize.
#pragma once

#include <gelf.h>

#include <map>
#include <string>
#include <vector>

namespace cspy::symbolize {

class PltNames {
 public:
  // The name of the PLT stub holding `addr` (a file address of `elf`); nullptr if none.
  const std::string* name_at(Elf* elf, GElf_Addr addr);
  // Forgets every file (their Elf handles may be freed when the maps are re-read).
  void clear() { files_.clear(); }

 private:
  struct Stub {
    GElf_Addr start = 0;  // [start, end)
    GElf_Addr end = 0;
    std::string name;  // "symbol@plt"
  };
  static std::vector<Stub> build(Elf* elf);

  std::map<const Elf*, std::vector<Stub>> files_;  // stubs sorted by start
};

}  // namespace cspy::symbolize
