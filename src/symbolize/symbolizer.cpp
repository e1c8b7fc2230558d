// Symbolizer: libdw lookups of names, inline chains and source lines.
#include "cspy/symbolize/symbolizer.h"

#include <elfutils/libdwfl.h>

#include <dwarf.h>
#include <elfutils/libdw.h>

#include <cstdlib>
#include <memory>

#include <fmt/core.h>

#include "cspy/core/path.h"
#include "cspy/modules/elf_file.h"
#include "plt_names.h"
#include "scope_index.h"
#include "unit_index.h"

namespace cspy::symbolize {

namespace {

// A module's name: its file's, without the " (deleted)" of a file unlinked since mapped.
std::string module_name_of(const char* path) {
  if (path == nullptr) return {};
  return std::string(basename_of(modules::without_deleted(path)));
}

// The best name of a subprogram or inlined subroutine DIE: linkage name, else DW_AT_name.
std::string die_function_name(Dwarf_Die* die, bool full) {
  Dwarf_Attribute attr;
  const char* name = nullptr;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) != nullptr ||
      dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr) != nullptr) {
    name = dwarf_formstring(&attr);
  }
  if (name == nullptr && dwarf_attr_integrate(die, DW_AT_name, &attr) != nullptr) {
    name = dwarf_formstring(&attr);
  }
  return name == nullptr ? std::string() : demangle(name, full);
}

// The call site (file, line) recorded on an inlined-subroutine DIE.
void call_site(Dwarf_Die* inlined, Dwarf_Die* cu, std::string& file, int& line) {
  Dwarf_Attribute attr;
  Dwarf_Word value = 0;
  file.clear();
  line = 0;
  if (dwarf_attr(inlined, DW_AT_call_line, &attr) != nullptr &&
      dwarf_formudata(&attr, &value) == 0) {
    line = static_cast<int>(value);
  }
  Dwarf_Files* files = nullptr;
  size_t nfiles = 0;
  if (dwarf_attr(inlined, DW_AT_call_file, &attr) != nullptr &&
      dwarf_formudata(&attr, &value) == 0 && dwarf_getsrcfiles(cu, &files, &nfiles) == 0 &&
      value < nfiles) {
    const char* f = dwarf_filesrc(files, value, nullptr, nullptr);
    if (f != nullptr) file = f;
  }
}

// The DWARF compilation unit holding pc (its DIE, in `unit` when libdw's own lookup has
// none) and the module's DWARF bias; nullptr when no unit covers pc.
Dwarf_Die* unit_at(Dwfl_Module* mod, RemoteAddr pc, UnitIndex& units, Dwarf_Die& unit,
                   Dwarf_Addr& bias) {
  // libdw's lookup reads .debug_aranges only: a unit it does not list (clang leaves the
  // section out) is found by the units' own ranges.
  if (Dwarf_Die* cu = dwfl_module_addrdie(mod, pc.value(), &bias)) return cu;
  Dwarf* dwarf = dwfl_module_getdwarf(mod, &bias);
  if (dwarf == nullptr || !units.unit_at(dwarf, pc.value() - bias, unit)) return nullptr;
  return &unit;
}

}  // namespace

Symbolizer::Symbolizer(modules::ModuleMap& modules, SymbolizeOptions options)
    : modules_(modules),
      options_(options),
      scopes_(std::make_unique<ScopeIndex>()),
      units_(std::make_unique<UnitIndex>()),
      plt_(std::make_unique<PltNames>()) {}

Symbolizer::~Symbolizer() = default;

void Symbolizer::forget_if_remapped() {
  // The maps were re-read: an address may now belong to another library, and a unit's
  // Dwarf may be gone (another may take its address).
  if (!modules_.refreshed_since(refreshes_seen_)) return;
  scopes_->clear();
  units_->clear();
  plt_->clear();
}

SymbolFrame Symbolizer::unbacked_frame(RemoteAddr pc) {
  if (const std::string* name = modules_.jit_name(pc)) {
    return SymbolFrame{.function = *name, .jit = true};
  }
  const modules::Mapping* m = modules_.mapping_at(pc);
  if (m == nullptr) return SymbolFrame{.function = "[unknown]", .named = false};
  // An anonymous mapping, [heap], [stack], or a file that is no ELF module (memfd:...).
  std::string what = m->path.empty() ? "[anon]" : m->path;
  if (!what.starts_with("[")) what = "[" + module_name_of(what.c_str()) + "]";
  return SymbolFrame{.function = std::move(what), .named = false, .jit = true};
}

std::vector<SymbolFrame> Symbolizer::symbolize(RemoteAddr pc) {
  forget_if_remapped();
  std::vector<SymbolFrame> frames;
  Dwfl_Module* mod = modules_.module_at(pc);
  forget_if_remapped();  // module_at may have re-read the maps
  if (mod == nullptr) {
    frames.push_back(unbacked_frame(pc));
    return frames;
  }
  Dwarf_Addr start = 0;
  const char* mod_name =
      dwfl_module_info(mod, nullptr, &start, nullptr, nullptr, nullptr, nullptr, nullptr);
  std::string module = module_name_of(mod_name);
  const bool full = options_.full_signatures;

  // The DWARF compilation unit covering pc, if any: without one, a line-table lookup
  // would return the nearest line of some other unit.
  Dwarf_Addr bias = 0;
  Dwarf_Die unit;
  Dwarf_Die* cu = unit_at(mod, pc, *units_, unit, bias);
  std::string file;
  int line = 0;
  if (cu != nullptr) {
    if (Dwarf_Line* l = dwarf_getsrc_die(cu, pc.value() - bias)) {
      const char* f = dwarf_linesrc(l, nullptr, nullptr);
      if (f != nullptr) file = f;
      dwarf_lineno(l, &line);
    }
    // The physical nesting of scopes around pc: innermost inlined subroutine ...
    // subprogram (as eu-addr2line -i gives them: not the abstract origins' nesting).
    for (Dwarf_Die& scope : scopes_->scopes_at(cu, pc.value() - bias)) {
      const bool inlined = dwarf_tag(&scope) == DW_TAG_inlined_subroutine;
      SymbolFrame f{.function = die_function_name(&scope, full),
                    .module = module,
                    .file = file,
                    .line = line,
                    .inlined = inlined};
      if (f.function.empty()) f.function = "[unnamed]";
      frames.push_back(std::move(f));
      if (inlined) call_site(&scope, cu, file, line);  // where the next outer frame is
    }
  }
  if (!frames.empty() && !frames.back().inlined) return frames;

  // No DWARF subprogram: a PLT stub is named after the function it jumps to (the symbol
  // table has no name for it, and the nearest symbol before it is some other function).
  GElf_Addr elf_bias = 0;
  if (Elf* elf = dwfl_module_getelf(mod, &elf_bias)) {
    if (const std::string* stub = plt_->name_at(elf, pc.value() - elf_bias)) {
      frames.push_back(SymbolFrame{.function = *stub, .module = module});
      return frames;
    }
  }
  // Else the ELF symbol table names the function.
  GElf_Off offset = 0;
  GElf_Sym sym;
  const char* name =
      dwfl_module_addrinfo(mod, pc.value(), &offset, &sym, nullptr, nullptr, nullptr);
  if (name != nullptr) {
    // No DWARF function covers pc, so a line found for it belongs to something else.
    frames.push_back(SymbolFrame{.function = demangle(name, full), .module = module});
  } else {
    frames.push_back(SymbolFrame{.function = fmt::format("{}+{:#x}", module, pc.value() - start),
                                 .module = module,
                                 .named = false});
  }
  return frames;
}

}  // namespace cspy::symbolize
