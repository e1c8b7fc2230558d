// Processes for tests (part of cspy_test_support): ChildProcess, a program a test starts and
// reads from, always killed and reaped; run_command(), a program run to completion under a
// deadline; programs found in PATH; the state of a process or thread as /proc shows it.
//   ChildProcess chain({target_binary("chain")});  chain.wait_for_output("ready", 10s);
//   CommandResult r = run_command({cspy_binary(), "dump", ...});  // r.exit_code, r.out, r.err
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cspy::test {

using std::chrono::milliseconds;

// Where a started program's stderr goes: captured apart from stdout, into the same pipe as
// stdout (interleaved as written), or to /dev/null. Stdin is always /dev/null.
enum class Stderr { kSeparate, kMerge, kDiscard };

// A program started for a test, its stdout (and stderr) on pipes. Move-only; the destructor
// SIGKILLs (and SIGCONTs, in case it is stopped) and reaps it, so a failed assertion never
// leaves a process running or stopped; it also gets SIGKILL if the thread that started it
// dies. Reading or waiting from another thread is fine while this one does not touch it.
class ChildProcess {
 public:
  // Starts argv[0] (a path, or a name looked up in PATH). !started() if it could not be run;
  // the reason is then in error_output() (in take_output() with Stderr::kMerge).
  explicit ChildProcess(const std::vector<std::string>& argv, Stderr err = Stderr::kSeparate);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  bool started() const { return pid_ > 0; }
  // The child's PID (-1 if not started); it stays readable after the child is reaped.
  pid_t pid() const { return pid_; }

  // The next line of stdout (without '\n'; at the end of output, what is left of a last
  // unterminated line); nullopt at the end of output or after `timeout`.
  std::optional<std::string> read_line(milliseconds timeout);
  // Reads lines of stdout until one contains `text`; false at the end of output or on timeout.
  bool wait_for_output(const std::string& text, milliseconds timeout);
  // The stdout read so far and not yet returned by read_line(), which it empties.
  std::string take_output();
  // All stderr read so far (Stderr::kSeparate). The pipes are read while reading lines,
  // waiting and reaping, so a chatty child never blocks on a full pipe then.
  const std::string& error_output() const { return err_; }

  // True while the child has not exited (this check does not reap it).
  bool running() const;
  // Reaps the child: its exit code, 128 + N if signal N killed it; nullopt if it is still
  // running after `timeout` or was never started. Once reaped, returns the same code again.
  std::optional<int> wait(milliseconds timeout);
  // SIGKILLs (and SIGCONTs) the child and reaps it; returns its code as wait() does, -1 if
  // it was never started. A child that was reaped already is left alone.
  int kill_and_reap();

 private:
  // Waits up to `timeout` for output on the open pipes and reads what one read() gives from
  // each that has some, closing those at end of output; sleeps if none is open. Returns
  // the number of bytes read.
  std::size_t pump(milliseconds timeout);
  // After the child exited: reads what is still in the pipes, without waiting for more.
  void drain();
  void reaped(int status);
  void close_pipes();

  pid_t pid_ = -1;
  std::optional<int> exit_code_;  // set once reaped
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;  // stdout not yet taken
  std::string err_;  // all stderr
  bool merged_ = false;
};

inline constexpr milliseconds kCommandTimeout{60'000};

struct CommandResult {
  int exit_code = -1;      // 128 + N if signal N killed it; -1 if it could not be run
  bool timed_out = false;  // it was killed at the timeout (exit_code is then 128 + SIGKILL)
  std::string out;         // stdout; with Stderr::kMerge, stdout and stderr interleaved
  std::string err;         // stderr, with Stderr::kSeparate
};

// Runs argv (a path, or a name looked up in PATH) to completion: until it exits, or until
// `timeout`, when it is killed. Output written by then is returned in either case.
CommandResult run_command(const std::vector<std::string>& argv,
                          milliseconds timeout = kCommandTimeout, Stderr err = Stderr::kSeparate);

// The executable `name` resolves to: itself if it holds a '/', else the first match in PATH;
// "" if there is none (or `name` is empty).
std::string find_program(const std::string& name);
inline bool have_program(const std::string& name) { return !find_program(name).empty(); }

// True when CI=true (or 1): a missing tool is a failure there, not a skip.
bool in_ci();

// The one-letter state (R, S, D, T, t, Z, ...) of a process or thread; '\0' if there is none.
char process_state(pid_t pid);
// True when a process is in a stopped (T/t) state: no test may leave one behind.
bool process_is_stopped(pid_t pid);
// The TracerPid of thread `tid` of process `pid` (0: not traced); -1 if it is gone.
pid_t tracer_of(pid_t pid, pid_t tid);
// The thread IDs of process `pid` (from /proc/<pid>/task); none if there is no such process.
std::set<pid_t> thread_ids(pid_t pid);
// The file descriptors this process has open (from /proc/self/fd): compare the sets before
// and after an operation to show that it leaks none.
std::set<int> open_fds();

}  // namespace cspy::test

// Skips the test, or fails it under CI, when an external tool is missing.
#define CSPY_REQUIRE_TOOL(condition, what)                              \
  do {                                                                  \
    if (!(condition)) {                                                 \
      if (::cspy::test::in_ci()) FAIL() << what << " (required in CI)"; \
      GTEST_SKIP() << what;                                             \
    }                                                                   \
  } while (0)
