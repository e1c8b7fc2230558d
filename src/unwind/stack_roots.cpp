// StackRoots: the functions stacks start in: a module's entry function (found from its ELF
// header, so stripped programs too), by name the thread start routines (glibc, musl),
// which live in libraries that keep their dynamic symbols, and Go's top frames.
#include "stack_roots.h"

#include <string>
#include <unordered_set>

namespace cspy::unwind {

StackRoots::Kind StackRoots::kind(const UnwoundFrame& frame) {
  std::uint64_t pc = frame.lookup_pc().value();
  // The maps were re-read: an address may now belong to another library.
  if (modules_.refreshed_since(refreshes_seen_)) cache_.clear();
  auto it = cache_.find(pc);
  if (it != cache_.end()) return it->second;
  Kind kind = modules_.is_entry_function(RemoteAddr(pc)) ? Kind::kRoot : Kind::kNone;
  const char* name = kind != Kind::kNone ? nullptr : modules_.elf_symbol_name(RemoteAddr(pc));
  if (name != nullptr) {
    // ld.so's entry stub is `_start` (the call of _dl_start) then `_dl_start_user` (the
    // calls of the libraries' initializers): the outermost frames while the loader runs.
    static const std::unordered_set<std::string> kRoots = {
        "_start",       "__start",       "_dl_start", "_dl_start_user",    "__clone",
        "__clone3",     "clone",         "clone3",    "__libc_start_main", "thread_start",
        "start_thread", "__thread_start"};
    // Go's symbol table names assembly functions with their ABI (`runtime.mstart.abi0`).
    static const std::unordered_set<std::string> kGoTops = {
        "runtime.goexit", "runtime.goexit.abi0", "runtime.mstart",   "runtime.mstart.abi0",
        "runtime.rt0_go", "runtime.rt0_go.abi0", "runtime.sigtramp", "runtime.sigtramp.abi0"};
    // runtime.nanotime1 and time.now switch to g0 to call the vDSO.
    static const std::unordered_set<std::string> kGoSwitches = {
        "runtime.systemstack", "runtime.systemstack.abi0", "runtime.mcall",
        "runtime.mcall.abi0",  "runtime.morestack",        "runtime.morestack.abi0",
        "runtime.nanotime1",   "runtime.nanotime1.abi0",   "time.now",
        "time.now.abi0"};
    if (kRoots.count(name) != 0) kind = Kind::kRoot;
    if (kGoTops.count(name) != 0) kind = Kind::kGoTop;
    if (kGoSwitches.count(name) != 0) kind = Kind::kGoSwitch;
  }
  cache_.emplace(pc, kind);
  return kind;
}

void finish_stack(StackRoots& roots, std::uint64_t sampled_ip, UnwoundStack& out) {
  // A root is the outermost frame however the backend stopped after it: with no CFI
  // there (ld.so's entry stub) libdw reports an error where libunwind sees rbp 0 and ends.
  // Go's traceback ends at its top frames: what an unwinder found beyond one (runtime.clone
  // under an M's mstart, read from a stack that is not a frame) is dropped.
  for (std::size_t i = 0; i < out.frames.size(); ++i) {
    if (roots.kind(out.frames[i]) == StackRoots::Kind::kGoTop) {
      out.frames.resize(i + 1);
      out.end = StackEnd::kComplete;
      return;
    }
  }
  if (out.end != StackEnd::kTruncated && !out.frames.empty()) {
    out.end = roots.is_root(out.frames.back()) ? StackEnd::kComplete : StackEnd::kFailed;
  }
  if (out.frames.empty()) {
    out.frames.push_back(UnwoundFrame{RemoteAddr(sampled_ip), true});
    out.end = StackEnd::kFailed;
  }
}

}  // namespace cspy::unwind
