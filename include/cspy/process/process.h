// Process: the target — a PID cspy attaches to — and what /proc says about it:
// its threads (including ones born later: call threads() again), their names, its
// command line, its memory maps, and reading its memory with process_vm_readv.
// Process::open() checks that the PID can be profiled and explains why not.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cspy/core/remote_addr.h"
#include "cspy/core/result.h"

namespace cspy::process {

class Process {
 public:
  // Fails with kNoSuchProcess, kNotTraceable (zombie, kernel thread) or kPermission.
  static Result<Process> open(pid_t pid);
  // `pid` without open()'s checks: a process known to have existed, maybe gone now (its
  // reads then fail as a gone process's do).
  static Process unchecked(pid_t pid) { return Process(pid); }

  pid_t pid() const { return pid_; }
  bool alive() const;

  // Thread ids from /proc/PID/task, sorted; empty if the process is gone.
  std::vector<pid_t> threads() const;
  // /proc/PID/task/TID/comm, without the newline; empty if the thread is gone.
  std::string thread_name(pid_t tid) const;
  // /proc/PID/task/TID/stat state letter (R, S, D, T, t, Z...), '?' if gone.
  char thread_state(pid_t tid) const;
  // The CPU time thread `tid` has used, in ns (/proc/PID/task/TID/schedstat, updated by the
  // scheduler every few ms); 0 if gone or if the kernel does not keep it.
  std::uint64_t thread_cpu_ns(pid_t tid) const;
  // The ID thread `tid` (as cspy sees it) has in the target's own PID namespace (a
  // container's), from NSpid in its status; `tid` itself in cspy's namespace, or if gone.
  pid_t namespace_tid(pid_t tid) const;
  // Whether the target lives in a PID namespace below cspy's (its IDs differ there).
  bool in_child_pid_namespace() const { return namespace_tid(pid_) != pid_; }
  // /proc/PID/cmdline with NULs turned into spaces.
  std::string command_line() const;
  // The text of /proc/PID/maps.
  Result<std::string> maps() const;

  // Reads target memory; returns the bytes read (may be short at an unmapped page). Fails
  // with EFAULT where nothing is mapped, and with kTargetExited once the process is gone.
  Result<std::size_t> read_memory(RemoteAddr addr, void* buffer, std::size_t size) const;
  // One range to read among several (read_pieces).
  struct Piece {
    RemoteAddr addr;
    void* buffer = nullptr;
    std::size_t size = 0;
    bool read = false;  // out: read in full
  };
  // Reads every piece, with one system call when all of them can be read; a piece that
  // cannot be read is left `read == false` and the others are still read.
  void read_pieces(std::span<Piece> pieces) const;

 private:
  explicit Process(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

// The last ID on the "NSpid:" line of a /proc status text (the ID in the innermost PID
// namespace), or `fallback` when there is none.
pid_t innermost_nspid(const std::string& status, pid_t fallback);

// Reads a whole small file (such as /proc/...); an Error if it cannot be opened.
Result<std::string> read_text_file(const std::string& path);

}  // namespace cspy::process
