// Launcher: starts a command for `cspy record -- prog args`. The child is forked and held
// before exec until release(), so sampling can be set up first and nothing is missed.
// Its stdout/stderr are inherited (stdout can be sent to stderr, when cspy's stdout carries
// the profile). stop() ends it when cspy is done with it (SIGINT, SIGTERM, SIGKILL); the
// destructor kills a child that never ran.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cspy/core/result.h"
#include "cspy/core/unique_fd.h"

namespace cspy::process {

struct LaunchOptions {
  // The child's stdout is cspy's stderr (for `-o -`: the profile alone on stdout).
  bool stdout_to_stderr = false;
};

// How stop() ended a child.
struct StopOutcome {
  int signal = 0;       // the last signal sent; 0 when it had exited already
  int wait_status = 0;  // as waitpid() gives it
};

class LaunchedProcess {
 public:
  // How the child is forked: ::fork, or a stand-in (a failing one, in tests).
  using ForkFn = pid_t (*)();
  static Result<LaunchedProcess> spawn(const std::vector<std::string>& argv,
                                       LaunchOptions options = {}, ForkFn fork_fn = &::fork);
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
  // Ends a released child that still runs, and reaps it: SIGINT (as Ctrl-C would), then
  // SIGTERM after `grace`, then SIGKILL after another `grace`. Each signal also goes to the
  // processes the child started that are in its process group (process_tree.h), as Ctrl-C's
  // does, and the next one is sent unless all of them are gone. Each of the first two is
  // followed by SIGCONT, so that a stopped child can act on it. Not for a traced child: its
  // ptrace-stops would be taken for progress. `interrupted`: the child has had a SIGINT
  // already (Ctrl-C at the terminal reaches the whole foreground job), so the sequence
  // starts by giving it `grace` to end, then SIGTERM: a second SIGINT could cut short what
  // it does on the first.
  StopOutcome stop(std::chrono::milliseconds grace, bool interrupted = false);
  bool released() const { return released_; }
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
