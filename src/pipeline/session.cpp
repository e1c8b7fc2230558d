// Session: backend choice, the capture loop, and the recording's description.
#include "cspy/pipeline/session.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include <fmt/core.h>

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
// A process gone is forgotten once samples named are this far past its last one (or past
// when it was found gone, if it had none), or, with none named, this long after it went.
constexpr std::uint64_t kQuietNs = 2'000'000'000ULL;
constexpr std::uint64_t kForgetNs = 10'000'000'000ULL;
// How many times (5 ms apart) a target whose maps name no module is looked at again.
constexpr int kExitLooks = 40;
// Continuous recording: an interval is cut this long after its end, when the samples
// taken before its end have been read from the rings (they are read every few ms).
constexpr std::uint64_t kCutDelayNs = 250'000'000ULL;

// The raw writer's next sink: the Router hands each sample to the writer, then names it.
class Discard final : public sampling::SampleSink {
 public:
  void on_sample(const sampling::RawSample&) override {}
  void on_lost(pid_t, std::uint64_t) override {}
};
Discard discard;

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
    python_ = std::make_unique<PythonHooks>(target_.process(), options_.subprocesses);
  }
  const sampling::SamplerOptions sampler{.rate_hz = options_.rate_hz,
                                         .stack_bytes = options_.stack_bytes,
                                         .idle = options_.idle,
                                         .children = options_.subprocesses,
                                         .process_seen = [this](pid_t pid) { watch(pid); },
                                         .hook = python_.get()};
  if (options_.sampler == SamplerKind::kPerfEvent) {
    source_ = factory_(SamplerKind::kPerfEvent, target_, sampler);
    auto started = source_->start();
    if (!started && started.error().kind() != ErrorKind::kPermission) return started.error();
    if (!started) {
      fallback_reason_ = started.error().message() + "; falling back to the ptrace sampler";
      if (options_.subprocesses) fallback_reason_ += ", which samples the target alone";
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

Result<std::string> Session::maps_of(const process::Process& proc) {
  auto live = proc.maps();
  if (live && !live->empty()) return live;
  std::lock_guard lock(watched_mutex_);
  auto it = watched_.find(proc.pid());
  if (it == watched_.end() || it->second.maps.empty()) return live;
  return it->second.maps;
}

Result<std::pair<std::uint64_t, std::string>> Session::base_maps_of(const process::Process& proc) {
  {
    std::lock_guard lock(watched_mutex_);
    auto it = watched_.find(proc.pid());
    if (it != watched_.end() && !it->second.first_maps.empty()) {
      return std::make_pair(it->second.first_maps_ns, it->second.first_maps);
    }
  }
  const std::uint64_t read_ns = monotonic_ns();
  auto maps = maps_of(proc);
  if (!maps) return maps.error();
  return std::make_pair(read_ns, std::move(*maps));
}

Result<std::string> Session::naming_maps(const Traced& traced) {
  if (traced.interpreter && traced.interpreter->follows_maps()) {
    return traced.interpreter->maps_text();
  }
  return maps_of(process_of(traced));
}

std::string Session::build_id_of(pid_t pid, std::uint64_t start) {
  std::string id = modules::build_id_in_memory(pid, start);
  if (!id.empty()) return id;
  std::lock_guard lock(watched_mutex_);
  auto it = watched_.find(pid);
  return it == watched_.end() ? std::string() : it->second.files->expected_build_id(start);
}

Result<std::unique_ptr<Interpreter>> Session::make_interpreter(
    const process::Process& proc, std::shared_ptr<modules::TargetFiles> files) {
  const pid_t pid = proc.pid();
  if (!files) files = modules::TargetFiles::live(pid);
  // A child gone by now (its samples are named later than taken) is named by the maps
  // watch() read last while it lived.
  auto maps = [this, &proc] { return maps_of(proc); };
  auto interpreter = Interpreter::create(std::move(maps), std::move(files), &proc, pid, profile_,
                                         options_.interpreter);
  if (!interpreter) return interpreter;
  PythonHook* python = python_ ? python_->hook(pid) : nullptr;
  (*interpreter)->set_thread_namer([&proc, python](pid_t tid) {
    return python != nullptr ? python->shown_thread_name(tid) : proc.thread_name(tid);
  });
  (*interpreter)->set_python(python);
  // The kernel reports every mapping and exec from here on: each sample is named with the
  // maps of its time, never with maps read after it was taken (an exec since).
  if (source_ && source_->reports_maps()) {
    auto base = base_maps_of(proc);
    if (base) (*interpreter)->follow_maps(base->first, base->second);
  }
  return interpreter;
}

Result<void> Session::start_interpreter() {
  const process::Process& proc = target_.process();
  auto interpreter = make_interpreter(proc);
  // A program that exits at once leaves no maps to read: nothing to sample, no error. Its
  // maps empty before its exit can be seen, so a failure is looked at again for a while.
  for (int look = 0; !interpreter && look < kExitLooks; ++look) {
    if (!target_.running()) {
      target_exited_ = true;
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    interpreter = make_interpreter(proc);
  }
  if (!interpreter) return interpreter.error();
  processes_[proc.pid()].interpreter = std::move(*interpreter);
  sink_ = &router_;
  if (!options_.raw_output.empty()) {
    auto writer = sampling::RawFileWriter::create(options_.raw_output, proc.pid(), discard);
    if (!writer) return writer.error();
    raw_writer_ = std::move(*writer);
    raw_writer_->write_info(options_.rate_hz, profile_.info().start_unix_ns);
    save_raw_maps(proc.pid(), processes_[proc.pid()]);
  }
  return {};
}

Session::Traced* Session::traced(pid_t pid) {
  auto it = processes_.find(pid);
  if (it != processes_.end()) return &it->second;
  if (!options_.subprocesses) return nullptr;
  Traced& t = processes_[pid];
  std::shared_ptr<modules::TargetFiles> files;
  std::string name;
  {
    std::lock_guard lock(watched_mutex_);
    if (auto w = watched_.find(pid); w != watched_.end()) {
      files = w->second.files;
      name = w->second.name;
    }
  }
  auto opened = process::Process::open(pid);
  if (!opened && !files) {  // gone already, never seen alive: its samples are [unknown]
    log::debug("process {}: {}", pid, opened.error().describe());
    return &t;
  }
  t.process =
      std::make_unique<process::Process>(opened ? *opened : process::Process::unchecked(pid));
  if (std::string now = t.process->thread_name(pid); !now.empty()) name = now;
  profile_.set_process_name(pid, name);
  auto interpreter = make_interpreter(*t.process, std::move(files));
  if (!interpreter) log::debug("process {}: {}", pid, interpreter.error().describe());
  if (interpreter) t.interpreter = std::move(*interpreter);
  if (raw_writer_) save_raw_maps(pid, t);
  return &t;
}

void Session::name_processes() {
  std::lock_guard lock(watched_mutex_);
  for (const auto& [pid, w] : watched_) {
    auto p = profile_.processes().find(pid);
    if (p != profile_.processes().end() && !w.name.empty() && p->second.name != w.name) {
      profile_.set_process_name(pid, w.name);
    }
  }
}

void Session::watch(pid_t pid) {
  std::lock_guard lock(watched_mutex_);
  auto [it, added] = watched_.try_emplace(pid);
  Watched& w = it->second;
  if (added) w.files = modules::TargetFiles::live(pid);
  // Its name after an exec, which the kernel may not have told (an exec before its
  // events were opened).
  if (auto comm = process::read_text_file(fmt::format("/proc/{}/comm", pid))) {
    w.name = comm->substr(0, comm->find('\n'));
  }
  const std::uint64_t read_ns = monotonic_ns();
  auto maps = process::read_text_file(fmt::format("/proc/{}/maps", pid));
  if (!maps || maps->empty() || *maps == w.maps) return;
  w.files->remember_build_ids(modules::parse_maps(*maps));
  if (w.first_maps.empty()) {
    w.first_maps = *maps;
    w.first_maps_ns = read_ns;
  }
  w.maps = std::move(*maps);
}

void Session::Router::on_sample(const sampling::RawSample& sample) {
  Session& s = session_;
  pid_t pid = sample.pid;
  Traced* t = s.traced(pid);
  if (t == nullptr) {  // not followed: the target's
    pid = s.target_.pid();
    t = &s.processes_.at(pid);
  }
  if (s.raw_writer_) {
    // A raw file's sample is named by the maps written before it: the ones it is named
    // with live.
    if (t->interpreter && t->interpreter->follows_maps()) {
      t->interpreter->select_maps(sample.time_ns);
      if (t->interpreter->maps_version() != t->raw_maps_version) s.save_raw_maps(pid, *t);
    }
    s.raw_writer_->on_sample(sample);
  }
  t->last_sample_ns = sample.time_ns;
  s.latest_sample_ns_ = std::max(s.latest_sample_ns_, sample.time_ns);
  if (sample.time_ns < s.interval_start_ns_) ++s.late_samples_;
  if (t->interpreter) {
    t->interpreter->on_sample(sample);
    return;
  }
  // A process gone before its maps could be read: counted, not named.
  add_unnamed_sample(s.profile_, sample, s.options_.interpreter.off_cpu_only);
}

void Session::Router::on_lost(pid_t tid, std::uint64_t count) {
  Session& s = session_;
  if (s.raw_writer_) s.raw_writer_->on_lost(tid, count);
  s.profile_.add_lost(tid, count);
  // Mappings may have been lost with the samples: the maps are read from /proc again.
  if (s.source_->reports_maps()) return;
  for (auto& [pid, t] : s.processes_) {
    if (t.interpreter) t.interpreter->stop_following_maps();
  }
}

void Session::Router::on_mmap(const sampling::MmapEvent& mapping) {
  Traced* t = session_.traced(mapping.pid);
  if (t != nullptr && t->interpreter) t->interpreter->on_mmap(mapping);
}

void Session::Router::on_exec(pid_t pid, std::uint64_t time_ns, const std::string& name) {
  Session& s = session_;
  log::debug("process {} exec {} at {} (now {})", pid, name, time_ns, monotonic_ns());
  Traced* t = s.traced(pid);
  if (t == nullptr) return;
  // The samples after it are of the new program: name them by its maps, and look for a
  // Python interpreter in it afresh.
  if (t->interpreter) t->interpreter->on_exec(pid, time_ns, name);
  // A raw file's samples after this record are named by the maps written here.
  if (s.raw_writer_) s.save_raw_maps(pid, *t);
  if (s.python_) {
    if (PythonHook* hook = s.python_->hook(pid)) hook->exec_seen();
  }
  if (s.profile_.processes().count(pid) != 0) s.profile_.set_process_name(pid, name);
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
  info.process_roots = options_.subprocesses;
  if (options_.subprocesses) profile_.set_process_name(target_.pid(), target_.name());
  start_ns_ = monotonic_ns();
  info.start_mono_ns = start_ns_;
  info.start_unix_ns = realtime_ns();
  if (options_.interval_ns != 0) {
    interval_start_ns_ = start_ns_;
    next_cut_ns_ = boundary_after(start_ns_);
    profile_.hold_from(next_cut_ns_);
  }
  auto interpreter = start_interpreter();
  // An attached CPython is found now, so that a version cspy cannot read is said at once.
  if (interpreter && python_ && !target_.launched()) python_->root().locate_now();
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
    for (auto& [pid, t] : processes_) {
      // Libraries loaded or unloaded since the last look.
      if (t.interpreter) t.interpreter->refresh_modules();
    }
    if (options_.subprocesses) name_processes();
    // A raw file keeps the last maps written: the target may be gone by finish().
    save_all_raw_maps();
    retire_exited();
  }
  while (next_cut_ns_ != UINT64_MAX && now >= next_cut_ns_ + kCutDelayNs) cut(next_cut_ns_);
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
    for (auto& [pid, t] : processes_) {
      if (t.interpreter) t.interpreter->refresh_thread_names();
    }
  }
  // Sampling stops (the target runs on, untraced) before anything slow is written.
  source_->stop();
  if (options_.subprocesses) name_processes();
  if (raw_writer_) {
    // The maps at the end also hold libraries loaded during the run.
    save_all_raw_maps();
    // Names for `report --thread NAME` and for the thread root frames of a replay.
    for (const auto& [tid, thread] : profile_.threads()) {
      if (!thread.name.empty()) raw_writer_->write_thread_name(tid, thread.name);
    }
    if (options_.subprocesses) {
      for (const auto& [pid, process] : profile_.processes()) {
        raw_writer_->write_process_name(pid, process.name);
      }
    }
    for (auto& [pid, t] : processes_) save_raw_names(pid, t);
    if (auto closed = raw_writer_->close(); !closed) raw_file_error_ = closed.error();
  }
  auto& info = profile_.info();
  info.duration_s = static_cast<double>(end_ns_ - start_ns_) / 1e9;
  info.target_exited = target_exited_;
  if (options_.interval_ns != 0 && start_ns_ != 0) {
    // Every sample was taken before end_ns_: the intervals that ended by then, and the
    // last, partial one.
    while (next_cut_ns_ <= end_ns_) cut(next_cut_ns_);
    next_cut_ns_ = UINT64_MAX;
    cut(end_ns_);
  }
}

std::uint64_t Session::boundary_after(std::uint64_t cut) const {
  const std::uint64_t next = cut + options_.interval_ns;
  const auto limit_ns = static_cast<std::uint64_t>(options_.duration_s * 1e9);
  if (options_.duration_s > 0 && next - start_ns_ >= limit_ns) return UINT64_MAX;
  return next;
}

void Session::cut(std::uint64_t end_ns) {
  const std::uint64_t next = end_ns == next_cut_ns_ ? boundary_after(end_ns) : UINT64_MAX;
  const std::uint64_t began = monotonic_ns();
  aggregate::Profile interval = profile_.split_off(next);
  max_cut_ns_ = std::max(max_cut_ns_, monotonic_ns() - began);
  aggregate::RecordingInfo& info = interval.info();
  // CLOCK_MONOTONIC to wall-clock time by the offset measured at start(): the intervals'
  // wall-clock times abut as exactly as their sample times.
  info.start_mono_ns = interval_start_ns_;
  info.start_unix_ns = profile_.info().start_unix_ns + (interval_start_ns_ - start_ns_);
  info.duration_s = static_cast<double>(end_ns - interval_start_ns_) / 1e9;
  info.target_exited = target_exited_ && next == UINT64_MAX;
  intervals_.push_back(std::move(interval));
  interval_start_ns_ = end_ns;
  next_cut_ns_ = next;
}

std::optional<aggregate::Profile> Session::take_interval() {
  if (intervals_.empty()) return std::nullopt;
  aggregate::Profile interval = std::move(intervals_.front());
  intervals_.pop_front();
  return interval;
}

void Session::select_raw_process(pid_t pid) { raw_writer_->select_process(pid); }

void Session::save_raw_maps(pid_t pid, Traced& traced) {
  if (!raw_writer_) return;
  auto maps = naming_maps(traced);
  if (traced.interpreter && traced.interpreter->follows_maps()) {
    traced.raw_maps_version = traced.interpreter->maps_version();
  }
  if (!maps || maps->empty() || *maps == traced.raw_maps) return;
  select_raw_process(pid);
  raw_writer_->write_maps(*maps);
  // With the build-id of each module, so that a replay can tell its files are the same.
  for (const modules::Mapping& m : modules::parse_maps(*maps)) {
    if (m.offset != 0 || !m.path.starts_with("/")) continue;
    std::string id = build_id_of(pid, m.start);
    if (id.empty() || traced.raw_build_ids[m.start] == id) continue;
    raw_writer_->write_build_id(m.start, id);
    traced.raw_build_ids[m.start] = std::move(id);
  }
  traced.raw_maps = std::move(*maps);
}

void Session::save_all_raw_maps() {
  for (auto& [pid, t] : processes_) {
    if (t.interpreter) save_raw_maps(pid, t);
  }
}

void Session::retire_exited() {
  // Samples are named later than taken, in the order taken: a process is done with when
  // the samples named reach kQuietNs past its last one (its samples still queued are older).
  const std::uint64_t now = monotonic_ns();
  for (auto& [pid, t] : processes_) {
    if (!t.process || !t.interpreter || t.process->alive()) continue;
    if (t.gone_ns == 0) t.gone_ns = now;
    // One never sampled (an exec told, then a quick exit) waits as long after it was found
    // gone; should samples lag more than kForgetNs, a late one of it is named [unknown].
    const bool quiet = t.last_sample_ns != 0 ? latest_sample_ns_ > t.last_sample_ns + kQuietNs
                                             : latest_sample_ns_ > t.gone_ns + kQuietNs ||
                                                   now > t.gone_ns + kForgetNs;
    if (!quiet) continue;
    save_raw_names(pid, t);  // what a recording keeps of it is written before it goes
    for (std::string& n : t.interpreter->take_notices()) retired_notices_.push_back(std::move(n));
    t.interpreter.reset();
    t.process.reset();
    std::lock_guard lock(watched_mutex_);
    watched_.erase(pid);
  }
  forget_unsampled_children(now);
}

void Session::forget_unsampled_children(std::uint64_t now) {
  // Children watched but never sampled (a `true` that a shell ran for a millisecond) are
  // forgotten once gone and no sample of theirs can still be queued: before, a shell that
  // forks without pause cost cspy ~20 descriptors (each child's root and files) a second.
  std::lock_guard lock(watched_mutex_);
  for (auto it = watched_.begin(); it != watched_.end();) {
    const pid_t pid = it->first;
    Watched& w = it->second;
    const bool unsampled = pid != target_.pid() && processes_.count(pid) == 0;
    if (unsampled && w.gone_ns == 0 && ::kill(pid, 0) != 0 && errno == ESRCH) w.gone_ns = now;
    const bool quiet = w.gone_ns != 0 && w.gone_ns != now &&
                       (latest_sample_ns_ > w.gone_ns + kQuietNs || now > w.gone_ns + kForgetNs);
    it = unsampled && quiet ? watched_.erase(it) : std::next(it);
  }
}

void Session::save_raw_names(pid_t pid, Traced& traced) {
  if (!raw_writer_ || !traced.interpreter) return;
  const std::string& jit = traced.interpreter->perf_map_text();
  auto codes = traced.interpreter->python_codes();
  if (jit.empty() && codes.empty()) return;
  select_raw_process(pid);
  if (!jit.empty()) raw_writer_->write_perf_map(jit);
  if (!codes.empty()) raw_writer_->write_blob(python::encode_codes(codes));
}

std::vector<std::string> Session::take_notices() {
  std::vector<std::string> all = std::move(retired_notices_);
  retired_notices_.clear();
  for (auto& [pid, t] : processes_) {
    if (!t.interpreter) continue;
    for (std::string& n : t.interpreter->take_notices()) all.push_back(std::move(n));
  }
  return all;
}

double Session::elapsed_s() const {
  const std::uint64_t end = end_ns_ != 0 ? end_ns_ : monotonic_ns();
  return start_ns_ == 0 ? 0 : static_cast<double>(end - start_ns_) / 1e9;
}

}  // namespace cspy::pipeline
