// Replay of a raw recording through the Interpreter.
#include "cspy/pipeline/replay.h"

#include <algorithm>

namespace cspy::pipeline {

Result<void> replay(const sampling::RawRecording& recording, const std::string& maps,
                    aggregate::Profile& profile, const InterpreterOptions& options,
                    std::vector<std::string>* notices) {
  auto interpreter =
      Interpreter::create([&maps]() -> Result<std::string> { return maps; },
                          modules::TargetFiles::recorded(recording.build_ids, recording.perf_map),
                          nullptr, recording.pid, profile, options);
  if (!interpreter) return interpreter.error();
  std::vector<python::CodeRecord> codes;
  for (const auto& blob : recording.blobs) {
    if (!python::decode_codes(blob, codes))
      return Error(ErrorKind::kBadInput, "the recording's Python code objects are corrupt");
  }
  if (!codes.empty()) (*interpreter)->set_recorded_codes(codes);
  // Weights in time (--idle) need the rate before the first sample.
  auto& info = profile.info();
  info.rate_hz = recording.rate_hz;
  info.idle = std::any_of(recording.samples.begin(), recording.samples.end(),
                          [](const auto& s) { return s.sample.idle; });
  info.weights_ns = info.idle && info.rate_hz > 0;
  info.off_cpu_only = options.off_cpu_only;
  for (const auto& s : recording.samples) {
    sampling::RawSample sample = s.sample;
    sample.interp = s.interp_words;
    (*interpreter)->on_sample(sample);
  }
  for (const auto& [tid, count] : recording.lost) (*interpreter)->on_lost(tid, count);
  for (const auto& [tid, name] : recording.thread_names) {
    if (profile.threads().count(tid) != 0) profile.set_thread_name(tid, name);
  }

  if (notices != nullptr) {
    for (std::string& n : (*interpreter)->take_notices()) notices->push_back(std::move(n));
  }
  info.pid = recording.pid;
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
