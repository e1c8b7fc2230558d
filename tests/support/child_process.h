// Test helpers for integration tests: a started process that is always killed and reaped
// (ChildProcess), running a command to completion with a timeout (run_command), and
// reading folded stacks back (parse_folded).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cspy::test {

// A process started for a test. The destructor SIGKILLs and reaps it, so a failing
// assertion never leaves it behind. Its stdout is readable through a pipe.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Reads stdout until a line containing `text` appears; false on EOF or timeout.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);
  // Waits for the process to exit by itself; returns the wait status, or -1 on timeout.
  int wait_exit(std::chrono::milliseconds timeout);
  bool running();
  void kill_and_reap();
  const std::string& output() const { return out_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  bool reaped_ = false;
  std::string out_;
};

struct CommandResult {
  int exit_code = -1;  // 128+N when killed by signal N; -1 on timeout
  std::string out;
  std::string err;
};

// Runs argv to completion (SIGKILL after `timeout`), capturing stdout and stderr.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// "a;b;c 12" lines -> {"a;b;c": 12}.
std::map<std::string, std::uint64_t> parse_folded(const std::string& text);

std::string read_file(const std::string& path);
std::string cspy_binary();
std::string target_binary(const std::string& name);
// A fresh temporary directory for one test's outputs.
std::string make_temp_dir();

// True when a process is in a stopped (T/t) state: no test may leave one behind.
bool process_is_stopped(pid_t pid);

}  // namespace cspy::test
