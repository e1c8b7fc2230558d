// StackRoots: the functions stacks start in: a module's entry function (found from its ELF
// header, so stripped programs too), and by name the thread start routines (glibc, musl,
// Rust, Go), which live in libraries that keep their dynamic symbols.
#include "stack_roots.h"

#include <string>
#include <unordered_set>

namespace cspy::unwind {

bool StackRoots::is_root(const UnwoundFrame& frame) {
  std::uint64_t pc = frame.lookup_pc().value();
  // The maps were re-read: an address may now belong to another library.
  if (modules_.refreshed_since(refreshes_seen_)) cache_.clear();
  auto it = cache_.find(pc);
  if (it != cache_.end()) return it->second;
  bool root = modules_.is_entry_function(RemoteAddr(pc));
  const char* name = root ? nullptr : modules_.elf_symbol_name(RemoteAddr(pc));
  if (name != nullptr) {
    // ld.so's entry stub is `_start` (the call of _dl_start) then `_dl_start_user` (the
    // calls of the libraries' initializers): the outermost frames while the loader runs.
    static const std::unordered_set<std::string> kRoots = {"_start",
                                                           "__start",
                                                           "_dl_start",
                                                           "_dl_start_user",
                                                           "__clone",
                                                           "__clone3",
                                                           "clone",
                                                           "clone3",
                                                           "__libc_start_main",
                                                           "thread_start",
                                                           "start_thread",
                                                           "__thread_start",
                                                           "runtime.goexit",
                                                           "runtime.goexit.abi0",
                                                           "runtime.rt0_go",
                                                           "runtime.mstart"};
    root = kRoots.count(name) != 0;
  }
  cache_.emplace(pc, root);
  return root;
}

void finish_stack(StackRoots& roots, std::uint64_t sampled_ip, UnwoundStack& out) {
  // A root is the outermost frame however the backend stopped after it: with no CFI
  // there (ld.so's entry stub) libdw reports an error where libunwind sees rbp 0 and ends.
  if (out.end != StackEnd::kTruncated && !out.frames.empty()) {
    out.end = roots.is_root(out.frames.back()) ? StackEnd::kComplete : StackEnd::kFailed;
  }
  if (out.frames.empty()) {
    out.frames.push_back(UnwoundFrame{RemoteAddr(sampled_ip), true});
    out.end = StackEnd::kFailed;
  }
}

}  // namespace cspy::unwind
