// Session: backend choice, the capture loop, and the recording's description.
#include "cspy/pipeline/session.h"

#include <chrono>
#include <thread>

#include "cspy/core/clock.h"
#include "cspy/core/log.h"
#include "cspy/modules/elf_file.h"
#include "cspy/sampling/perf_event_source.h"
#include "cspy/sampling/ptrace_source.h"

namespace cspy::pipeline {

namespace {

std::unique_ptr<sampling::SampleSource> make_source(SamplerKind kind, const process::Target& target,
                                                    const sampling::SamplerOptions& options) {
  if (kind == SamplerKind::kPtrace) return sampling::make_ptrace_source(target.process(), options);
  return sampling::make_perf_event_source(
      target.process(),
      sampling::PerfEventOptions{.sampler = options, .enable_on_exec = target.launched()});
}

constexpr std::uint64_t kModulesRefreshNs = 250'000'000ULL;
// How many times (5 ms apart) a target whose maps name no module is looked at again.
constexpr int kExitLooks = 40;

}  // namespace

Session::Session(process::Target& target, aggregate::Profile& profile, SessionOptions options,
                 SourceFactory factory)
    : target_(target),
      profile_(profile),
      options_(std::move(options)),
      factory_(factory ? std::move(factory) : SourceFactory(make_source)) {}

// perf_event is started before a launched command execs (enable_on_exec); ptrace after,
// since a seized, held child would be traced through its exec.
Result<void> Session::start_source() {
  if (options_.interpreter.python != PythonView::kNative) {
    python_ = std::make_unique<PythonHook>(target_.process());
  }
  const sampling::SamplerOptions sampler{.rate_hz = options_.rate_hz,
                                         .stack_bytes = options_.stack_bytes,
                                         .idle = options_.idle,
                                         .hook = python_.get()};
  if (options_.sampler == SamplerKind::kPerfEvent) {
    source_ = factory_(SamplerKind::kPerfEvent, target_, sampler);
    auto started = source_->start();
    if (!started && started.error().kind() != ErrorKind::kPermission) return started.error();
    if (!started) {
      fallback_reason_ = started.error().message() + "; falling back to the ptrace sampler";
      options_.sampler = SamplerKind::kPtrace;
    }
    if (started) fallback_reason_ = source_->notice();
  }
  if (options_.sampler == SamplerKind::kPtrace) {
    source_ = factory_(SamplerKind::kPtrace, target_, sampler);
  }
  auto released = target_.release();
  if (!released) return released.error();
  if (options_.sampler == SamplerKind::kPtrace) {
    auto started = source_->start();
    if (!started) return started.error();
  }
  return {};
}

Result<void> Session::start_interpreter() {
  const process::Process& proc = target_.process();
  auto create = [&] {
    return Interpreter::create([&proc] { return proc.maps(); },
                               modules::TargetFiles::live(proc.pid()), &proc, proc.pid(), profile_,
                               options_.interpreter);
  };
  auto interpreter = create();
  // A program that exits at once leaves no maps to read: nothing to sample, no error. Its
  // maps empty before its exit can be seen, so a failure is looked at again for a while.
  for (int look = 0; !interpreter && look < kExitLooks; ++look) {
    if (!target_.running()) {
      target_exited_ = true;
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    interpreter = create();
  }
  if (!interpreter) return interpreter.error();
  interpreter_ = std::move(*interpreter);
  interpreter_->set_thread_namer([&proc, python = python_.get()](pid_t tid) {
    return python != nullptr ? python->shown_thread_name(tid) : proc.thread_name(tid);
  });
  interpreter_->set_python(python_.get());
  sink_ = interpreter_.get();
  if (!options_.raw_output.empty()) {
    auto writer = sampling::RawFileWriter::create(options_.raw_output, proc.pid(), *interpreter_);
    if (!writer) return writer.error();
    raw_writer_ = std::move(*writer);
    raw_writer_->write_info(options_.rate_hz, profile_.info().start_unix_ns);
    save_raw_maps();
    sink_ = raw_writer_.get();
  }
  return {};
}

Result<void> Session::start() {
  auto source = start_source();
  if (!source) return source;
  auto& info = profile_.info();
  info.command = target_.command_line();
  info.pid = target_.pid();
  info.rate_hz = options_.rate_hz;
  info.idle = options_.idle;
  info.weights_ns = options_.idle;
  info.off_cpu_only = options_.interpreter.off_cpu_only;
  info.sampler = source_->name();
  start_ns_ = monotonic_ns();
  info.start_mono_ns = start_ns_;
  info.start_unix_ns = realtime_ns();
  auto interpreter = start_interpreter();
  // An attached CPython is found now, so that a version cspy cannot read is said at once.
  if (interpreter && python_ && !target_.launched()) python_->locate_now();
  return interpreter;
}

Result<bool> Session::step(int timeout_ms) {
  if (sink_ == nullptr) return false;  // the target was gone before sampling began
  auto polled = source_->poll(*sink_, timeout_ms);
  if (!polled) return polled.error();
  const std::uint64_t now = monotonic_ns();
  if (*polled > 0 && profile_.counters().samples == *polled) {
    log::debug("first samples processed at CLOCK_MONOTONIC {} ns", now);
  }
  if (now - last_modules_ns_ > kModulesRefreshNs) {
    last_modules_ns_ = now;
    interpreter_->refresh_modules();  // libraries loaded or unloaded since the last look
    // A raw file keeps the last maps written: the target may be gone by finish().
    save_raw_maps();
  }
  if (!target_.running()) {
    target_exited_ = true;
    return false;
  }
  if (options_.stop_requested && options_.stop_requested()) return false;
  const double elapsed = static_cast<double>(now - start_ns_) / 1e9;
  return !(options_.duration_s > 0 && elapsed >= options_.duration_s);
}

void Session::finish() {
  if (finished_ || !source_) return;
  finished_ = true;
  end_ns_ = monotonic_ns();
  // Samples written before the target exited are still in the buffers.
  if (sink_ != nullptr) {
    (void)source_->poll(*sink_, 0);
    interpreter_->refresh_thread_names();
  }
  // Sampling stops (the target runs on, untraced) before anything slow is written.
  source_->stop();
  if (raw_writer_) {
    // The maps at the end also hold libraries loaded during the run.
    save_raw_maps();
    // Names for `report --thread NAME` and for the thread root frames of a replay.
    for (const auto& [tid, thread] : profile_.threads()) {
      if (!thread.name.empty()) raw_writer_->write_thread_name(tid, thread.name);
    }
    if (const std::string& jit = interpreter_->perf_map_text(); !jit.empty()) {
      raw_writer_->write_perf_map(jit);
    }
    if (auto codes = interpreter_->python_codes(); !codes.empty()) {
      raw_writer_->write_blob(python::encode_codes(codes));
    }
    if (auto closed = raw_writer_->close(); !closed) log::warn("{}", closed.error().describe());
  }
  auto& info = profile_.info();
  info.duration_s = static_cast<double>(end_ns_ - start_ns_) / 1e9;
  info.target_exited = target_exited_;
}

void Session::save_raw_maps() {
  if (!raw_writer_) return;
  auto maps = target_.process().maps();
  if (!maps || maps->empty() || *maps == raw_maps_) return;
  raw_writer_->write_maps(*maps);
  // With the build-id of each module, so that a replay can tell its files are the same.
  for (const modules::Mapping& m : modules::parse_maps(*maps)) {
    if (m.offset != 0 || !m.path.starts_with("/")) continue;
    std::string id = modules::build_id_in_memory(target_.process().pid(), m.start);
    if (id.empty() || raw_build_ids_[m.start] == id) continue;
    raw_writer_->write_build_id(m.start, id);
    raw_build_ids_[m.start] = std::move(id);
  }
  raw_maps_ = std::move(*maps);
}

double Session::elapsed_s() const {
  const std::uint64_t end = end_ns_ != 0 ? end_ns_ : monotonic_ns();
  return start_ns_ == 0 ? 0 : static_cast<double>(end - start_ns_) / 1e9;
}

}  // namespace cspy::pipeline
