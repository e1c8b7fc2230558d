// IdleSampler: off-CPU samples from /proc/PID/task/TID/syscall and the thread's stack.
#include "cspy/sampling/idle_sampler.h"

#include <sstream>

#include <fmt/core.h>

namespace cspy::sampling {

IdleSampler::IdleSampler(const process::Process& target, double rate_hz, std::size_t stack_bytes,
                         CaptureHook* hook)
    : target_(target),
      interval_ns_(static_cast<std::uint64_t>(1e9 / rate_hz)),
      stack_bytes_(stack_bytes),
      hook_(hook) {}

std::size_t IdleSampler::poll(SampleSink& sink, std::uint64_t now_ns) {
  if (next_tick_ns_ == 0) next_tick_ns_ = now_ns;
  std::size_t n = 0;
  // A late caller catches up on at most 100 ms of ticks; older ones are skipped.
  if (now_ns > next_tick_ns_ + 100'000'000ULL) next_tick_ns_ = now_ns - 100'000'000ULL;
  ticks_.clear();
  for (; next_tick_ns_ <= now_ns; next_tick_ns_ += interval_ns_) ticks_.push_back(next_tick_ns_);
  if (ticks_.empty()) return 0;
  // One sweep for all the ticks due: a blocked thread's stack is the same for each of them.
  for (pid_t tid : target_.threads()) {
    if (!sample_thread(tid)) continue;
    for (std::uint64_t tick : ticks_) {
      sample_.time_ns = tick;
      sink.on_sample(sample_);
      ++n;
    }
  }
  return n;
}

bool IdleSampler::sample_thread(pid_t tid) {
  char state = target_.thread_state(tid);
  if (state != 'S' && state != 'D') return false;  // running threads are perf's
  // "nr arg1..arg6 sp pc" while blocked in a syscall; "running" or "-1 sp pc" otherwise.
  auto text = process::read_text_file(fmt::format("/proc/{}/task/{}/syscall", target_.pid(), tid));
  if (!text) return false;
  std::istringstream in(*text);
  long nr = -1;
  if (!(in >> nr) || nr < 0) return false;
  std::uint64_t fields[8];
  for (auto& f : fields) {
    if (!(in >> std::hex >> f)) return false;
  }
  const std::uint64_t sp = fields[6], pc = fields[7];
  sample_ = RawSample{};
  sample_.pid = target_.pid();
  sample_.tid = tid;
  sample_.has_regs = true;
  sample_.idle = true;
  sample_.syscall = static_cast<std::int32_t>(nr);
  sample_.regs.dwarf[kDwarfSp] = sp;
  sample_.regs.dwarf[kDwarfIp] = pc;
  buffer_.resize(stack_bytes_);
  auto n = target_.read_memory(RemoteAddr(sp), buffer_.data(), buffer_.size());
  buffer_.resize(n ? *n : 0);
  sample_.stack = std::span<const std::uint8_t>(buffer_.data(), buffer_.size());
  words_.clear();
  if (hook_ != nullptr) hook_->capture(target_.pid(), tid, words_);
  sample_.interp = std::span<const std::uint64_t>(words_.data(), words_.size());
  return true;
}

}  // namespace cspy::sampling
