// Launcher: starts a command for `cspy record -- prog args`. The child is forked and held
// before exec until release(), so sampling can be set up first and nothing is missed.
// Its stdout/stderr are inherited. The destructor kills a child that never ran.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "cspy/core/result.h"
#include "cspy/core/unique_fd.h"

namespace cspy::process {

class LaunchedProcess {
 public:
  // How the child is forked: ::fork, or a stand-in (a failing one, in tests).
  using ForkFn = pid_t (*)();
  static Result<LaunchedProcess> spawn(const std::vector<std::string>& argv,
                                       ForkFn fork_fn = &::fork);
  LaunchedProcess(LaunchedProcess&& other) noexcept;
  LaunchedProcess& operator=(LaunchedProcess&&) = delete;
  LaunchedProcess(const LaunchedProcess&) = delete;
  ~LaunchedProcess();

  pid_t pid() const { return pid_; }
  // Lets the child exec; fails (kBadInput) if exec failed, e.g. no such program.
  Result<void> release();
  // The wait status if the child has exited (reaps it), without blocking.
  std::optional<int> try_wait();
  // Blocks until the child exits; returns its wait status.
  int wait();
  bool reaped() const { return reaped_; }

 private:
  LaunchedProcess(pid_t pid, UniqueFd go, UniqueFd exec_error)
      : pid_(pid), go_(std::move(go)), exec_error_(std::move(exec_error)) {}
  pid_t pid_ = -1;
  UniqueFd go_;          // write end: closing it lets the child exec
  UniqueFd exec_error_;  // read end: the child's errno if exec fails, EOF on success
  bool released_ = false;
  bool reaped_ = false;
  int status_ = 0;
};

// Exit code of a wait status the way shells report it (128+signal when killed).
int exit_code_of(int wait_status);

}  // namespace cspy::process
