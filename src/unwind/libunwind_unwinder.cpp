// The libunwind unwinder (`--unwinder libunwind`): remote unwinding through custom
// accessors over the current sample — registers from the sample, memory from its stack
// copy, then the modules' ELF files (CFI, code), then the live target — and unwind tables
// found through each module's .eh_frame_hdr. One address space with libunwind's global
// cache serves the whole run. A second backend whose agreement with libdw is tested.
#include <libunwind.h>

#include <cstring>
#include <memory>
#include <type_traits>

#include "cspy/unwind/unwinder.h"
#include "elf_tables.h"
#include "stack_walker.h"

// Exported by libunwind-x86_64 but not declared in its public headers (perf declares it
// the same way): binary-searches a remote .eh_frame_hdr table and parses the FDE found.
extern "C" int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
                                                  unw_dyn_info_t* di, unw_proc_info_t* pi,
                                                  int need_unwind_info, void* arg);

namespace cspy::unwind {

namespace {

struct AddressSpaceDeleter {
  void operator()(unw_addr_space_t as) const { unw_destroy_addr_space(as); }
};
using AddressSpace = std::unique_ptr<std::remove_pointer_t<unw_addr_space_t>, AddressSpaceDeleter>;

// Register-state cache entries (libunwind's default is 128: too few for CPython's pcs).
constexpr std::size_t kCacheEntries = 4096;

class LibunwindUnwinder final : public StackWalker {
 public:
  LibunwindUnwinder(modules::ModuleMap& modules, const process::Process* live,
                    const UnwindOptions& options)
      : StackWalker(modules, live, options.max_depth),
        live_(live),
        options_(options),
        tables_(modules) {}

  Result<void> init() {
    static unw_accessors_t accessors = {
        .find_proc_info = find_proc_info,
        .put_unwind_info = put_unwind_info,
        .get_dyn_info_list_addr = get_dyn_info_list_addr,
        .access_mem = access_mem,
        .access_reg = access_reg,
        .access_fpreg = access_fpreg,
        .resume = resume,
        .get_proc_name = get_proc_name,
    };
    as_.reset(unw_create_addr_space(&accessors, 0));
    if (!as_) return Error("cannot set up unwinding: unw_create_addr_space failed");
    if (unw_set_caching_policy(as_.get(), UNW_CACHE_GLOBAL) != 0 ||
        unw_set_cache_size(as_.get(), kCacheEntries, 0) != 0) {
      return Error("cannot set up unwinding: libunwind refused its cache settings");
    }
    refreshes_seen_ = modules_.refresh_count();
    return {};
  }

 private:
  void walk(const sampling::RawSample& sample, UnwoundStack& out) override {
    // The maps were re-read (a dlopen or dlclose): cached rules and ELF bytes may be stale.
    if (modules_.refreshed_since(refreshes_seen_)) {
      unw_flush_cache(as_.get(), 0, 0);
      tables_.clear();
    }
    sample_ = &sample;
    step_all(out);
    sample_ = nullptr;
  }

  // Steps from the sampled registers to the outermost frame, the depth limit or a failure.
  void step_all(UnwoundStack& out) {
    unw_cursor_t cursor;
    if (unw_init_remote(&cursor, as_.get(), this) < 0) {
      out.end = StackEnd::kFailed;
      return;
    }
    bool exact = true;  // the sampled instruction, or the one a signal interrupted
    while (true) {
      unw_word_t ip = 0;
      if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0) {
        out.end = StackEnd::kFailed;
        return;
      }
      if (out.frames.size() >= options_.max_depth) {
        out.end = StackEnd::kTruncated;
        return;
      }
      out.frames.push_back(UnwoundFrame{RemoteAddr(ip), exact});
      exact = unw_is_signal_frame(&cursor) > 0;
      int rc = unw_step(&cursor);
      if (restarting()) return;  // StackWalker re-reads the maps and walks again
      if (rc == 0) return;       // the outermost frame (finish_stack checks it is a root)
      if (rc < 0) {
        out.end = StackEnd::kFailed;
        return;
      }
    }
  }

  static LibunwindUnwinder* self(void* arg) { return static_cast<LibunwindUnwinder*>(arg); }

  static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t* pi,
                            int need_unwind_info, void* arg) {
    // An address in a library loaded since the last read of the maps: stop, re-read, redo.
    if (self(arg)->restart_for(RemoteAddr(ip))) return -UNW_ENOINFO;
    const EhFrameTable* table = self(arg)->tables_.table_at(ip);
    if (table == nullptr) return -UNW_ENOINFO;
    unw_dyn_info_t di;
    std::memset(&di, 0, sizeof(di));
    di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
    di.start_ip = table->module_start;
    di.end_ip = table->module_end;
    di.u.rti.segbase = table->hdr_address;
    di.u.rti.table_data = table->table_address;
    // In words; each entry is two 4-byte offsets.
    di.u.rti.table_len = table->fde_count * 8 / sizeof(unw_word_t);
    return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
  }

  // libunwind frees what dwarf_search_unwind_table allocated; nothing of ours to release.
  static void put_unwind_info(unw_addr_space_t, unw_proc_info_t*, void*) {}
  static int get_dyn_info_list_addr(unw_addr_space_t, unw_word_t*, void*) { return -UNW_ENOINFO; }

  static int access_mem(unw_addr_space_t, unw_word_t addr, unw_word_t* value, int write,
                        void* arg) {
    LibunwindUnwinder* u = self(arg);
    *value = 0;
    if (write != 0 || u->sample_ == nullptr) return -UNW_EINVAL;
    const sampling::RawSample& s = *u->sample_;
    std::uint64_t word = 0;
    if (sampling::read_stack_word(s, addr, word) || u->tables_.read_word(addr, word)) {
      *value = word;
      return 0;
    }
    // Beyond the copy (a deep stack) or writable data: read the live target when there is one.
    if (u->live_ != nullptr) {
      auto n = u->live_->read_memory(RemoteAddr(addr), value, sizeof(unw_word_t));
      if (n && *n == sizeof(unw_word_t)) return 0;
    }
    if (u->tables_.read_writable_word(addr, word)) {
      *value = word;
      return 0;
    }
    return -UNW_EINVAL;
  }

  // libunwind's x86-64 register numbers are the DWARF ones, the order of RawSample regs.
  static int access_reg(unw_addr_space_t, unw_regnum_t reg, unw_word_t* value, int write,
                        void* arg) {
    LibunwindUnwinder* u = self(arg);
    if (write != 0 || u->sample_ == nullptr) return -UNW_EINVAL;
    if (reg < 0 || reg >= sampling::kDwarfRegCount) return -UNW_EBADREG;
    *value = u->sample_->regs.dwarf[static_cast<std::size_t>(reg)];
    return 0;
  }

  static int access_fpreg(unw_addr_space_t, unw_regnum_t, unw_fpreg_t*, int, void*) {
    return -UNW_EINVAL;
  }
  static int resume(unw_addr_space_t, unw_cursor_t*, void*) { return -UNW_EINVAL; }
  static int get_proc_name(unw_addr_space_t, unw_word_t, char*, std::size_t, unw_word_t*, void*) {
    return -UNW_EINVAL;
  }

  const process::Process* live_;
  UnwindOptions options_;
  ElfTables tables_;
  AddressSpace as_;
  std::size_t refreshes_seen_ = 0;
  const sampling::RawSample* sample_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Unwinder>> make_libunwind_unwinder(modules::ModuleMap& modules,
                                                          const process::Process* live,
                                                          pid_t /*pid*/,
                                                          const UnwindOptions& options) {
  auto unwinder = std::make_unique<LibunwindUnwinder>(modules, live, options);
  auto r = unwinder->init();
  if (!r) return r.error();
  return std::unique_ptr<Unwinder>(std::move(unwinder));
}

}  // namespace cspy::unwind
