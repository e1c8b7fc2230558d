// PtraceAttachment: the ptrace-stop rules of PTRACE_SEIZE, as gdb and rr follow them.
//  - A signal-delivery-stop (event 0) is resumed with that signal: it reaches the thread.
//  - PTRACE_EVENT_STOP is an interrupt stop (WSTOPSIG SIGTRAP) or, with a stop signal, a
//    group-stop, left in PTRACE_LISTEN so that the process stays stopped until SIGCONT.
//  - Only a tracee in a ptrace-stop can be detached; a traced thread that exits stays a
//    zombie until its tracer waits for it; a leader is reapable only after all its threads.
//  - Every wait is WNOHANG, bounded by a deadline: a leader that exited never stops.
#include "cspy/sampling/ptrace_attachment.h"

#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <thread>
#include <utility>

#include <fmt/core.h>

#include "cspy/process/permissions.h"
#include "cspy/process/process.h"

namespace cspy::sampling {

namespace {

using Clock = std::chrono::steady_clock;

bool is_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

long signal_data(int sig) { return static_cast<long>(sig); }

// The fields of /proc/PID/task/TID/stat after the command name: state, ppid, ...
std::istringstream stat_fields(pid_t pid, pid_t tid) {
  auto stat = process::read_text_file(fmt::format("/proc/{}/task/{}/stat", pid, tid));
  if (!stat) return std::istringstream();
  auto paren = stat->rfind(')');
  return std::istringstream(paren == std::string::npos ? std::string() : stat->substr(paren + 1));
}

// True when cspy is the parent of process `pid`: its exit status is the launcher's to reap.
bool is_own_child(pid_t pid) {
  std::istringstream fields = stat_fields(pid, pid);
  std::string state;
  pid_t parent = 0;
  fields >> state >> parent;
  return parent == ::getpid();
}

}  // namespace

PtraceAttachment::PtraceAttachment(pid_t pid, pid_t tid, bool may_reap)
    : pid_(pid), tid_(tid), state_(State::kRunning), may_reap_(may_reap) {}

Result<PtraceAttachment> PtraceAttachment::seize(pid_t pid, pid_t tid) {
  if (::ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) {
    int e = errno;
    if (e == EPERM) return Error(ErrorKind::kPermission, process::explain_ptrace_refusal(pid));
    if (e == ESRCH) return Error(ErrorKind::kTargetExited, fmt::format("thread {} exited", tid));
    return Error(ErrorKind::kGeneric, fmt::format("PTRACE_SEIZE thread {} of process {}", tid, pid),
                 e);
  }
  return PtraceAttachment(pid, tid, !(tid == pid && is_own_child(pid)));
}

PtraceAttachment::PtraceAttachment(PtraceAttachment&& other) noexcept
    : pid_(other.pid_),
      tid_(std::exchange(other.tid_, -1)),
      state_(std::exchange(other.state_, State::kDetached)),
      group_stop_(other.group_stop_),
      may_reap_(other.may_reap_),
      reaped_(other.reaped_) {}

PtraceAttachment& PtraceAttachment::operator=(PtraceAttachment&& other) noexcept {
  if (this != &other) {
    (void)detach();
    pid_ = other.pid_;
    tid_ = std::exchange(other.tid_, -1);
    state_ = std::exchange(other.state_, State::kDetached);
    group_stop_ = other.group_stop_;
    may_reap_ = other.may_reap_;
    reaped_ = other.reaped_;
  }
  return *this;
}

PtraceAttachment::~PtraceAttachment() { (void)detach(); }

bool PtraceAttachment::gone() const {
  return state_ == State::kDetached || (state_ == State::kExited && (reaped_ || !may_reap_));
}

Error PtraceAttachment::exited_error() const {
  return Error(ErrorKind::kTargetExited, fmt::format("thread {} of process {} exited", tid_, pid_));
}

bool PtraceAttachment::is_zombie() const {
  std::istringstream fields = stat_fields(pid_, tid_);
  std::string state;
  if (!(fields >> state)) return true;  // gone from /proc
  return state == "Z" || state == "X";
}

PtraceAttachment::Event PtraceAttachment::handle_status(int status) {
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    state_ = State::kExited;
    reaped_ = true;
    return Event::kExited;
  }
  if (!WIFSTOPPED(status)) return Event::kNone;
  const int sig = WSTOPSIG(status);
  const int event = status >> 16;
  if (event == PTRACE_EVENT_STOP) {
    state_ = State::kStopped;
    group_stop_ = is_stop_signal(sig);
    return Event::kStopped;
  }
  // A signal-delivery-stop: the signal goes on to the thread. (Other events: none asked for.)
  // If the thread was killed meanwhile, the next wait reports its exit.
  (void)::ptrace(PTRACE_CONT, tid_, nullptr, signal_data(event == 0 ? sig : 0));
  state_ = State::kRunning;
  return Event::kResumed;
}

PtraceAttachment::Event PtraceAttachment::wait_once() {
  if (!may_reap_) {
    // Look without consuming: an exit status here belongs to the launcher.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(tid_), &info,
                 WEXITED | WSTOPPED | WNOHANG | WNOWAIT | __WALL) != 0) {
      if (errno == EINTR) return Event::kNone;
      state_ = State::kExited;  // no longer ours: reaped by the launcher
      return Event::kExited;
    }
    if (info.si_pid == 0) return Event::kNone;
    if (info.si_code == CLD_EXITED || info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) {
      state_ = State::kExited;
      return Event::kExited;
    }
  }
  int status = 0;
  pid_t r = ::waitpid(tid_, &status, __WALL | WNOHANG);
  if (r == 0 || (r < 0 && errno == EINTR)) return Event::kNone;
  if (r < 0) {  // ECHILD: not our tracee any more (gone, reaped by someone else)
    state_ = State::kExited;
    reaped_ = true;
    return Event::kExited;
  }
  return handle_status(status);
}

Result<void> PtraceAttachment::interrupt(std::chrono::milliseconds bound) {
  if (state_ == State::kStopped) return {};
  if (state_ == State::kExited || state_ == State::kDetached) return exited_error();
  if (::ptrace(PTRACE_INTERRUPT, tid_, nullptr, nullptr) != 0) {
    int e = errno;
    const Event seen = wait_once();
    if (seen == Event::kStopped) return {};
    if (seen == Event::kExited || e == ESRCH) {  // ESRCH: gone, or no longer ours
      state_ = State::kExited;
      return exited_error();
    }
    return Error(ErrorKind::kGeneric,
                 fmt::format("PTRACE_INTERRUPT thread {} of process {}", tid_, pid_), e);
  }
  const auto start = Clock::now();
  auto pause = std::chrono::microseconds(50);
  while (true) {
    Event seen = wait_once();
    if (seen == Event::kStopped) return {};
    if (seen == Event::kExited) return exited_error();
    const auto waited = Clock::now() - start;
    if (waited >= bound) {  // also under a storm of signals, each one passed on
      return Error(ErrorKind::kGeneric,
                   fmt::format("thread {} of process {} did not stop within {} ms", tid_, pid_,
                               bound.count()));
    }
    if (seen == Event::kResumed) continue;  // a signal went on; the interrupt stop follows
    if (waited < std::chrono::microseconds(200)) {
      ::sched_yield();  // most stops take microseconds: do not sleep past them
      continue;
    }
    if (is_zombie()) {  // a leader whose threads live on never reports its exit
      state_ = State::kExited;
      return exited_error();
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }
}

Result<void> PtraceAttachment::resume() {
  if (state_ != State::kStopped) return {};
  if (group_stop_ && ::ptrace(PTRACE_LISTEN, tid_, nullptr, nullptr) == 0) {
    state_ = State::kListening;
    return {};
  }
  state_ = State::kRunning;
  if (::ptrace(PTRACE_CONT, tid_, nullptr, nullptr) == 0) return {};
  // Killed while stopped: the next wait reports the exit.
  const int e = errno;
  return Error(ErrorKind::kTargetExited,
               fmt::format("PTRACE_CONT thread {} of process {}", tid_, pid_), e);
}

bool PtraceAttachment::service() {
  if (state_ == State::kExited && !reaped_ && may_reap_) {
    (void)wait_once();  // a zombie leader becomes reapable once its threads are reaped
  } else if (state_ == State::kRunning || state_ == State::kListening) {
    // Bounded: a thread that keeps stopping is seen again at the next call.
    for (int i = 0; i < 8; ++i) {
      Event seen = wait_once();
      if (seen == Event::kStopped) (void)resume();
      if (seen == Event::kNone || seen == Event::kExited) break;
    }
  }
  return !gone();
}

Result<void> PtraceAttachment::detach() {
  if (state_ == State::kDetached) return {};
  if (state_ == State::kExited) {
    (void)service();
    return {};
  }
  if (state_ != State::kStopped) {
    auto stopped = interrupt(kDetachBound);
    if (!stopped) return state_ == State::kExited ? Result<void>() : stopped;
  }
  if (::ptrace(PTRACE_DETACH, tid_, nullptr, nullptr) != 0) {
    int e = errno;
    state_ = State::kRunning;
    (void)service();
    if (state_ == State::kExited) return {};
    return Error(ErrorKind::kGeneric,
                 fmt::format("PTRACE_DETACH thread {} of process {}", tid_, pid_), e);
  }
  state_ = State::kDetached;
  return {};
}

}  // namespace cspy::sampling
