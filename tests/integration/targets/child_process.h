// ChildProcess: a program a test starts, with its stdout (and optionally stderr) on a pipe.
// Move-only; the destructor SIGKILLs and reaps the child unless it was reaped already, so a
// failed assertion never leaves a process running or stopped (the child also gets SIGKILL
// if the test process dies). run_command() runs a program to completion under a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cspy::test {

using std::chrono::milliseconds;

class ChildProcess {
 public:
  enum class Stderr { kDiscard, kMerge };

  // Starts argv[0] (a path, or a name looked up in PATH); !started() if fork/exec failed.
  static ChildProcess start(const std::vector<std::string>& argv, Stderr err = Stderr::kMerge);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // The next line of output (without '\n'); nullopt at end of output or after `timeout`.
  std::optional<std::string> read_line(milliseconds timeout);
  // All output until the child closes its end; nullopt if `timeout` passes first.
  std::optional<std::string> read_all(milliseconds timeout);
  // True while the child has not exited (it is not reaped by this check).
  bool running() const;
  // Reaps the child: its exit code, 128 + signal if killed, nullopt if still alive at timeout.
  std::optional<int> wait(milliseconds timeout);
  // SIGKILLs (resuming it first, in case it is stopped) and reaps; returns as wait() does.
  int kill_and_reap();

 private:
  ChildProcess(pid_t pid, int out_fd) : pid_(pid), out_fd_(out_fd) {}
  // Reads what is available into buffer_; false at end of output or on timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  void release();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
};

struct CommandResult {
  int exit_code = -1;  // 128 + signal if killed; -1 if it never started
  bool timed_out = false;
  std::string output;  // stdout, followed or interleaved with stderr if merged
};

// Runs argv to completion; kills it if it is still running after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv,
                          milliseconds timeout = milliseconds(60'000),
                          ChildProcess::Stderr err = ChildProcess::Stderr::kMerge);

}  // namespace cspy::test
