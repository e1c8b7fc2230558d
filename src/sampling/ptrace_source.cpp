// The ptrace backend: seize, interrupt, read registers and stack, resume.
#include "cspy/core/clock.h"
#include "cspy/sampling/ptrace_source.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <cerrno>
#include <map>
#include <set>
#include <thread>

#include <fmt/core.h>

#include "cspy/process/permissions.h"

namespace cspy::sampling {

namespace {

UserRegs to_dwarf(const user_regs_struct& r) {
  UserRegs u;
  u.dwarf = {r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9,
             r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip};
  return u;
}

Result<void> seize(pid_t pid, pid_t tid) {
  if (::ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) == 0) return {};
  int e = errno;
  if (e == EPERM) return Error(ErrorKind::kPermission, process::explain_ptrace_refusal(pid));
  if (e == ESRCH) return Error(ErrorKind::kTargetExited, fmt::format("thread {} exited", tid));
  return Error(ErrorKind::kGeneric, fmt::format("PTRACE_SEIZE thread {}", tid), e);
}

// Interrupts a seized thread and waits for its stop, passing on any signal that arrives
// first. Returns false if the thread exited.
bool interrupt_and_wait(pid_t tid) {
  if (::ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) != 0) return false;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(tid, &status, __WALL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) return false;
    if (!WIFSTOPPED(status)) continue;
    if ((status >> 16) == PTRACE_EVENT_STOP) return true;
    // A signal-delivery stop: deliver the signal, the interrupt stop follows.
    ::ptrace(PTRACE_CONT, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(WSTOPSIG(status))));
  }
}

// Reads registers and stack of a thread in a ptrace stop.
bool read_stopped(const process::Process& target, pid_t tid, std::size_t stack_bytes,
                  RawSample& sample, std::vector<std::uint8_t>& buffer) {
  user_regs_struct regs{};
  if (::ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) return false;
  sample.pid = target.pid();
  sample.tid = tid;
  sample.time_ns = monotonic_ns();
  sample.has_regs = true;
  sample.regs = to_dwarf(regs);
  buffer.resize(stack_bytes);
  auto n = target.read_memory(RemoteAddr(sample.regs.sp()), buffer.data(), buffer.size());
  buffer.resize(n ? *n : 0);
  sample.stack = std::span<const std::uint8_t>(buffer.data(), buffer.size());
  return true;
}

class PtraceSource final : public SampleSource {
 public:
  PtraceSource(const process::Process& target, const SamplerOptions& options)
      : target_(target), options_(options) {}
  ~PtraceSource() override { stop(); }

  Result<void> start() override {
    auto first = seize(target_.pid(), target_.pid());
    if (!first) return first;
    attached_.insert(target_.pid());
    seen_.insert(target_.pid());
    scan_threads();
    next_tick_ns_ = monotonic_ns();
    return {};
  }

  Result<std::size_t> poll(SampleSink& sink, int timeout_ms) override {
    std::uint64_t deadline = monotonic_ns() + static_cast<std::uint64_t>(timeout_ms) * 1000000ULL;
    std::uint64_t interval = static_cast<std::uint64_t>(1e9 / options_.rate_hz);
    std::size_t delivered = 0;
    while (true) {
      std::uint64_t now = monotonic_ns();
      if (now < next_tick_ns_) {
        if (next_tick_ns_ > deadline) break;
        std::this_thread::sleep_for(std::chrono::nanoseconds(next_tick_ns_ - now));
      }
      delivered += sample_all(sink);
      next_tick_ns_ += interval;
      // Falling behind (a slow machine): skip ticks rather than burst.
      if (monotonic_ns() > next_tick_ns_ + interval) next_tick_ns_ = monotonic_ns() + interval;
      if (monotonic_ns() >= deadline) break;
    }
    if (monotonic_ns() - last_scan_ns_ > 50'000'000ULL) scan_threads();
    return delivered;
  }

  void stop() override {
    for (pid_t tid : attached_) ::ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
    attached_.clear();
  }
  std::size_t threads_seen() const override { return seen_.size(); }
  const char* name() const override { return "ptrace"; }

 private:
  void scan_threads() {
    last_scan_ns_ = monotonic_ns();
    for (pid_t tid : target_.threads()) {
      if (seen_.insert(tid).second && seize(target_.pid(), tid)) attached_.insert(tid);
    }
  }

  std::size_t sample_all(SampleSink& sink) {
    std::size_t n = 0;
    std::vector<pid_t> gone;
    for (pid_t tid : attached_) {
      // Only threads on a CPU, as perf's task-clock does, unless idle ones are wanted.
      char state = target_.thread_state(tid);
      if (state == '?' || state == 'Z' || state == 'X') {
        gone.push_back(tid);
        continue;
      }
      if (!options_.idle && state != 'R') continue;
      if (!interrupt_and_wait(tid)) {
        gone.push_back(tid);
        continue;
      }
      bool ok = read_stopped(target_, tid, options_.stack_bytes, sample_, buffer_);
      sample_.idle = state != 'R';
      ::ptrace(PTRACE_CONT, tid, nullptr, nullptr);
      if (ok) {
        sink.on_sample(sample_);
        ++n;
      }
    }
    for (pid_t tid : gone) {
      ::ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
      attached_.erase(tid);
    }
    return n;
  }

  const process::Process& target_;
  SamplerOptions options_;
  std::set<pid_t> attached_;
  std::set<pid_t> seen_;
  std::uint64_t next_tick_ns_ = 0;
  std::uint64_t last_scan_ns_ = 0;
  RawSample sample_;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace

std::unique_ptr<SampleSource> make_ptrace_source(const process::Process& target,
                                                 const SamplerOptions& options) {
  return std::make_unique<PtraceSource>(target, options);
}

Result<ThreadSnapshot> snapshot_thread(const process::Process& target, pid_t tid,
                                       std::size_t stack_bytes) {
  ThreadSnapshot snap;
  snap.state = target.thread_state(tid);
  auto seized = seize(target.pid(), tid);
  if (!seized) return seized.error();
  bool stopped = interrupt_and_wait(tid);
  bool ok = stopped && read_stopped(target, tid, stack_bytes, snap.sample, snap.stack_bytes);
  ::ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
  if (!ok) return Error(ErrorKind::kTargetExited, fmt::format("thread {} exited", tid));
  snap.sample.stack = std::span<const std::uint8_t>(snap.stack_bytes.data(), snap.stack_bytes.size());
  return snap;
}

}  // namespace cspy::sampling
