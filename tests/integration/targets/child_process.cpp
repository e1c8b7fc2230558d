#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <utility>

namespace cspy::test {

namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(char* const* argv, int out_fd, ChildProcess::Stderr err,
                             pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd < 0) _exit(127);
  dup2(null_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err == ChildProcess::Stderr::kMerge ? out_fd : null_fd, STDERR_FILENO);
  execvp(argv[0], argv);
  _exit(127);
}

}  // namespace

ChildProcess ChildProcess::start(const std::vector<std::string>& argv, Stderr err) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (argv.empty() || pipe2(fds, O_CLOEXEC) != 0) return ChildProcess(-1, -1);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) exec_child(args.data(), fds[1], err, parent);
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return ChildProcess(-1, -1);
  }
  return ChildProcess(pid, fds[0]);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      out_fd_(std::exchange(other.out_fd_, -1)),
      buffer_(std::move(other.buffer_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    out_fd_ = std::exchange(other.out_fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

ChildProcess::~ChildProcess() { release(); }

void ChildProcess::release() {
  if (pid_ > 0) kill_and_reap();
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
}

bool ChildProcess::fill(Clock::time_point deadline) {
  if (out_fd_ < 0) return false;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{out_fd_, POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[4096];
    const ssize_t n = read(out_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // end of output
      close(out_fd_);
      out_fd_ = -1;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<std::string> ChildProcess::read_line(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

std::optional<std::string> ChildProcess::read_all(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (fill(deadline)) {
  }
  if (out_fd_ >= 0) return std::nullopt;  // timed out before the end of output
  return std::exchange(buffer_, std::string());
}

bool ChildProcess::running() const {
  if (pid_ <= 0) return false;
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == 0;
}

std::optional<int> ChildProcess::wait(milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return decode_status(status);
    }
    if (done < 0 && errno != EINTR) {
      pid_ = -1;
      return std::nullopt;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

int ChildProcess::kill_and_reap() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGKILL);
  kill(pid_, SIGCONT);
  int status = 0;
  pid_t done;
  do {
    done = waitpid(pid_, &status, 0);
  } while (done < 0 && errno == EINTR);
  pid_ = -1;
  return done < 0 ? -1 : decode_status(status);
}

CommandResult run_command(const std::vector<std::string>& argv, milliseconds timeout,
                          ChildProcess::Stderr err) {
  CommandResult result;
  ChildProcess child = ChildProcess::start(argv, err);
  if (!child.started()) return result;
  const auto deadline = Clock::now() + timeout;
  std::optional<std::string> output = child.read_all(timeout);
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  std::optional<int> code = output ? child.wait(std::max(left, milliseconds(0))) : std::nullopt;
  if (!output || !code) {
    result.timed_out = true;
    result.exit_code = child.kill_and_reap();
    return result;
  }
  result.exit_code = *code;
  result.output = std::move(*output);
  return result;
}

}  // namespace cspy::test
