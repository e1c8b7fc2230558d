// LaunchedProcess: fork, hold before exec, release, reap.
#include "cspy/process/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "cspy/core/check.h"
#include "cspy/process/process_tree.h"

namespace cspy::process {

namespace {

// Both ends of a pipe, closed on exec and when they go out of scope.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno_error("pipe");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The forked child: waits until the parent is ready (EOF on `go`), then execs; if exec
// fails, its errno goes to `exec_error`. Only async-signal-safe calls here, and no return.
[[noreturn]] void run_child(int go, int exec_error, char* const* args, LaunchOptions options) {
  char c;
  while (::read(go, &c, 1) < 0 && errno == EINTR) {
  }
  if (options.stdout_to_stderr) ::dup2(STDERR_FILENO, STDOUT_FILENO);
  ::execvp(args[0], args);
  int e = errno;
  ssize_t w = ::write(exec_error, &e, sizeof e);
  (void)w;
  ::_exit(127);
}

}  // namespace

Result<LaunchedProcess> LaunchedProcess::spawn(const std::vector<std::string>& argv,
                                               LaunchOptions options, ForkFn fork_fn) {
  if (argv.empty()) return Error(ErrorKind::kUsage, "no command given after --");
  auto go = make_pipe();
  if (!go) return go.error();
  auto err = make_pipe();
  if (!err) return err.error();
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = fork_fn();
  if (pid < 0) return errno_error("fork");
  if (pid == 0) {
    // The parent's ends: the child must not hold the write end of `go`, or it never sees EOF.
    ::close(go->write.get());
    ::close(err->read.get());
    run_child(go->read.get(), err->write.get(), args.data(), options);
  }
  return LaunchedProcess(pid, std::move(go->write), std::move(err->read));
}

LaunchedProcess::LaunchedProcess(LaunchedProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      go_(std::move(other.go_)),
      exec_error_(std::move(other.exec_error_)),
      released_(other.released_),
      reaped_(other.reaped_),
      status_(other.status_) {}

LaunchedProcess::~LaunchedProcess() {
  if (pid_ > 0 && !released_ && !reaped_) {
    // It never ran the user's program: do not leave it behind.
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

Result<void> LaunchedProcess::release() {
  released_ = true;
  go_.reset();
  int e = 0;
  ssize_t n;
  do {
    n = ::read(exec_error_.get(), &e, sizeof e);
  } while (n < 0 && errno == EINTR);
  exec_error_.reset();
  if (n == static_cast<ssize_t>(sizeof e)) {
    wait();
    return Error(ErrorKind::kBadInput, "cannot run the command: exec failed", e);
  }
  return {};
}

std::optional<int> LaunchedProcess::try_wait() {
  if (reaped_) return status_;
  CSPY_CHECK(pid_ > 0);  // a moved-from one: waitpid(-1) would reap any child
  // A look first: when cspy also traces the child (the ptrace sampler), a wait reports its
  // ptrace-stops too, and those are the tracer's to consume.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid == 0 ||
      (info.si_code != CLD_EXITED && info.si_code != CLD_KILLED && info.si_code != CLD_DUMPED)) {
    return std::nullopt;
  }
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = status;
    return status_;
  }
  return std::nullopt;
}

int LaunchedProcess::wait() {
  if (reaped_) return status_;
  CSPY_CHECK(pid_ > 0);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  status_ = status;
  return status_;
}

StopOutcome LaunchedProcess::stop(std::chrono::milliseconds grace, bool interrupted) {
  CSPY_CHECK(released_);
  if (auto status = try_wait()) return StopOutcome{.signal = 0, .wait_status = *status};
  // The processes the child started, in its group: they get each signal too, as from
  // Ctrl-C. Looked for again while the child lives (it may start more); remembered after
  // it is reaped, when they are no longer its children.
  std::vector<ProcessId> family;
  auto look_for_family = [&] {
    if (reaped_) return;
    for (const ProcessId& p : group_descendants(pid_)) {
      if (std::find(family.begin(), family.end(), p) == family.end()) family.push_back(p);
    }
  };
  auto signal_all = [&](int signal) {
    look_for_family();
    if (!reaped_) ::kill(pid_, signal);
    for (const ProcessId& p : family) {
      if (p.running()) ::kill(p.pid, signal);
    }
  };
  // The child reaped (its status kept) and none of its family running.
  auto all_gone = [&] {
    if (!try_wait()) return false;
    return std::none_of(family.begin(), family.end(),
                        [](const ProcessId& p) { return p.running(); });
  };
  constexpr auto kPoll = std::chrono::milliseconds(10);
  for (int signal : {SIGINT, SIGTERM}) {
    const bool had_it = signal == SIGINT && interrupted;
    if (had_it) {
      look_for_family();
    } else {
      signal_all(signal);
      signal_all(SIGCONT);
    }
    for (auto waited = std::chrono::milliseconds(0); waited < grace; waited += kPoll) {
      if (all_gone()) return StopOutcome{.signal = had_it ? 0 : signal, .wait_status = status_};
      std::this_thread::sleep_for(kPoll);
    }
  }
  signal_all(SIGKILL);
  const int status = wait();
  // SIGKILL ends them at once, unless they are in the middle of a system call that cannot be
  // interrupted: not waited for long.
  for (auto waited = std::chrono::milliseconds(0); waited < grace && !all_gone(); waited += kPoll) {
    std::this_thread::sleep_for(kPoll);
  }
  return StopOutcome{.signal = SIGKILL, .wait_status = status};
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

}  // namespace cspy::process
