// The libdw unwinder: one Dwfl for the whole run with thread callbacks that serve the
// current sample's registers and stack copy (the approach of perf's unwind-libdw, but
// without a new Dwfl per sample).
#include <elfutils/libdwfl.h>

#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "cspy/unwind/unwinder.h"

namespace cspy::unwind {

namespace {

class LibdwUnwinder final : public Unwinder {
 public:
  LibdwUnwinder(process::ModuleMap& modules, const process::Process* live, const UnwindOptions& options)
      : modules_(modules), live_(live), options_(options) {}

  Result<void> attach(pid_t pid) {
    static const Dwfl_Thread_Callbacks callbacks = {
        .next_thread = next_thread,
        .get_thread = get_thread,
        .memory_read = memory_read,
        .set_initial_registers = set_initial_registers,
        .detach = nullptr,
        .thread_detach = nullptr,
    };
    if (!dwfl_attach_state(modules_.dwfl(), nullptr, pid, &callbacks, this)) {
      return Error(ErrorKind::kBadInput,
                   std::string("cannot set up unwinding (no ELF module found): ") + dwfl_errmsg(-1));
    }
    return {};
  }

  void unwind(const sampling::RawSample& sample, UnwoundStack& out) override {
    out.frames.clear();
    out.end = StackEnd::kComplete;
    if (!sample.has_regs) {
      out.end = StackEnd::kFailed;
      return;
    }
    sample_ = &sample;
    out_ = &out;
    // Make sure the module of the sampled pc is known (a dlopen since the last read).
    (void)modules_.module_at(RemoteAddr(sample.regs.ip()));
    int rc = dwfl_getthread_frames(modules_.dwfl(), sample.tid, frame_callback, this);
    if (out.end != StackEnd::kTruncated && rc != 0) out.end = StackEnd::kFailed;
    // libdw also ends "normally" when a return address could not be read, so a stack
    // is complete only if it ends where threads begin.
    if (out.end == StackEnd::kComplete && !out.frames.empty() && !is_stack_root(out.frames.back())) {
      out.end = StackEnd::kFailed;
    }
    if (out.frames.empty()) {
      out.frames.push_back(UnwoundFrame{RemoteAddr(sample.regs.ip()), true});
      out.end = StackEnd::kFailed;
    }
    sample_ = nullptr;
    out_ = nullptr;
  }

 private:
  static int frame_callback(Dwfl_Frame* frame, void* arg) {
    auto* self = static_cast<LibdwUnwinder*>(arg);
    Dwarf_Addr pc = 0;
    bool activation = false;
    if (!dwfl_frame_pc(frame, &pc, &activation)) return DWARF_CB_ABORT;
    if (pc == 0) return DWARF_CB_ABORT;
    if (self->out_->frames.size() >= self->options_.max_depth) {
      self->out_->end = StackEnd::kTruncated;
      return DWARF_CB_ABORT;
    }
    self->out_->frames.push_back(UnwoundFrame{RemoteAddr(pc), activation});
    return DWARF_CB_OK;
  }

  // Whether `frame` is in a function where stacks begin: the program's entry point or a
  // thread's start (glibc, musl, Rust and Go runtimes). Cached per address.
  bool is_stack_root(const UnwoundFrame& frame) {
    std::uint64_t pc = frame.lookup_pc().value();
    auto it = root_cache_.find(pc);
    if (it != root_cache_.end()) return it->second;
    bool root = false;
    if (Dwfl_Module* mod = modules_.module_at(RemoteAddr(pc))) {
      const char* name = dwfl_module_addrname(mod, pc);
      static const std::unordered_set<std::string> kRoots = {
          "_start", "__start", "_dl_start", "__clone", "__clone3", "clone", "clone3",
          "__libc_start_main", "thread_start", "start_thread", "__thread_start",
          "runtime.goexit", "runtime.rt0_go", "runtime.mstart"};
      root = name != nullptr && kRoots.count(name) != 0;
    }
    root_cache_.emplace(pc, root);
    return root;
  }

  static pid_t next_thread(Dwfl*, void*, void**) { return 0; }

  static bool get_thread(Dwfl*, pid_t, void* dwfl_arg, void** thread_argp) {
    *thread_argp = dwfl_arg;
    return true;
  }

  static bool memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void* arg) {
    auto* self = static_cast<LibdwUnwinder*>(arg);
    const sampling::RawSample* s = self->sample_;
    if (s == nullptr) return false;
    std::uint64_t sp = s->regs.sp();
    if (addr >= sp && addr + sizeof(Dwarf_Word) <= sp + s->stack.size()) {
      std::memcpy(result, s->stack.data() + (addr - sp), sizeof(Dwarf_Word));
      return true;
    }
    // Beyond the copy (a deep stack): the outer frames rarely change, read them live.
    if (self->live_ != nullptr) {
      auto n = self->live_->read_memory(RemoteAddr(addr), result, sizeof(Dwarf_Word));
      return n && *n == sizeof(Dwarf_Word);
    }
    return false;
  }

  static bool set_initial_registers(Dwfl_Thread* thread, void* thread_arg) {
    auto* self = static_cast<LibdwUnwinder*>(thread_arg);
    const auto& regs = self->sample_->regs.dwarf;
    return dwfl_thread_state_registers(thread, 0, sampling::kDwarfRegCount, regs.data());
  }

  process::ModuleMap& modules_;
  const process::Process* live_;
  UnwindOptions options_;
  const sampling::RawSample* sample_ = nullptr;
  UnwoundStack* out_ = nullptr;
  std::unordered_map<std::uint64_t, bool> root_cache_;
};

}  // namespace

Result<std::unique_ptr<Unwinder>> make_libdw_unwinder(process::ModuleMap& modules,
                                                      const process::Process* live, pid_t pid,
                                                      const UnwindOptions& options) {
  auto unwinder = std::make_unique<LibdwUnwinder>(modules, live, options);
  auto r = unwinder->attach(pid);
  if (!r) return r.error();
  return std::unique_ptr<Unwinder>(std::move(unwinder));
}

}  // namespace cspy::unwind
