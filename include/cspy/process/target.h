// Target: the process a command works on — an existing PID (`--pid N`) or a command
// cspy starts (`-- prog args`), held before exec until release(). Knows whether the
// target is still running and, for a launched one, its exit status.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "cspy/core/result.h"
#include "cspy/process/launcher.h"
#include "cspy/process/process.h"

namespace cspy::process {

class Target {
 public:
  static Result<Target> attach(pid_t pid);
  static Result<Target> launch(const std::vector<std::string>& argv);

  const Process& process() const { return process_; }
  pid_t pid() const { return process_.pid(); }
  bool launched() const { return launched_.has_value(); }
  // Lets a launched command exec (no-op for --pid).
  Result<void> release();
  // False once the process has exited (a launched one is reaped then).
  bool running();
  // A launched target's wait status once it has exited.
  std::optional<int> exit_status();
  std::string command_line() const { return command_; }
  void set_command_line(std::string c) { command_ = std::move(c); }

 private:
  Target(Process p, std::optional<LaunchedProcess> l) : process_(p), launched_(std::move(l)) {}
  Process process_;
  std::optional<LaunchedProcess> launched_;
  std::string command_;
};

}  // namespace cspy::process
