// The ptrace backend: seize, interrupt, read registers and stack, resume.
#include "cspy/sampling/ptrace_source.h"
#include "cspy/core/clock.h"

#include <sys/ptrace.h>
#include <sys/user.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <thread>

#include <fmt/core.h>

#include "cspy/core/log.h"
#include "cspy/sampling/ptrace_attachment.h"

namespace cspy::sampling {

namespace {

UserRegs to_dwarf(const user_regs_struct& r) {
  UserRegs u;
  u.dwarf = {r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8,
             r.r9,  r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip};
  return u;
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
  static constexpr std::uint64_t kServiceNs = 5'000'000;

  PtraceSource(const process::Process& target, const SamplerOptions& options)
      : target_(target), options_(options) {}
  ~PtraceSource() override { stop(); }

  Result<void> start() override {
    auto first = PtraceAttachment::seize(target_.pid(), target_.pid());
    if (!first) return first.error();
    attached_.emplace(target_.pid(), std::move(*first));
    seen_.insert(target_.pid());
    scan_threads();
    next_tick_ns_ = monotonic_ns();
    return {};
  }

  // Samples at each tick due before the deadline; between ticks, answers the threads' stops
  // at least every kServiceNs, so that a signal reaches the target without waiting a tick.
  Result<std::size_t> poll(SampleSink& sink, int timeout_ms) override {
    const std::uint64_t deadline =
        monotonic_ns() + static_cast<std::uint64_t>(timeout_ms) * 1000000ULL;
    const std::uint64_t interval = static_cast<std::uint64_t>(1e9 / options_.rate_hz);
    std::size_t delivered = 0;
    while (true) {
      if (monotonic_ns() >= next_tick_ns_) {
        delivered += tick(&sink);
        next_tick_ns_ += interval;
        // Falling behind (a slow machine): skip ticks rather than burst.
        if (monotonic_ns() > next_tick_ns_ + interval) next_tick_ns_ = monotonic_ns() + interval;
      } else {
        tick(nullptr);
      }
      const std::uint64_t now = monotonic_ns();
      if (now >= deadline) break;
      const std::uint64_t wake = std::min({next_tick_ns_, deadline, now + kServiceNs});
      if (wake > now) std::this_thread::sleep_for(std::chrono::nanoseconds(wake - now));
    }
    if (monotonic_ns() - last_scan_ns_ > 50'000'000ULL) scan_threads();
    return delivered;
  }

  // Detaches every thread; the leader last, as it can be reaped only after its threads.
  void stop() override {
    auto leader = attached_.extract(target_.pid());
    for (auto& [tid, attachment] : attached_) detach(attachment);
    attached_.clear();
    if (!leader.empty()) detach(leader.mapped());
  }
  std::size_t threads_seen() const override { return seen_.size(); }
  const char* name() const override { return "ptrace"; }

 private:
  void scan_threads() {
    last_scan_ns_ = monotonic_ns();
    for (pid_t tid : target_.threads()) {
      if (!seen_.insert(tid).second) continue;
      if (auto seized = PtraceAttachment::seize(target_.pid(), tid))
        attached_.emplace(tid, std::move(*seized));
    }
  }

  static void detach(PtraceAttachment& attachment) {
    if (auto detached = attachment.detach(); !detached)
      log::warn("{}", detached.error().describe());
  }

  // Answers every thread's pending stops (signals delivered, exits reaped, the threads
  // forgotten) and, given a sink, samples the threads on a CPU (all of them with `idle`),
  // as perf's task-clock does. Returns the number of samples delivered.
  std::size_t tick(SampleSink* sink) {
    std::size_t n = 0;
    for (auto it = attached_.begin(); it != attached_.end();) {
      PtraceAttachment& attachment = it->second;
      if (!attachment.service()) {
        cpu_sampled_.erase(it->first);
        it = attached_.erase(it);
        continue;
      }
      const char state = sink != nullptr ? target_.thread_state(it->first) : '?';
      const bool wanted =
          (state == 'R' && cpu_time_due(it->first)) ||
          (options_.idle && state != 'R' && state != 'Z' && state != 'X' && state != '?');
      if (wanted && sample_one(attachment, state)) {
        sink->on_sample(sample_);
        ++n;
      }
      ++it;
    }
    return n;
  }

  // Whether a runnable thread has used a sampling interval of CPU time since the CPU time
  // its samples stand for, as perf's task-clock counts it: a thread runnable but waiting
  // for a CPU (a loaded machine) is not sampled as if it ran, which would favour the code
  // it happened to wait in. With --idle (wall-clock time) or where the kernel keeps no CPU
  // time, at every tick.
  bool cpu_time_due(pid_t tid) {
    if (options_.idle) return true;
    const std::uint64_t cpu = target_.thread_cpu_ns(tid);
    if (cpu == 0) return true;
    const auto interval = static_cast<std::uint64_t>(1e9 / options_.rate_hz);
    // The scheduler updates the figure every few ms: up to this much is carried over, so
    // that coarse updates still give one sample per interval on average.
    const std::uint64_t carry = std::max<std::uint64_t>(4 * interval, 20'000'000);
    auto [it, added] = cpu_sampled_.try_emplace(tid, cpu - std::min(cpu, interval));
    std::uint64_t& accounted = it->second;
    if (cpu < accounted + interval) return false;
    accounted = std::max(accounted + interval, cpu > carry ? cpu - carry : 0);
    return true;
  }

  bool sample_one(PtraceAttachment& attachment, char state) {
    if (!attachment.interrupt()) return false;  // exited, or did not stop in time
    bool ok = read_stopped(target_, attachment.tid(), options_.stack_bytes, sample_, buffer_);
    sample_.idle = state != 'R';
    words_.clear();
    if (ok && options_.hook != nullptr)
      options_.hook->capture(target_.pid(), attachment.tid(), words_);
    sample_.interp = std::span<const std::uint64_t>(words_.data(), words_.size());
    (void)attachment.resume();
    return ok;
  }

  const process::Process& target_;
  SamplerOptions options_;
  std::map<pid_t, PtraceAttachment> attached_;
  std::set<pid_t> seen_;
  std::map<pid_t, std::uint64_t> cpu_sampled_;  // CPU time each thread's samples stand for
  std::uint64_t next_tick_ns_ = 0;
  std::uint64_t last_scan_ns_ = 0;
  RawSample sample_;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint64_t> words_;  // the hook's, read while the thread is stopped
};

}  // namespace

std::unique_ptr<SampleSource> make_ptrace_source(const process::Process& target,
                                                 const SamplerOptions& options) {
  return std::make_unique<PtraceSource>(target, options);
}

Result<ThreadSnapshot> snapshot_thread(const process::Process& target, pid_t tid,
                                       std::size_t stack_bytes, CaptureHook* hook) {
  ThreadSnapshot snap;
  snap.state = target.thread_state(tid);
  auto seized = PtraceAttachment::seize(target.pid(), tid);
  if (!seized) return seized.error();
  if (auto stopped = seized->interrupt(); !stopped) return stopped.error();
  bool ok = read_stopped(target, tid, stack_bytes, snap.sample, snap.stack_bytes);
  if (ok && hook != nullptr) hook->capture(target.pid(), tid, snap.interp_words);
  if (auto detached = seized->detach(); !detached) return detached.error();
  if (!ok) return Error(ErrorKind::kTargetExited, fmt::format("thread {} exited", tid));
  snap.sample.stack =
      std::span<const std::uint8_t>(snap.stack_bytes.data(), snap.stack_bytes.size());
  snap.sample.interp =
      std::span<const std::uint64_t>(snap.interp_words.data(), snap.interp_words.size());
  return snap;
}

}  // namespace cspy::sampling
