// Replay of a raw recording through the Interpreter: one per process it sampled, each
// sample named with the maps its process had when the sample was taken.
#include "cspy/pipeline/replay.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "cspy/modules/elf_file.h"

namespace cspy::pipeline {

namespace {

using Record = sampling::RawRecording::ProcessRecord;

// Whether every file-backed mapping of `before` is still in `after`: libraries were only
// added (dlopen), nothing replaced (an exec, a dlclose).
bool only_adds_files(const std::string& before, const std::string& after) {
  const std::vector<modules::Mapping> later = modules::parse_maps(after);
  for (const modules::Mapping& m : modules::parse_maps(before)) {
    if (!m.path.starts_with("/")) continue;
    const bool kept = std::any_of(later.begin(), later.end(), [&](const modules::Mapping& l) {
      return l.start == m.start && l.end == m.end && l.offset == m.offset && l.path == m.path;
    });
    if (!kept) return false;
  }
  return true;
}

// Which of a recorded process's maps versions its Interpreter's module map reads.
struct MapsState {
  const Record* record = nullptr;
  const MapsEdit* edit = nullptr;
  std::size_t version = 0;  // index into record->maps_history
  std::string text;         // the version's text, edited
  std::shared_ptr<modules::TargetFiles> files;
  bool moving = false;  // advance_to is switching versions: no looking ahead
  std::optional<Error> error;

  Result<void> use(std::size_t v) {
    const auto& history = record->maps_history;
    auto edited = *edit ? (*edit)(history[v].text) : Result<std::string>(history[v].text);
    if (!edited) return edited.error();
    version = v;
    text = std::move(*edited);
    files->set_recorded_build_ids(history[v].build_ids);
    return {};
  }
  // What the module map reads. Asked outside advance_to, it is asked because an address
  // was in no module: a library loaded since this version was written is in the next
  // one (written within 250 ms) — used when it only adds files, as a live run re-reads the
  // maps on such a miss.
  std::string read() {
    const auto& history = record->maps_history;
    if (!moving && version + 1 < history.size() &&
        only_adds_files(history[version].text, history[version + 1].text)) {
      if (auto used = use(version + 1); !used) error = used.error();
    }
    return text;
  }
};

// One recorded process being replayed: its Interpreter and the maps it is named with.
struct ProcessReplay {
  std::shared_ptr<MapsState> maps;
  std::unique_ptr<Interpreter> interpreter;

  // Moves to the last version written before sample `index`; the Interpreter re-reads
  // its maps when they changed.
  Result<void> advance_to(std::size_t index) {
    const auto& history = maps->record->maps_history;
    std::size_t v = maps->version;
    while (v + 1 < history.size() && history[v + 1].first_sample <= index) ++v;
    if (v == maps->version) return {};
    if (auto used = maps->use(v); !used) return used.error();
    maps->moving = true;
    interpreter->refresh_modules();
    maps->moving = false;
    return {};
  }
};

// The replay of `record` (process `pid`), starting with its first maps.
Result<ProcessReplay> replay_of(const Record& record, pid_t pid, aggregate::Profile& profile,
                                const InterpreterOptions& options, const MapsEdit& edit) {
  ProcessReplay p;
  p.maps = std::make_shared<MapsState>();
  p.maps->record = &record;
  p.maps->edit = &edit;
  p.maps->files = modules::TargetFiles::recorded(record.build_ids, record.perf_map);
  if (!record.maps_history.empty()) {
    if (auto used = p.maps->use(0); !used) return used.error();
  } else {
    auto text = edit ? edit(record.maps) : Result<std::string>(record.maps);
    if (!text) return text.error();
    p.maps->text = std::move(*text);
  }
  p.maps->moving = true;
  auto interpreter = Interpreter::create(
      [maps = p.maps]() -> Result<std::string> {
        std::string text = maps->read();
        if (maps->error) return *maps->error;
        return text;
      },
      p.maps->files, nullptr, pid, profile, options);
  p.maps->moving = false;
  if (!interpreter) return interpreter.error();
  p.interpreter = std::move(*interpreter);
  std::vector<python::CodeRecord> codes;
  for (const auto& blob : record.blobs) {
    if (!python::decode_codes(blob, codes))
      return Error(ErrorKind::kBadInput, "the recording's Python code objects are corrupt");
  }
  if (!codes.empty()) p.interpreter->set_recorded_codes(codes);
  return p;
}

}  // namespace

Result<void> replay(const sampling::RawRecording& recording, aggregate::Profile& profile,
                    const InterpreterOptions& options, std::vector<std::string>* notices,
                    const MapsEdit& edit_maps) {
  auto& info = profile.info();
  info.pid = recording.pid;
  // Several processes (--subprocesses): each stack under its process's root frame.
  info.process_roots = !recording.children.empty() || !recording.process_names.empty();
  for (const auto& [pid, name] : recording.process_names) profile.set_process_name(pid, name);

  auto own = replay_of(recording.own, recording.pid, profile, options, edit_maps);
  if (!own) return own.error();
  std::map<pid_t, ProcessReplay> children;
  for (const auto& [pid, record] : recording.children) {
    if (record.maps.empty()) continue;  // gone before its maps were read: [unknown]
    auto child = replay_of(record, pid, profile, options, edit_maps);
    if (!child) return child.error();
    children.emplace(pid, std::move(*child));
  }
  // Weights in time (--idle) need the rate before the first sample.
  info.rate_hz = recording.rate_hz;
  info.idle = std::any_of(recording.samples.begin(), recording.samples.end(),
                          [](const auto& s) { return s.sample.idle; });
  info.weights_ns = info.idle && info.rate_hz > 0;
  info.off_cpu_only = options.off_cpu_only;
  for (std::size_t i = 0; i < recording.samples.size(); ++i) {
    const auto& s = recording.samples[i];
    sampling::RawSample sample = s.sample;
    sample.interp = s.interp_words;
    ProcessReplay* p = nullptr;
    if (sample.pid == recording.pid || !info.process_roots) {
      p = &*own;
    } else if (auto it = children.find(sample.pid); it != children.end()) {
      p = &it->second;
    }
    if (p == nullptr) {
      add_unnamed_sample(profile, sample, options.off_cpu_only);
      continue;
    }
    if (auto advanced = p->advance_to(i); !advanced) return advanced.error();
    p->interpreter->on_sample(sample);
  }
  for (const auto& [tid, count] : recording.lost) own->interpreter->on_lost(tid, count);
  for (const auto& [tid, name] : recording.thread_names) {
    if (profile.threads().count(tid) != 0) profile.set_thread_name(tid, name);
  }

  if (notices != nullptr) {
    auto take = [&](Interpreter& i) {
      for (std::string& n : i.take_notices()) notices->push_back(std::move(n));
    };
    take(*own->interpreter);
    for (auto& [pid, p] : children) take(*p.interpreter);
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
