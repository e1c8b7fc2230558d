// Why a ptrace or perf_event_open was refused, and what to change.
#include "cspy/process/permissions.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/core.h>

namespace cspy::process {

namespace {
int read_int_file(const char* path, int fallback) {
  std::ifstream in(path);
  int v = fallback;
  if (in) in >> v;
  return in ? v : fallback;
}
}  // namespace

int ptrace_scope() { return read_int_file("/proc/sys/kernel/yama/ptrace_scope", -1); }
int perf_event_paranoid() { return read_int_file("/proc/sys/kernel/perf_event_paranoid", 2); }

bool has_cap_sys_ptrace() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_SYS_PTRACE / 32].effective & (1u << (CAP_SYS_PTRACE % 32))) != 0;
}

std::string explain_already_traced(pid_t pid) {
  std::vector<std::string> tasks{std::to_string(pid)};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), ec))
    tasks.push_back(e.path().filename().string());
  for (const std::string& tid : tasks) {
    std::ifstream status(fmt::format("/proc/{}/task/{}/status", pid, tid));
    std::string key;
    pid_t tracer = 0;
    while (status >> key) {
      if (key == "TracerPid:") {
        status >> tracer;
        break;
      }
    }
    if (tracer <= 0) continue;
    std::ifstream comm_file(fmt::format("/proc/{}/comm", tracer));
    std::string comm;
    std::getline(comm_file, comm);
    return fmt::format(
        "not permitted to attach to PID {}: it is already traced by PID {} ({}), and a thread "
        "has one tracer at a time; detach that debugger or tracer first, or use "
        "--sampler perf_event",
        pid, tracer, comm.empty() ? "?" : comm);
  }
  return "";
}

std::string explain_ptrace_refusal(pid_t pid) {
  if (std::string traced = explain_already_traced(pid); !traced.empty()) return traced;
  return explain_ptrace_refusal(pid, ptrace_scope(), has_cap_sys_ptrace());
}

std::string explain_ptrace_refusal(pid_t pid, int scope, bool has_cap) {
  if (scope == 3) {
    return fmt::format(
        "not permitted to attach to PID {}: kernel.yama.ptrace_scope is 3 (attach "
        "disabled until reboot); no fix without rebooting with a lower setting",
        pid);
  }
  if (!has_cap) {
    if (scope >= 1) {
      return fmt::format(
          "not permitted to attach to PID {}: kernel.yama.ptrace_scope is {} and "
          "cspy lacks CAP_SYS_PTRACE; run as root (sudo), or grant it with `setcap "
          "cap_sys_ptrace+ep $(which cspy)`, or `sysctl kernel.yama.ptrace_scope=0`",
          pid, scope);
    }
    return fmt::format(
        "not permitted to attach to PID {}: it belongs to another user and cspy "
        "lacks CAP_SYS_PTRACE; run as that user or as root (sudo)",
        pid);
  }
  return fmt::format(
      "not permitted to attach to PID {} although cspy has CAP_SYS_PTRACE: a "
      "container or seccomp policy may forbid ptrace (docker: --cap-add "
      "SYS_PTRACE --security-opt seccomp=unconfined)",
      pid);
}

std::string explain_perf_refusal(pid_t pid) {
  return explain_perf_refusal(pid, perf_event_paranoid());
}

std::string explain_perf_refusal(pid_t pid, int paranoid) {
  return fmt::format(
      "perf_event_open refused for PID {}: kernel.perf_event_paranoid is {} and "
      "cspy is not privileged; run as root, or `sysctl kernel.perf_event_paranoid=1`"
      " (or lower), or grant CAP_PERFMON",
      pid, paranoid);
}

}  // namespace cspy::process
