// Replay of a raw recording through the Interpreter: one per process it sampled.
#include "cspy/pipeline/replay.h"

#include <algorithm>
#include <map>
#include <memory>

namespace cspy::pipeline {

namespace {

// An Interpreter over one recorded process: its maps, build-ids, JIT names and code objects.
Result<std::unique_ptr<Interpreter>> interpreter_for(
    const sampling::RawRecording::ProcessRecord& record, const std::string& maps, pid_t pid,
    aggregate::Profile& profile, const InterpreterOptions& options) {
  auto interpreter =
      Interpreter::create([maps]() -> Result<std::string> { return maps; },
                          modules::TargetFiles::recorded(record.build_ids, record.perf_map),
                          nullptr, pid, profile, options);
  if (!interpreter) return interpreter;
  std::vector<python::CodeRecord> codes;
  for (const auto& blob : record.blobs) {
    if (!python::decode_codes(blob, codes))
      return Error(ErrorKind::kBadInput, "the recording's Python code objects are corrupt");
  }
  if (!codes.empty()) (*interpreter)->set_recorded_codes(codes);
  return interpreter;
}

}  // namespace

Result<void> replay(const sampling::RawRecording& recording, const std::string& maps,
                    aggregate::Profile& profile, const InterpreterOptions& options,
                    std::vector<std::string>* notices, const MapsEdit& child_maps) {
  auto& info = profile.info();
  info.pid = recording.pid;
  // Several processes (--subprocesses): each stack under its process's root frame.
  info.process_roots = !recording.children.empty() || !recording.process_names.empty();
  for (const auto& [pid, name] : recording.process_names) profile.set_process_name(pid, name);

  auto own = interpreter_for(recording.own, maps, recording.pid, profile, options);
  if (!own) return own.error();
  std::map<pid_t, std::unique_ptr<Interpreter>> interpreters;
  for (const auto& [pid, record] : recording.children) {
    if (record.maps.empty()) continue;  // gone before its maps were read: [unknown]
    auto edited = child_maps ? child_maps(record.maps) : Result<std::string>(record.maps);
    if (!edited) return edited.error();
    auto child = interpreter_for(record, *edited, pid, profile, options);
    if (!child) return child.error();
    interpreters.emplace(pid, std::move(*child));
  }
  // Weights in time (--idle) need the rate before the first sample.
  info.rate_hz = recording.rate_hz;
  info.idle = std::any_of(recording.samples.begin(), recording.samples.end(),
                          [](const auto& s) { return s.sample.idle; });
  info.weights_ns = info.idle && info.rate_hz > 0;
  info.off_cpu_only = options.off_cpu_only;
  for (const auto& s : recording.samples) {
    sampling::RawSample sample = s.sample;
    sample.interp = s.interp_words;
    if (sample.pid == recording.pid || !info.process_roots) {
      (*own)->on_sample(sample);
    } else if (auto it = interpreters.find(sample.pid); it != interpreters.end()) {
      it->second->on_sample(sample);
    } else {
      add_unnamed_sample(profile, sample, options.off_cpu_only);
    }
  }
  for (const auto& [tid, count] : recording.lost) (*own)->on_lost(tid, count);
  for (const auto& [tid, name] : recording.thread_names) {
    if (profile.threads().count(tid) != 0) profile.set_thread_name(tid, name);
  }

  if (notices != nullptr) {
    auto take = [&](Interpreter& i) {
      for (std::string& n : i.take_notices()) notices->push_back(std::move(n));
    };
    take(**own);
    for (auto& [pid, i] : interpreters) take(*i);
  }
  info.start_unix_ns = recording.start_unix_ns;
  if (!recording.samples.empty()) {
    // Off-CPU samples are written as their thread runs again, dated when it stopped.
    auto [first, last] = std::minmax_element(
        recording.samples.begin(), recording.samples.end(),
        [](const auto& a, const auto& b) { return a.sample.time_ns < b.sample.time_ns; });
    info.start_mono_ns = first->sample.time_ns;
    info.duration_s = static_cast<double>(last->sample.time_ns - info.start_mono_ns) / 1e9;
  }
  return {};
}

}  // namespace cspy::pipeline
