// ThreadStatus: what a thread is doing right now, for `cspy dump`: its scheduler state
// in words (running, sleeping, disk wait, stopped...) and, when it is blocked in a
// system call, that call's name (from /proc/PID/task/TID/syscall, named by libseccomp).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace cspy::process {

struct ThreadStatus {
  char state = '?';             // the /proc state letter
  std::string state_name;       // "running", "sleeping", ...
  std::optional<long> syscall;  // the syscall number it is blocked in, if any
  std::string syscall_name;     // "read", "nanosleep"... (empty if none)
};

ThreadStatus read_thread_status(pid_t pid, pid_t tid);
// The same from the texts of /proc/PID/task/TID/stat and .../syscall ("" if unreadable).
ThreadStatus parse_thread_status(const std::string& stat_text, const std::string& syscall_text);
std::string state_name(char state);
std::string syscall_name(long number);

}  // namespace cspy::process
