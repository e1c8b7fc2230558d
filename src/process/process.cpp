// Process: /proc readers and process_vm_readv.
#include "cspy/process/process.h"

#include <dirent.h>
#include <signal.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "cspy/process/permissions.h"

namespace cspy::process {

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_error(ErrorKind::kBadInput, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

// The fields after "(comm)" in /proc/.../stat; comm may itself contain ") ".
std::string stat_tail(const std::string& stat) {
  auto close = stat.rfind(')');
  return close == std::string::npos ? std::string() : stat.substr(close + 1);
}

}  // namespace

Result<Process> Process::open(pid_t pid) {
  if (pid <= 0) return Error(ErrorKind::kUsage, fmt::format("invalid PID {}", pid));
  auto stat = read_text_file(fmt::format("/proc/{}/stat", pid));
  if (!stat) {
    return Error(ErrorKind::kNoSuchProcess,
                 fmt::format("no process with PID {}; check the PID with `ps -p {}`", pid, pid));
  }
  std::istringstream fields(stat_tail(*stat));
  std::string state;
  fields >> state;
  if (state == "Z" || state == "X") {
    return Error(ErrorKind::kNotTraceable,
                 fmt::format("PID {} is a zombie (it has exited and waits for its parent to reap "
                             "it); there is nothing left to profile",
                             pid));
  }
  // Kernel threads have no user memory: /proc/PID/exe does not resolve and flags has PF_KTHREAD.
  std::string skip;
  unsigned long flags = 0;
  for (int i = 0; i < 5; ++i) fields >> skip;  // ppid pgrp session tty_nr tpgid
  fields >> flags;
  constexpr unsigned long kPfKthread = 0x00200000;
  if (flags & kPfKthread) {
    return Error(ErrorKind::kNotTraceable,
                 fmt::format("PID {} is a kernel thread; cspy profiles user-space programs only "
                             "(use `perf record -a` for the kernel)",
                             pid));
  }
  if (::kill(pid, 0) != 0 && errno == EPERM) {
    return Error(ErrorKind::kPermission, explain_ptrace_refusal(pid));
  }
  return Process(pid);
}

bool Process::alive() const {
  if (::kill(pid_, 0) != 0 && errno == ESRCH) return false;
  auto stat = read_text_file(fmt::format("/proc/{}/stat", pid_));
  if (!stat) return false;
  std::istringstream fields(stat_tail(*stat));
  std::string state;
  fields >> state;
  return state != "Z" && state != "X";
}

std::vector<pid_t> Process::threads() const {
  std::vector<pid_t> tids;
  std::string path = fmt::format("/proc/{}/task", pid_);
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return tids;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    tids.push_back(static_cast<pid_t>(std::stol(e->d_name)));
  }
  ::closedir(dir);
  std::sort(tids.begin(), tids.end());
  return tids;
}

pid_t innermost_nspid(const std::string& status, pid_t fallback) {
  const auto at = status.find("\nNSpid:");
  if (at == std::string::npos) return fallback;
  const auto end = status.find('\n', at + 1);
  const std::string line = status.substr(at + 7, end == std::string::npos ? end : end - at - 7);
  const auto last = line.find_last_of(" \t");
  if (last == std::string::npos || last + 1 >= line.size()) return fallback;
  const pid_t id = std::atoi(line.c_str() + last + 1);
  return id > 0 ? id : fallback;
}

pid_t Process::namespace_tid(pid_t tid) const {
  auto status = read_text_file(fmt::format("/proc/{}/task/{}/status", pid_, tid));
  return status ? innermost_nspid(*status, tid) : tid;
}

std::string Process::thread_name(pid_t tid) const {
  auto comm = read_text_file(fmt::format("/proc/{}/task/{}/comm", pid_, tid));
  if (!comm) return {};
  std::string name = *comm;
  while (!name.empty() && (name.back() == '\n' || name.back() == '\0')) name.pop_back();
  return name;
}

char Process::thread_state(pid_t tid) const {
  auto stat = read_text_file(fmt::format("/proc/{}/task/{}/stat", pid_, tid));
  if (!stat) return '?';
  std::string tail = stat_tail(*stat);
  return tail.size() >= 2 ? tail[1] : '?';
}

std::uint64_t Process::thread_cpu_ns(pid_t tid) const {
  auto schedstat = read_text_file(fmt::format("/proc/{}/task/{}/schedstat", pid_, tid));
  if (!schedstat) return 0;
  return std::strtoull(schedstat->c_str(), nullptr, 10);
}

std::string Process::command_line() const {
  auto cmd = read_text_file(fmt::format("/proc/{}/cmdline", pid_));
  if (!cmd || cmd->empty()) return thread_name(pid_);
  std::string s = *cmd;
  while (!s.empty() && s.back() == '\0') s.pop_back();
  std::replace(s.begin(), s.end(), '\0', ' ');
  return s;
}

Result<std::string> Process::maps() const {
  auto text = read_text_file(fmt::format("/proc/{}/maps", pid_));
  if (!text) {
    return Error(ErrorKind::kTargetExited, fmt::format("cannot read /proc/{}/maps", pid_));
  }
  return text;
}

Result<std::size_t> Process::read_memory(RemoteAddr addr, void* buffer, std::size_t size) const {
  iovec local{buffer, size};
  iovec remote{reinterpret_cast<void*>(addr.value()), size};  // NOLINT(performance-no-int-to-ptr)
  ssize_t n = ::process_vm_readv(pid_, &local, 1, &remote, 1, 0);
  if (n < 0) {
    return errno_error(
        errno == ESRCH ? ErrorKind::kTargetExited : ErrorKind::kGeneric,
        fmt::format("reading {} bytes at {:#x} in PID {}", size, addr.value(), pid_));
  }
  return static_cast<std::size_t>(n);
}

void Process::read_pieces(std::span<Piece> pieces) const {
  constexpr std::size_t kBatch = 256;  // below IOV_MAX
  std::array<iovec, kBatch> local{};
  std::array<iovec, kBatch> remote{};
  std::size_t next = 0;
  while (next < pieces.size()) {
    const std::size_t count = std::min(kBatch, pieces.size() - next);
    for (std::size_t i = 0; i < count; ++i) {
      Piece& p = pieces[next + i];
      p.read = false;
      local[i] = iovec{p.buffer, p.size};
      // NOLINTNEXTLINE(performance-no-int-to-ptr)
      remote[i] = iovec{reinterpret_cast<void*>(p.addr.value()), p.size};
    }
    const ssize_t n = ::process_vm_readv(pid_, local.data(), count, remote.data(), count, 0);
    if (n < 0 && errno == ESRCH) return;  // gone: nothing more can be read
    // The call stops at the first range it cannot read in full: the pieces before it are
    // read, that one is not, and the call goes on after it.
    std::size_t left = n < 0 ? 0 : static_cast<std::size_t>(n);
    std::size_t i = 0;
    for (; i < count && left >= pieces[next + i].size; ++i) {
      pieces[next + i].read = true;
      left -= pieces[next + i].size;
    }
    next += i + (i < count ? 1 : 0);
  }
}

}  // namespace cspy::process
