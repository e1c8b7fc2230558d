// Interpreter: raw sample -> unwound pcs -> symbolized frames -> interned root-first stack.
#include "cspy/pipeline/interpreter.h"

#include <sys/mman.h>

#include <algorithm>

#include <fmt/core.h>

#include "cspy/core/path.h"
#include "cspy/sampling/syscalls.h"
#include "cspy/symbolize/module_identity.h"

namespace cspy::pipeline {

Result<std::unique_ptr<Interpreter>> Interpreter::create(
    modules::ModuleMap::MapsSource maps, std::shared_ptr<modules::TargetFiles> files,
    const process::Process* live, pid_t pid, aggregate::Profile& profile,
    const InterpreterOptions& options) {
  std::unique_ptr<Interpreter> c(new Interpreter(profile, options, pid));
  if (files && !options.debug_dirs.empty()) files->set_debug_dirs(options.debug_dirs);
  // Following maps, the module map reads the version selected; else `maps`.
  Interpreter* self = c.get();
  auto source = [self, maps = std::move(maps)]() -> Result<std::string> {
    if (self->timeline_) return self->timeline_text_;
    return maps();
  };
  auto modules = modules::ModuleMap::create(std::move(source), std::move(files));
  if (!modules) return modules.error();
  c->modules_ = std::move(*modules);
  const unwind::UnwindOptions unwind_options{.max_depth = options.max_depth};
  auto make_unwinder = options.unwinder == UnwinderKind::kLibunwind
                           ? unwind::make_libunwind_unwinder
                           : unwind::make_libdw_unwinder;
  auto unwinder = make_unwinder(*c->modules_, live, pid, unwind_options);
  if (!unwinder) return unwinder.error();
  c->unwinder_ = std::move(*unwinder);
  c->symbolizer_ = std::make_unique<symbolize::Symbolizer>(
      *c->modules_, symbolize::SymbolizeOptions{.full_signatures = options.full_signatures});
  return c;
}

const std::vector<aggregate::FrameId>& Interpreter::frames_for(unwind::UnwoundFrame frame) {
  RemoteAddr pc = frame.lookup_pc();
  // The maps were re-read (dlopen, dlclose): name addresses by the modules mapped now.
  if (modules_->refreshed_since(refreshes_seen_)) pc_frames_.clear();
  auto it = pc_frames_.find(pc);
  if (it != pc_frames_.end()) return it->second;
  std::vector<aggregate::FrameId> ids;
  bool cacheable = true;
  for (const symbolize::SymbolFrame& s : symbolizer_->symbolize(pc)) {
    cacheable = cacheable && !s.module.empty();  // an unmapped pc may be mapped later
    if (s.inlined && !options_.inline_frames) continue;
    aggregate::Frame f{.function = s.function,
                       .module = s.module,
                       .file = s.file,
                       .line = options_.lines ? s.line : 0,
                       .inlined = s.inlined,
                       .kind = s.jit                       ? aggregate::FrameKind::kJit
                               : s.function == "[unknown]" ? aggregate::FrameKind::kSpecial
                                                           : aggregate::FrameKind::kNative};
    ids.push_back(profile_.frames().intern(f));
    if (!s.module.empty()) note_binary(pc, s, ids.back());
  }
  if (!cacheable) {
    uncached_ = std::move(ids);
    return uncached_;
  }
  return pc_frames_.emplace(pc, std::move(ids)).first->second;
}

void Interpreter::note_binary(RemoteAddr pc, const symbolize::SymbolFrame& s,
                              aggregate::FrameId id) {
  if (profile_.modules().count(s.module) == 0) {
    if (auto identity = symbolize::module_identity(*modules_, pc)) {
      profile_.add_module(s.module, aggregate::ModuleInfo{.path = identity->path,
                                                          .start = identity->start,
                                                          .limit = identity->limit,
                                                          .file_offset = identity->file_offset,
                                                          .build_id = identity->build_id});
    }
  }
  if (s.named && !s.inlined) {
    if (const char* raw = modules_->elf_symbol_name(pc)) profile_.set_symbol_name(id, raw);
  }
}

unwind::StackEnd Interpreter::resolve(const sampling::RawSample& sample,
                                      std::vector<aggregate::FrameId>& root_first) {
  unwinder_->unwind(sample, stack_);
  root_first.clear();
  auto& frames = profile_.frames();
  if (stack_.end == unwind::StackEnd::kFailed) root_first.push_back(frames.unknown());
  if (stack_.end == unwind::StackEnd::kTruncated) root_first.push_back(frames.truncated());
  // Outermost first: walk the unwound frames backwards, each inline chain backwards too.
  for (auto f = stack_.frames.rbegin(); f != stack_.frames.rend(); ++f) {
    const auto& ids = frames_for(*f);
    root_first.insert(root_first.end(), ids.rbegin(), ids.rend());
  }
  if (!sample.interp.empty() && options_.python != PythonView::kNative) {
    merge_python(sample, stack_.end == unwind::StackEnd::kComplete, root_first);
  }
  return stack_.end;
}

bool Interpreter::is_eval_frame(aggregate::FrameId id) {
  if (eval_frame_.size() <= id.index()) eval_frame_.resize(id.index() + 1, -1);
  std::int8_t& known = eval_frame_[id.index()];
  if (known < 0) {
    const aggregate::Frame& f = profile_.frames().get(id);
    known = f.kind == aggregate::FrameKind::kNative && !f.inlined &&
                    f.function == "_PyEval_EvalFrameDefault"
                ? 1
                : 0;
  }
  return known == 1;
}

void Interpreter::merge_python(const sampling::RawSample& sample, bool complete,
                               std::vector<aggregate::FrameId>& root_first) {
  if (!python::decode(sample.interp, captured_)) return;
  if (recorded_codes_ == nullptr) {
    if (python_hook_ == nullptr) return;
    auto reader = python_hook_->code_reader();
    if (reader && (code_readers_.empty() || code_readers_.back() != reader)) {
      code_readers_.push_back(std::move(reader));
    }
    if (code_readers_.empty()) return;
  }
  auto& frames = profile_.frames();
  auto special = [&](const char* name) {
    return frames.intern(
        aggregate::Frame{.function = name, .kind = aggregate::FrameKind::kSpecial});
  };
  // A read that could not be made consistent is counted under a frame of its own, above
  // the native stack as unwound.
  auto inconsistent = [&](const char* name) {
    const aggregate::FrameId marker = special(name);
    if (options_.python == PythonView::kPythonOnly) root_first.clear();
    root_first.insert(root_first.begin(), marker);
  };
  if (options_.gil_only && !captured_.holds_gil) {
    root_first.assign(1, special("[python: without the GIL]"));
    return;
  }
  if (captured_.status == python::CaptureStatus::kChanged)
    return inconsistent("[python: changed during read]");
  if (captured_.status == python::CaptureStatus::kUnreadable)
    return inconsistent("[python: unreadable]");
  merge_python_.clear();
  python::PyFrameName name;
  for (const python::CapturedFrame& c : captured_.frames) {
    aggregate::FrameId id;
    if (name_python(c, name)) {
      id = frames.intern(aggregate::Frame{.function = name.function,
                                          .module = std::string(basename_of(name.file)),
                                          .file = name.file,
                                          .line = options_.lines ? name.line : 0,
                                          .kind = aggregate::FrameKind::kPython});
    } else {
      id = special("[python: unreadable code]");
    }
    merge_python_.push_back(python::MergePython{.id = id.index(), .entry = c.entry});
  }
  merge_native_.clear();
  for (aggregate::FrameId id : root_first) {
    merge_native_.push_back(python::MergeNative{.id = id.index(), .eval = is_eval_frame(id)});
  }
  const python::MergeOptions merge_options{
      .internals = options_.python_internals,
      .python_only = options_.python == PythonView::kPythonOnly};
  if (!python::merge(merge_native_, merge_python_, complete, merge_options, merged_)) {
    return inconsistent("[python: changed during read]");
  }
  root_first.clear();
  for (std::uint32_t id : merged_) root_first.emplace_back(id);
}

namespace {
std::uint64_t weight_of(const aggregate::Profile& profile, const sampling::RawSample& sample) {
  if (!profile.info().weights_ns) return 1;
  return sample.off_cpu_ns != 0 ? sample.off_cpu_ns : profile.sample_weight();
}
}  // namespace

void add_unnamed_sample(aggregate::Profile& profile, const sampling::RawSample& sample,
                        bool off_cpu_only) {
  if (profile.threads().count(sample.tid) == 0) profile.set_thread_process(sample.tid, sample.pid);
  if (off_cpu_only && !sample.idle) return;
  const aggregate::FrameId unknown = profile.frames().unknown();
  profile.add_sample(sample.tid, std::span<const aggregate::FrameId>(&unknown, 1), sample.time_ns,
                     weight_of(profile, sample), sample.idle);
}

void Interpreter::on_sample(const sampling::RawSample& sample) {
  select_maps(sample.time_ns);
  if (profile_.threads().count(sample.tid) == 0) {
    profile_.set_thread_process(sample.tid, pid_);
    if (namer_) profile_.set_thread_name(sample.tid, namer_(sample.tid));
  }
  if (options_.off_cpu_only && !sample.idle) return;
  resolve(sample, path_);
  const std::uint64_t weight = weight_of(profile_, sample);
  if (sample.lock_holder != 0) {  // waiting for a mutex: who holds it, above the futex
    const std::string name = namer_ ? namer_(sample.lock_holder) : std::string();
    path_.push_back(profile_.frames().intern(aggregate::Frame{
        .function = name.empty()
                        ? fmt::format("[lock held by thread {}]", sample.lock_holder)
                        : fmt::format("[lock held by thread {} ({})]", sample.lock_holder, name),
        .kind = aggregate::FrameKind::kSpecial}));
  }
  if (sample.idle) path_.push_back(syscall_frame(sample.syscall));
  profile_.add_sample(sample.tid, path_, sample.time_ns, weight, sample.idle);
}

aggregate::FrameId Interpreter::syscall_frame(int nr) {
  auto [it, added] = syscall_frames_.try_emplace(nr);
  if (added) {
    std::string_view name = sampling::syscall_name(nr);
    it->second = profile_.frames().intern(
        aggregate::Frame{.function = name.empty() ? std::string("[off-cpu]") : std::string(name),
                         .kind = aggregate::FrameKind::kSyscall});
  }
  return it->second;
}

bool Interpreter::name_python(const python::CapturedFrame& frame, python::PyFrameName& out) {
  if (recorded_codes_) return recorded_codes_->name(frame, out);
  for (auto it = code_readers_.rbegin(); it != code_readers_.rend(); ++it) {
    if ((*it)->name(frame, out)) return true;
  }
  return false;
}

void Interpreter::set_recorded_codes(const std::vector<python::CodeRecord>& codes) {
  recorded_codes_ = std::make_unique<python::RecordedCodes>();
  for (const auto& code : codes) recorded_codes_->add(code);
}

std::vector<python::CodeRecord> Interpreter::python_codes() const {
  std::vector<python::CodeRecord> out;
  for (const auto& reader : code_readers_) {
    auto records = reader->records();
    out.insert(out.end(), std::make_move_iterator(records.begin()),
               std::make_move_iterator(records.end()));
  }
  return out;
}

void Interpreter::on_lost(pid_t tid, std::uint64_t count) { profile_.add_lost(tid, count); }

void Interpreter::refresh_modules() { (void)modules_->refresh(); }

namespace {
// Records this much older than the sample named last are folded into the base: samples
// come in time order within milliseconds (off-CPU ones, dated at their switch-out, up to
// seconds older).
constexpr std::uint64_t kKeepMapsNs = 10'000'000'000ULL;
}  // namespace

void Interpreter::follow_maps(std::uint64_t base_ns, std::string_view base_text) {
  timeline_ = std::make_unique<modules::MapsTimeline>(base_ns, base_text);
  timeline_version_ = timeline_->version_at(base_ns);
  timeline_text_ = timeline_->text_at(base_ns);
  (void)modules_->refresh();
}

void Interpreter::stop_following_maps() {
  if (!timeline_) return;
  timeline_.reset();
  (void)modules_->refresh();
}

void Interpreter::select_maps(std::uint64_t time_ns) {
  if (!timeline_) return;
  const std::uint64_t version = timeline_->version_at(time_ns);
  if (version != timeline_version_) {
    timeline_version_ = version;
    timeline_text_ = timeline_->text_at(time_ns);
    (void)modules_->refresh();
  }
  if (time_ns > kKeepMapsNs) timeline_->forget_before(time_ns - kKeepMapsNs);
}

void Interpreter::on_exec(pid_t pid, std::uint64_t time_ns, const std::string& name) {
  (void)pid, (void)name;
  if (timeline_) {
    timeline_->add_exec(time_ns);
  } else {
    refresh_modules();
  }
}

void Interpreter::on_mmap(const sampling::MmapEvent& mapping) {
  if (!timeline_) return;
  std::string perms = "----";
  if ((mapping.prot & PROT_READ) != 0) perms[0] = 'r';
  if ((mapping.prot & PROT_WRITE) != 0) perms[1] = 'w';
  if ((mapping.prot & PROT_EXEC) != 0) perms[2] = 'x';
  perms[3] = mapping.shared ? 's' : 'p';
  // The kernel gives anonymous memory an offset (its address in pages); /proc says 0.
  const bool file = mapping.inode != 0 || mapping.path.starts_with("/");
  timeline_->add_mapping(
      mapping.time_ns,
      modules::Mapping{.start = mapping.start,
                       .end = mapping.start + mapping.len,
                       .offset = file ? mapping.offset : 0,
                       .perms = std::move(perms),
                       .path = mapping.path,
                       .device = fmt::format("{:02x}:{:02x}", mapping.major, mapping.minor),
                       .inode = mapping.inode});
}

void Interpreter::refresh_thread_names() {
  if (!namer_) return;
  for (const auto& [tid, info] : profile_.threads()) {
    std::string name = namer_(tid);
    if (!name.empty() && name != info.name) profile_.set_thread_name(tid, name);
  }
}

}  // namespace cspy::pipeline
