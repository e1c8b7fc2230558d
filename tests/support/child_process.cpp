// ChildProcess, run_command and /proc process state for tests.
#include "child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <utility>

#include "test_files.h"

namespace cspy::test {

namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

milliseconds left_until(Clock::time_point deadline) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

struct Pipe {
  int read = -1;
  int write = -1;
};

bool open_pipe(Pipe& p) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  p = {fds[0], fds[1]};
  return true;
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// In the forked child: only async-signal-safe calls until exec. If exec fails, its errno
// goes to `exec_error` (close-on-exec, so the parent reads nothing when exec succeeds).
[[noreturn]] void exec_child(char* const* argv, int out_fd, int err_fd, int exec_error,
                             pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  const int null_fd = open("/dev/null", O_RDWR);
  if (null_fd < 0) _exit(127);
  dup2(null_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd >= 0 ? err_fd : null_fd, STDERR_FILENO);
  execvp(argv[0], argv);
  const int error = errno;
  ssize_t ignored = write(exec_error, &error, sizeof error);
  (void)ignored;
  _exit(127);
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, Stderr err)
    : merged_(err == Stderr::kMerge) {
  std::string& errors = merged_ ? out_ : err_;
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  Pipe out, error_out, exec_error;
  if (argv.empty() || !open_pipe(out) || !open_pipe(exec_error) ||
      (err == Stderr::kSeparate && !open_pipe(error_out))) {
    for (int* fd : {&out.read, &out.write, &exec_error.read, &exec_error.write, &error_out.read,
                    &error_out.write}) {
      close_fd(*fd);
    }
    errors = argv.empty() ? "no program to run" : std::string("pipe: ") + std::strerror(errno);
    return;
  }
  const int child_err = err == Stderr::kMerge ? out.write : error_out.write;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) exec_child(args.data(), out.write, child_err, exec_error.write, parent);
  const int fork_error = errno;
  close_fd(out.write);
  close_fd(error_out.write);
  close_fd(exec_error.write);
  int exec_errno = 0;
  ssize_t n;
  do {
    n = pid > 0 ? read(exec_error.read, &exec_errno, sizeof exec_errno) : 0;
  } while (n < 0 && errno == EINTR);
  close_fd(exec_error.read);
  out_fd_ = out.read;
  err_fd_ = error_out.read;
  if (pid < 0 || n > 0) {
    if (pid > 0) waitpid(pid, nullptr, 0);
    close_pipes();
    errors = (pid < 0 ? "fork: " + std::string(std::strerror(fork_error))
                      : "cannot run '" + argv[0] + "': " + std::strerror(exec_errno)) +
             "\n";
    return;
  }
  pid_ = pid;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      exit_code_(std::exchange(other.exit_code_, std::nullopt)),
      out_fd_(std::exchange(other.out_fd_, -1)),
      err_fd_(std::exchange(other.err_fd_, -1)),
      out_(std::move(other.out_)),
      err_(std::move(other.err_)),
      merged_(other.merged_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    close_pipes();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
    out_fd_ = std::exchange(other.out_fd_, -1);
    err_fd_ = std::exchange(other.err_fd_, -1);
    out_ = std::move(other.out_);
    err_ = std::move(other.err_);
    merged_ = other.merged_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  kill_and_reap();
  close_pipes();
}

void ChildProcess::close_pipes() {
  close_fd(out_fd_);
  close_fd(err_fd_);
}

std::size_t ChildProcess::pump(milliseconds timeout) {
  pollfd fds[2];
  nfds_t count = 0;
  for (int fd : {out_fd_, err_fd_}) {
    if (fd >= 0) fds[count++] = pollfd{fd, POLLIN, 0};
  }
  const int ready = poll(count > 0 ? fds : nullptr, count, static_cast<int>(timeout.count()));
  if (ready <= 0) return 0;  // timeout, or EINTR: the callers loop on their deadline
  std::size_t total = 0;
  for (nfds_t i = 0; i < count; ++i) {
    if (fds[i].revents == 0) continue;
    const bool is_out = fds[i].fd == out_fd_;
    char chunk[4096];
    const ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // end of output
      close_fd(is_out ? out_fd_ : err_fd_);
      continue;
    }
    (is_out ? out_ : err_).append(chunk, static_cast<std::size_t>(n));
    total += static_cast<std::size_t>(n);
  }
  return total;
}

void ChildProcess::drain() {
  // The pipes hold at most what the child wrote before it exited, unless a grandchild that
  // inherited them is still writing: stop after a while in that case.
  const auto stop = Clock::now() + milliseconds(500);
  while ((out_fd_ >= 0 || err_fd_ >= 0) && Clock::now() < stop && pump(milliseconds(0)) > 0) {
  }
}

std::optional<std::string> ChildProcess::read_line(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto newline = out_.find('\n');
    if (newline != std::string::npos) {
      std::string line = out_.substr(0, newline);
      out_.erase(0, newline + 1);
      return line;
    }
    if (out_fd_ < 0) {  // end of output
      if (out_.empty()) return std::nullopt;
      return std::exchange(out_, std::string());
    }
    if (Clock::now() >= deadline) return std::nullopt;
    pump(left_until(deadline));
  }
}

bool ChildProcess::wait_for_output(const std::string& text, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (std::optional<std::string> line = read_line(left_until(deadline))) {
    if (line->find(text) != std::string::npos) return true;
  }
  return false;
}

std::string ChildProcess::take_output() { return std::exchange(out_, std::string()); }

bool ChildProcess::running() const {
  if (pid_ <= 0 || exit_code_) return false;
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == 0;
}

void ChildProcess::reaped(int status) {
  exit_code_ = decode_status(status);
  drain();
}

std::optional<int> ChildProcess::wait(milliseconds timeout) {
  if (pid_ <= 0 || exit_code_) return exit_code_;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped(status);
      return exit_code_;
    }
    if (done < 0 && errno != EINTR) return std::nullopt;  // not our child (any more)
    if (Clock::now() >= deadline) return std::nullopt;
    // Reading the pipes meanwhile keeps a chatty child from blocking on a full one.
    pump(std::min(left_until(deadline), milliseconds(10)));
  }
}

int ChildProcess::kill_and_reap() {
  if (pid_ <= 0) return -1;
  if (exit_code_) return *exit_code_;
  kill(pid_, SIGKILL);
  kill(pid_, SIGCONT);  // a stopped process dies only once continued
  int status = 0;
  pid_t done;
  do {
    done = waitpid(pid_, &status, 0);
  } while (done < 0 && errno == EINTR);
  if (done < 0) return -1;
  reaped(status);
  return *exit_code_;
}

CommandResult run_command(const std::vector<std::string>& argv, milliseconds timeout, Stderr err) {
  CommandResult result;
  ChildProcess child(argv, err);
  if (child.started()) {
    const std::optional<int> code = child.wait(timeout);
    result.timed_out = !code;
    result.exit_code = code ? *code : child.kill_and_reap();
  }
  result.out = child.take_output();
  result.err = child.error_output();
  return result;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::string(ci) == "true" || std::string(ci) == "1");
}

std::string find_program(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

char process_state(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');  // the command name may hold anything, ')' included
  if (paren == std::string::npos || paren + 2 >= stat.size()) return '\0';
  return stat[paren + 2];
}

bool process_is_stopped(pid_t pid) {
  const char state = process_state(pid);
  return state == 'T' || state == 't';
}

pid_t tracer_of(pid_t pid, pid_t tid) {
  std::istringstream status(
      read_file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("TracerPid:", 0) == 0) return std::stoi(line.substr(10));
  }
  return -1;
}

std::set<pid_t> thread_ids(pid_t pid) {
  std::set<pid_t> tids;
  const std::string path = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* dir = opendir(path.c_str())) {
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') tids.insert(static_cast<pid_t>(std::atoi(entry->d_name)));
    }
    closedir(dir);
  }
  return tids;
}

std::set<int> open_fds() {
  std::set<int> fds;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* entry = readdir(dir)) {
      const int fd = std::atoi(entry->d_name);
      if (entry->d_name[0] != '.' && fd != dirfd(dir)) fds.insert(fd);
    }
    closedir(dir);
  }
  return fds;
}

}  // namespace cspy::test
