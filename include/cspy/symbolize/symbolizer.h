// Symbolizer: an address in the target → its frames, innermost first: the inlined
// functions at that address (each its own frame with file:line) and the function that
// contains them. DWARF via libdw when present, `symbol@plt` in PLT stubs, the ELF symbol
// table otherwise, "module+0xoffset" when nothing names it; code in no file (JIT) by the
// JIT's perf map, else by its mapping ([anon], [heap]) — never credited to a file it is not
// in. Not cached per address: the pipeline's Interpreter keeps the one pc -> frames cache;
// this keeps only indexes per module (address -> unit where .debug_aranges falls short, PLT
// stubs) and per unit (scopes).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cspy/core/remote_addr.h"
#include "cspy/modules/module_map.h"

namespace cspy::symbolize {

struct SymbolFrame {
  std::string function;  // demangled; "[unknown]" or "module+0x..." when unnamed
  std::string module;    // basename of the ELF file; empty when no module
  std::string file;      // source file; empty when unknown
  int line = 0;
  bool inlined = false;
  bool named = true;  // false for module+offset and [unknown]
  // Code in no file: a JIT's function from its perf map (named), or [anon], [heap],
  // [stack], [memfd:…] after the mapping holding it (not named).
  bool jit = false;
};

struct SymbolizeOptions {
  bool full_signatures = false;  // keep parameter lists in C++ names
};

class ScopeIndex;
class UnitIndex;
class PltNames;

class Symbolizer {
 public:
  Symbolizer(modules::ModuleMap& modules, SymbolizeOptions options);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // `pc` is the address to look up (for return addresses: the call, i.e. pc - 1).
  // An address no module maps gives one frame with an empty module.
  std::vector<SymbolFrame> symbolize(RemoteAddr pc);

 private:
  // The frame of an address in no module: a JIT's name for it, or its mapping's.
  SymbolFrame unbacked_frame(RemoteAddr pc);
  // Empties the scope index when the maps were re-read since it was filled.
  void forget_if_remapped();

  modules::ModuleMap& modules_;
  SymbolizeOptions options_;
  std::unique_ptr<ScopeIndex> scopes_;  // function scopes per compilation unit
  std::unique_ptr<UnitIndex> units_;    // address -> unit, where .debug_aranges falls short
  std::unique_ptr<PltNames> plt_;       // symbol@plt for PLT stubs
  std::size_t refreshes_seen_ = 0;
};

// Demangles an Itanium C++ name or a Rust one (legacy or v0, without the hash), drops a Go
// assembly function's `.abi0`, and returns any other name unchanged; without `full_signature`, a
// C++ name's parameter list and trailing qualifiers are dropped.
std::string demangle(const std::string& name, bool full_signature);

}  // namespace cspy::symbolize
