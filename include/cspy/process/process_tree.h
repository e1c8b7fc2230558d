// The processes a launched program started, so that stopping the program stops them too,
// as Ctrl-C does for a terminal's foreground job: its descendants in its process group, as
// /proc shows them at the moment asked (a daemon that left the group is not one of them).
//   for (const ProcessId& p : group_descendants(pid)) if (p.running()) ::kill(p.pid, SIGINT);
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace cspy::process {

// A process as /proc named it once: its PID and its start time, so that a PID the kernel
// has given to another process since is not taken for it.
struct ProcessId {
  pid_t pid = -1;
  std::uint64_t start_time = 0;  // clock ticks after boot (/proc/PID/stat field 22)
  // Still the same process, and not a zombie.
  bool running() const;
  bool operator==(const ProcessId&) const = default;
};

// `pid` as /proc names it now; nullopt when there is no such process.
std::optional<ProcessId> process_id_of(pid_t pid);

// The children of `root`, theirs, and so on, that are in `root`'s process group; none if
// `root` is gone. Read from /proc/[0-9]*/stat.
std::vector<ProcessId> group_descendants(pid_t root);

}  // namespace cspy::process

namespace cspy::process {

// Every process below `root` (children, theirs, and so on, whatever their process group),
// parents before children; none if `root` is gone. Read from /proc/PID/task/TID/children,
// or from one pass over /proc/[0-9]*/stat where the kernel has no such file.
std::vector<pid_t> descendants(pid_t root);

}  // namespace cspy::process
