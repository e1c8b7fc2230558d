// SamplingSession: backend choice, the capture loop and the run's summary.
#include "cspy/cli/sampling_session.h"


#include <cstdio>

#include <fmt/core.h>

#include "cspy/cli/stop_signals.h"
#include "cspy/core/clock.h"
#include "cspy/core/log.h"
#include "cspy/sampling/perf_event_source.h"
#include "cspy/sampling/ptrace_source.h"

namespace cspy::cli {

Result<void> SamplingSession::start() {
  sampling::SamplerOptions sampler{.rate_hz = options_.rate_hz, .stack_bytes = options_.stack_bytes,
                                   .idle = options_.idle};
  if (options_.sampler == "perf_event") {
    source_ = sampling::make_perf_event_source(
        target_.process(), sampling::PerfEventOptions{.sampler = sampler, .enable_on_exec = target_.launched()});
    auto started = source_->start();
    if (!started && started.error().kind() == ErrorKind::kPermission) {
      std::fprintf(stderr, "cspy: notice: %s; falling back to the ptrace sampler\n",
                   started.error().message().c_str());
      options_.sampler = "ptrace";
    } else if (!started) {
      return started.error();
    }
  }
  if (options_.sampler == "ptrace") {
    source_ = sampling::make_ptrace_source(target_.process(), sampler);
  } else if (options_.sampler != "perf_event") {
    return Error(ErrorKind::kUsage, "unknown sampler '" + options_.sampler + "'; use perf_event or ptrace");
  }
  auto released = target_.release();
  if (!released) return released.error();
  if (options_.sampler == "ptrace") {
    auto started = source_->start();
    if (!started) return started.error();
  }

  auto& info = profile_.info();
  info.command = target_.command_line();
  info.pid = target_.pid();
  info.rate_hz = options_.rate_hz;
  info.sampler = source_->name();
  start_ns_ = monotonic_ns();
  info.start_mono_ns = start_ns_;
  info.start_unix_ns = realtime_ns();

  const process::Process& proc = target_.process();
  auto collector = Collector::create([&proc] { return proc.maps(); }, &proc, proc.pid(), profile_,
                                     options_.collector);
  if (!collector) {
    // A program that exited at once leaves no maps to read: nothing to sample, no error.
    if (!target_.running()) {
      target_exited_ = true;
      return {};
    }
    return collector.error();
  }
  collector_ = std::move(*collector);
  collector_->set_thread_namer([&proc](pid_t tid) { return proc.thread_name(tid); });
  sink_ = collector_.get();
  if (!options_.raw_output.empty()) {
    auto writer = sampling::RawFileWriter::create(options_.raw_output, proc.pid(), *collector_);
    if (!writer) return writer.error();
    raw_writer_ = std::move(*writer);
    if (auto maps = proc.maps()) raw_writer_->write_maps(*maps);
    sink_ = raw_writer_.get();
  }

  return {};
}

Result<bool> SamplingSession::step(int timeout_ms) {
  if (!collector_) return false;  // the target was gone before sampling began
  auto polled = source_->poll(*sink_, timeout_ms);
  if (!polled) return polled.error();
  std::uint64_t now = monotonic_ns();
  if (*polled > 0 && profile_.counters().samples == *polled) log::debug("first samples processed at CLOCK_MONOTONIC {} ns", now);
  if (now - last_modules_ns_ > 250'000'000ULL) {
    last_modules_ns_ = now;
    collector_->refresh_modules();  // libraries loaded or unloaded since the last look
  }
  if (options_.status_line && now - last_status_ns_ > 250'000'000ULL) {
    last_status_ns_ = now;
    print_status(false);
  }
  if (!target_.running()) {
    target_exited_ = true;
    return false;
  }
  if (stop_requested()) return false;
  if (options_.duration_s > 0 && static_cast<double>(now - start_ns_) / 1e9 >= options_.duration_s) {
    return false;
  }
  return true;
}

void SamplingSession::finish() {
  if (finished_ || !source_) return;
  finished_ = true;
  end_ns_ = monotonic_ns();
  // Samples written before the target exited are still in the buffers.
  if (sink_ != nullptr) {
    (void)source_->poll(*sink_, 0);
    collector_->refresh_thread_names();
  }
  if (raw_writer_) {
    // The maps at the end also hold libraries loaded during the run.
    if (auto maps = target_.process().maps()) raw_writer_->write_maps(*maps);
    if (auto closed = raw_writer_->close(); !closed) log::warn("{}", closed.error().describe());
  }
  source_->stop();
  if (options_.status_line) print_status(true);
  auto& info = profile_.info();
  info.duration_s = static_cast<double>(end_ns_ - start_ns_) / 1e9;
  info.target_exited = target_exited_;
}

Result<void> SamplingSession::run() {
  auto started = start();
  if (!started) return started;
  while (true) {
    auto more = step(50);
    if (!more) {
      finish();
      return more.error();
    }
    if (!*more) break;
  }
  finish();
  return {};
}

double SamplingSession::elapsed_s() const {
  std::uint64_t end = end_ns_ != 0 ? end_ns_ : monotonic_ns();
  return start_ns_ == 0 ? 0 : static_cast<double>(end - start_ns_) / 1e9;
}

void SamplingSession::print_status(bool final_line) {
  const auto& c = profile_.counters();
  double t = elapsed_s();
  std::fprintf(stderr, "\r\033[Kcspy: %.1fs  %llu samples (%.0f/s)  %llu lost  %llu errors%s",
               t, static_cast<unsigned long long>(c.samples),
               t > 0 ? static_cast<double>(c.samples) / t : 0.0,
               static_cast<unsigned long long>(c.lost),
               static_cast<unsigned long long>(c.unwind_failures), final_line ? "\n" : "");
  std::fflush(stderr);
}

std::string SamplingSession::summary() const {
  const auto& c = profile_.counters();
  double t = elapsed_s();
  double fail_pct = c.samples == 0 ? 0.0 : 100.0 * static_cast<double>(c.unwind_failures) / static_cast<double>(c.samples);
  std::string s = fmt::format(
      "cspy: {} samples in {:.2f} s ({:.1f}/s), {} lost, {:.1f}% unwind failures, {} truncated, "
      "{} threads, sampler {}",
      c.samples, t, t > 0 ? static_cast<double>(c.samples) / t : 0.0, c.lost, fail_pct, c.truncated,
      threads_seen(), source_ ? source_->name() : "none");
  if (source_ && source_->threads_unsampled() > 0) {
    s += fmt::format("\ncspy: warning: {} threads could not be sampled: {}", source_->threads_unsampled(),
                     source_->unsampled_reason());
  }
  if (target_exited_) s += "\ncspy: the target exited during the recording";
  return s;
}

}  // namespace cspy::cli
