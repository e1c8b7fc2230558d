// ensure_fd_budget: RLIMIT_NOFILE against the perf_event descriptors of every thread.
#include "cspy/process/fd_budget.h"

#include <sys/resource.h>

#include <fmt/core.h>

namespace cspy::process {

Result<void> ensure_fd_budget(std::size_t threads, std::size_t per_thread) {
  const auto needed = static_cast<rlim_t>(threads * per_thread + kFdReserve);
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};  // unknown: let open() say
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) return {};
  if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= needed) {
    limit.rlim_cur = needed;
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) return {};
  }
  return Error(
      ErrorKind::kGeneric,
      fmt::format("the target has {} threads and the perf_event sampler needs {} file "
                  "descriptor{} for each, but `ulimit -n` allows {} (hard limit {}): "
                  "raise it with `ulimit -n {}` (as root if above the hard limit)",
                  threads, per_thread, per_thread == 1 ? "" : "s (one per CPU)", limit.rlim_cur,
                  limit.rlim_max == RLIM_INFINITY ? std::string("unlimited")
                                                  : std::to_string(limit.rlim_max),
                  needed));
}

}  // namespace cspy::process
