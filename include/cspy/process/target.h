// Target: the process a command works on — an existing PID (`--pid N`) or a command
// cspy starts (`-- prog args`), held before exec until release(). Knows whether the
// target is still running, its name, and for a launched one its exit status; stop() ends
// a launched one when cspy is done with it (a --pid target is never stopped).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cspy/core/result.h"
#include "cspy/process/launcher.h"
#include "cspy/process/process.h"
#include "cspy/process/process_tree.h"

namespace cspy::process {

class Target {
 public:
  static Result<Target> attach(pid_t pid);
  static Result<Target> launch(const std::vector<std::string>& argv, LaunchOptions options = {});

  const Process& process() const { return process_; }
  pid_t pid() const { return process_.pid(); }
  bool launched() const { return launched_.has_value(); }
  // Lets a launched command exec (no-op for --pid).
  Result<void> release();
  // False once the process has exited (a launched one is reaped then); for --pid, also
  // once its PID belongs to another process (the start time differs: PID reuse).
  bool running();
  // A launched target's wait status once it has exited.
  std::optional<int> exit_status();
  // Ends a launched program that still runs (LaunchedProcess::stop) and reaps it: the
  // signal that ended it; 0 when it had exited already (or did on the SIGINT it had when
  // `interrupted`), was never released, or is a --pid target (left alone).
  int stop(std::chrono::milliseconds grace, bool interrupted = false);
  // What the kernel calls the process (its comm): for a launched one before its exec, what
  // it will be called after (argv[0]'s base name, cut to 15 bytes); "" if unknown.
  std::string name() const;
  std::string command_line() const { return command_; }
  void set_command_line(std::string c) { command_ = std::move(c); }

 private:
  Target(Process p, std::optional<LaunchedProcess> l) : process_(p), launched_(std::move(l)) {}
  Process process_;
  std::optional<LaunchedProcess> launched_;
  std::string command_;
  std::string launched_name_;  // a launched program's name after exec
  ProcessId id_;               // a --pid target's PID and start time
};

}  // namespace cspy::process
