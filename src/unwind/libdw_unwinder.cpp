// The libdw unwinder: one Dwfl for the whole run with thread callbacks that serve the
// current sample's registers and stack copy (the approach of perf's unwind-libdw, but
// without a new Dwfl per sample).
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <libelf.h>

#include <cstring>
#include <string>

#include "cspy/unwind/unwinder.h"
#include "stack_walker.h"

namespace cspy::unwind {

namespace {

// An ELF of the targets' machine for libdw's unwinding backend: cspy's own (x86-64, as
// every target), opened once and never closed. Without one, libdw borrows the backend of
// the first module reported and frees it with that module, when the maps change under it
// (an exec replaces every module), leaving the unwinder a dangling backend.
Elf* machine_elf() {
  static Elf* const elf = []() -> Elf* {
    (void)elf_version(EV_CURRENT);
    const int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    return elf_begin(fd, ELF_C_READ_MMAP, nullptr);  // reads through fd, kept open
  }();
  return elf;
}

class LibdwUnwinder final : public StackWalker {
 public:
  LibdwUnwinder(modules::ModuleMap& modules, const process::Process* live,
                const UnwindOptions& options)
      : StackWalker(modules, live, options.max_depth), live_(live), options_(options) {}

  Result<void> attach(pid_t pid) {
    static const Dwfl_Thread_Callbacks callbacks = {
        .next_thread = next_thread,
        .get_thread = get_thread,
        .memory_read = memory_read,
        .set_initial_registers = set_initial_registers,
        .detach = nullptr,
        .thread_detach = nullptr,
    };
    if (!dwfl_attach_state(modules_.dwfl(), machine_elf(), pid, &callbacks, this)) {
      return Error(
          ErrorKind::kBadInput,
          std::string("cannot set up unwinding (no ELF module found): ") + dwfl_errmsg(-1));
    }
    return {};
  }

 private:
  // libdw also ends "normally" when a return address could not be read; StackWalker
  // then checks that the stack ends where threads begin.
  void walk(const sampling::RawSample& sample, UnwoundStack& out) override {
    sample_ = &sample;
    out_ = &out;
    int rc = dwfl_getthread_frames(modules_.dwfl(), sample.tid, frame_callback, this);
    if (out.end != StackEnd::kTruncated && rc != 0) out.end = StackEnd::kFailed;
    sample_ = nullptr;
    out_ = nullptr;
  }

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
    // Unwinding on from pc needs its module's CFI: a library loaded since the last read
    // of the maps is reported before the walk is done again.
    return self->restart_for(RemoteAddr(pc)) ? DWARF_CB_ABORT : DWARF_CB_OK;
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
    std::uint64_t word = 0;
    if (sampling::read_stack_word(*s, addr, word)) {
      *result = word;
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

  const process::Process* live_;
  UnwindOptions options_;
  const sampling::RawSample* sample_ = nullptr;
  UnwoundStack* out_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Unwinder>> make_libdw_unwinder(modules::ModuleMap& modules,
                                                      const process::Process* live, pid_t pid,
                                                      const UnwindOptions& options) {
  auto unwinder = std::make_unique<LibdwUnwinder>(modules, live, options);
  auto r = unwinder->attach(pid);
  if (!r) return r.error();
  return std::unique_ptr<Unwinder>(std::move(unwinder));
}

}  // namespace cspy::unwind
