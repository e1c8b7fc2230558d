// System calls by number (x86-64), and the one a thread left the CPU in, named from the
// kernel stack of its off-CPU sample: the `__x64_sys_<name>` entry function in it, looked
// up in /proc/kallsyms.
//   syscall_name(202) == "futex";  KernelSyscalls::load().syscall_in(kernel_ips) -> 202
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cspy::sampling {

// The name of system call `nr` ("" when unknown) and the number of `name` (-1).
std::string_view syscall_name(int nr);
int syscall_number(std::string_view name);

class KernelSyscalls {
 public:
  // Reads /proc/kallsyms; finds nothing where its addresses are hidden (kptr_restrict).
  static KernelSyscalls load();
  // The system call whose entry function is among `ips` (kernel addresses, innermost
  // first; perf's context markers are skipped), or -1.
  int syscall_in(std::span<const std::uint64_t> ips) const;
  bool empty() const { return starts_.empty(); }

 private:
  std::vector<std::uint64_t> starts_;  // every kernel text symbol's address, sorted
  std::vector<std::int16_t> numbers_;  // the system call entered at that symbol, or -1
};

}  // namespace cspy::sampling
