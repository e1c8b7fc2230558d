// System call names (a table generated from asm/unistd_64.h) and kallsyms lookups.
#include "cspy/sampling/syscalls.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <utility>

namespace cspy::sampling {

namespace {

struct SyscallEntry {
  int nr;
  const char* name;
};
constexpr SyscallEntry kSyscalls[] = {
#include "syscall_table.inc"
};
// What the function do_syscall_64 calls may be named (a tail call can leave
// __x64_sys_read out of the stack, and ksys_read in).
constexpr std::string_view kEntryPrefixes[] = {"__x64_sys_", "__do_sys_", "__se_sys_",
                                               "ksys_",      "do_sys_",   "do_"};
constexpr std::int16_t kNotSyscall = -1;
constexpr std::int16_t kDispatcher = -2;  // do_syscall_64: its callee is the system call
constexpr std::int16_t kSwitch = -3;      // x64_sys_call (6.9+): between the two

std::int16_t classify(std::string_view name) {
  if (name == "do_syscall_64") return kDispatcher;
  if (name == "x64_sys_call") return kSwitch;
  for (std::string_view prefix : kEntryPrefixes) {
    if (!name.starts_with(prefix)) continue;
    const int nr = syscall_number(name.substr(prefix.size()));
    if (nr >= 0) return static_cast<std::int16_t>(nr);
  }
  return kNotSyscall;
}
// perf_callchain_context markers (PERF_CONTEXT_KERNEL ...) are the top 4095 values.
constexpr std::uint64_t kFirstMarker = static_cast<std::uint64_t>(-4095);

}  // namespace

std::string_view syscall_name(int nr) {
  for (const SyscallEntry& e : kSyscalls) {
    if (e.nr == nr) return e.name;
  }
  return {};
}

int syscall_number(std::string_view name) {
  for (const SyscallEntry& e : kSyscalls) {
    if (name == e.name) return e.nr;
  }
  return -1;
}

KernelSyscalls KernelSyscalls::load() {
  KernelSyscalls k;
  std::ifstream in("/proc/kallsyms");
  std::vector<std::pair<std::uint64_t, std::int16_t>> symbols;
  std::string line;
  while (std::getline(in, line)) {
    // "ffffffff8144afc0 T __x64_sys_futex"
    if (line.size() < 20 || line[16] != ' ' || (line[17] != 't' && line[17] != 'T')) continue;
    const std::uint64_t addr = std::stoull(line.substr(0, 16), nullptr, 16);
    if (addr == 0) return {};  // addresses hidden from this user
    std::string_view name = std::string_view(line).substr(19);
    name = name.substr(0, name.find_first_of(" \t"));
    symbols.emplace_back(addr, classify(name));
  }
  std::sort(symbols.begin(), symbols.end());
  k.starts_.reserve(symbols.size());
  k.numbers_.reserve(symbols.size());
  for (const auto& [addr, nr] : symbols) {
    k.starts_.push_back(addr);
    k.numbers_.push_back(nr);
  }
  return k;
}

int KernelSyscalls::syscall_in(std::span<const std::uint64_t> ips) const {
  auto code = [this](std::uint64_t ip) {
    if (ip >= kFirstMarker) return kSwitch;  // a marker: skipped like x64_sys_call
    auto it = std::upper_bound(starts_.begin(), starts_.end(), ip);
    if (it == starts_.begin()) return kNotSyscall;
    return numbers_[static_cast<std::size_t>(it - starts_.begin() - 1)];
  };
  int first = -1;  // without do_syscall_64 in the stack: the innermost entry-like name
  for (std::size_t i = 0; i < ips.size(); ++i) {
    const std::int16_t c = code(ips[i]);
    if (c >= 0 && first < 0) first = c;
    if (c != kDispatcher) continue;
    // The callee of do_syscall_64 names the system call (innermost first: the one before).
    for (std::size_t j = i; j-- > 0;) {
      const std::int16_t callee = code(ips[j]);
      if (callee == kSwitch) continue;
      return callee >= 0 ? callee : first;
    }
    return first;
  }
  return first;
}

}  // namespace cspy::sampling
