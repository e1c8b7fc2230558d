// PtraceAttachment: one thread seized with PTRACE_SEIZE, owned like an fd. interrupt() stops
// it (a bounded wait; a signal that arrives meanwhile is delivered, a group-stop is kept),
// resume() lets it go on, service() answers the stops nobody asked for and reaps it once it
// exited; detach() and the destructor leave it untraced and running (or stopped, when the
// process was stopped by SIGSTOP: as it would be without cspy).
//   auto a = PtraceAttachment::seize(pid, tid); if (a && a->interrupt()) { read...; a->resume(); }
#pragma once

#include <sys/types.h>

#include <chrono>

#include "cspy/core/result.h"

namespace cspy::sampling {

class PtraceAttachment {
 public:
  // How long interrupt() waits for the thread to stop before it gives up.
  static constexpr std::chrono::milliseconds kStopBound{150};
  // detach() waits longer: giving up leaves the thread traced until cspy exits.
  static constexpr std::chrono::milliseconds kDetachBound{1000};

  // Seizes thread `tid` of process `pid` (the PID names the process in errors, and a
  // leader cspy launched itself is left for its launcher to reap). kPermission with the
  // reason, kTargetExited if the thread is gone.
  static Result<PtraceAttachment> seize(pid_t pid, pid_t tid);

  PtraceAttachment(PtraceAttachment&& other) noexcept;
  PtraceAttachment& operator=(PtraceAttachment&& other) noexcept;
  PtraceAttachment(const PtraceAttachment&) = delete;
  PtraceAttachment& operator=(const PtraceAttachment&) = delete;
  ~PtraceAttachment();

  pid_t tid() const { return tid_; }
  // True in a ptrace-stop that interrupt() brought about: registers can be read.
  bool stopped() const { return state_ == State::kStopped; }
  // True once there is nothing left to do: detached, or exited and reaped (or left to
  // cspy's launcher to reap). An exited leader may wait for its threads to be reaped.
  bool gone() const;

  // Stops the thread and waits up to `bound` for it. kTargetExited if it exited first;
  // kGeneric if it did not stop in time (it then stops later and service() resumes it).
  Result<void> interrupt(std::chrono::milliseconds bound = kStopBound);
  // Lets a stopped thread go on (back into its group-stop if the process is stopped).
  Result<void> resume();
  // Without waiting: delivers signals that stopped the thread, keeps group-stops, resumes
  // stray stops, reaps the thread if it exited. Returns false once the thread is gone.
  bool service();
  // Leaves the thread untraced (interrupting it first, as only a stopped tracee can be
  // detached). Idempotent; succeeds when the thread is gone. Fails only if it would not
  // stop: it stays traced until it stops and is resumed by service(), or until cspy exits.
  Result<void> detach();

 private:
  enum class State { kRunning, kListening, kStopped, kExited, kDetached };
  // What one wait found: nothing, a stop it resumed (a signal delivered), a stop to keep, an exit.
  enum class Event { kNone, kResumed, kStopped, kExited };
  PtraceAttachment(pid_t pid, pid_t tid, bool may_reap);

  // One non-blocking wait, and what follows from what it finds.
  Event wait_once();
  Event handle_status(int status);
  bool is_zombie() const;
  Error exited_error() const;

  pid_t pid_ = -1;
  pid_t tid_ = -1;
  State state_ = State::kDetached;
  bool group_stop_ = false;  // the current stop is a group-stop: resume with PTRACE_LISTEN
  bool may_reap_ = true;     // false for a leader whose parent is cspy (its launcher reaps it)
  bool reaped_ = false;
};

}  // namespace cspy::sampling
