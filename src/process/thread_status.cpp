// Thread state and current syscall from /proc.
#include "cspy/process/thread_status.h"

#include <seccomp.h>

#include <cstdlib>
#include <sstream>

#include <fmt/core.h>

#include "cspy/process/process.h"

namespace cspy::process {

std::string state_name(char state) {
  switch (state) {
    case 'R':
      return "running";
    case 'S':
      return "sleeping";
    case 'D':
      return "disk sleep";
    case 'T':
      return "stopped";
    case 't':
      return "tracing stop";
    case 'Z':
      return "zombie";
    case 'X':
      return "dead";
    case 'I':
      return "idle";
    default:
      return "unknown";
  }
}

std::string syscall_name(long number) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(number));
  if (name == nullptr) return fmt::format("syscall {}", number);
  std::string s(name);
  std::free(name);
  return s;
}

ThreadStatus parse_thread_status(const std::string& stat_text, const std::string& syscall_text) {
  ThreadStatus st;
  // "tid (comm) S ...": comm may itself hold ") ", so the state follows the last ')'.
  auto close = stat_text.rfind(')');
  if (close != std::string::npos && close + 2 < stat_text.size()) st.state = stat_text[close + 2];
  st.state_name = state_name(st.state);
  // "running" or "-1 sp pc" when not in a syscall; otherwise "nr arg1 ... sp pc".
  if (!syscall_text.empty() && syscall_text[0] != 'r') {
    std::istringstream in(syscall_text);
    long nr = -1;
    in >> nr;
    if (in && nr >= 0) {
      st.syscall = nr;
      st.syscall_name = syscall_name(nr);
    }
  }
  return st;
}

ThreadStatus read_thread_status(pid_t pid, pid_t tid) {
  auto stat = read_text_file(fmt::format("/proc/{}/task/{}/stat", pid, tid));
  auto syscall = read_text_file(fmt::format("/proc/{}/task/{}/syscall", pid, tid));
  return parse_thread_status(stat ? *stat : std::string(), syscall ? *syscall : std::string());
}

}  // namespace cspy::process
