// PythonHook: lazy location of CPython and frame capture under one lock.
#include "cspy/pipeline/python_hook.h"

#include <fmt/format.h>

#include "cspy/core/clock.h"

namespace cspy::pipeline {

namespace {
// A program that is not (yet) Python is looked at again this often, this many times: a
// launched `sh -c 'exec python3 ...'` becomes Python after its exec chain.
constexpr std::uint64_t kLookAgainNs = 200'000'000ULL;
constexpr int kMaxLooks = 25;
// A launched interpreter's _PyRuntime holds no interpreter until it has initialised.
constexpr std::uint64_t kStateGraceNs = 2'000'000'000ULL;
// Python thread names are read again for a thread not named yet, at most this often, and
// for every thread when they are older than kNamesStaleNs.
constexpr std::uint64_t kNamesAgainNs = 250'000'000ULL;
constexpr std::uint64_t kNamesStaleNs = 2'000'000'000ULL;
}  // namespace

void PythonHook::locate_locked() {
  if (capture_ || !problem_.empty() || looks_ >= kMaxLooks) return;
  const std::uint64_t now = monotonic_ns();
  if (now < next_look_ns_) return;
  ++looks_;
  next_look_ns_ = now + kLookAgainNs;
  auto found = python::locate(process_, &not_python_);
  if (!found) {
    if (found.error().kind() == ErrorKind::kBadInput) problem_ = found.error().message();
    return;
  }
  if (*found) {
    capture_.emplace(process_, std::move(**found));
    codes_ = std::make_shared<python::CodeReader>(process_, capture_->runtime());
    found_ns_ = now;
  }
}

bool PythonHook::state_readable_locked() {
  if (state_readable_) return true;
  const python::Runtime& rt = capture_->runtime();
  auto readable = python::check_interpreter_state(process_, rt);
  if (readable && *readable) return state_readable_ = true;
  if (readable && !no_grace_ && monotonic_ns() - found_ns_ < kStateGraceNs) return false;
  problem_ = readable ? fmt::format(
                            "Python {}.{} ({}) in PID {} has no interpreter state to "
                            "read: its _PyRuntime holds no interpreter with a thread",
                            rt.major, rt.minor, rt.module, process_.pid())
                      : readable.error().message();
  capture_.reset();
  codes_.reset();
  return false;
}

void PythonHook::exec_seen() {
  std::lock_guard lock(mutex_);
  capture_.reset();
  codes_.reset();
  problem_.clear();
  looks_ = 0;
  next_look_ns_ = 0;
  state_readable_ = false;
  no_grace_ = false;
  locals_.clear();
  thread_names_.clear();
  names_read_ns_ = 0;
}

void PythonHook::locate_now() {
  std::lock_guard lock(mutex_);
  next_look_ns_ = 0;
  no_grace_ = true;
  locate_locked();
  if (capture_) (void)state_readable_locked();
}

void PythonHook::capture(pid_t pid, pid_t tid, std::vector<std::uint64_t>& words) {
  (void)pid;  // always this hook's process
  std::lock_guard lock(mutex_);
  locate_locked();
  if (!capture_ || !state_readable_locked()) return;
  if (!capture_->capture(tid, stack_)) return;
  codes_->remember(stack_.frames);
  python::encode(stack_, words);
  if (!read_locals_) return;
  auto& frames = locals_[tid];
  frames.clear();
  for (const python::CapturedFrame& f : stack_.frames) {
    frames.push_back(python::read_locals(process_, capture_->runtime(), f));
  }
}

std::vector<std::vector<python::Local>> PythonHook::locals_of(pid_t tid) const {
  std::lock_guard lock(mutex_);
  auto it = locals_.find(tid);
  return it == locals_.end() ? std::vector<std::vector<python::Local>>{} : it->second;
}

std::optional<python::Runtime> PythonHook::runtime() const {
  std::lock_guard lock(mutex_);
  if (!capture_) return std::nullopt;
  return capture_->runtime();
}

std::shared_ptr<python::CodeReader> PythonHook::code_reader() const {
  std::lock_guard lock(mutex_);
  return codes_;
}

std::string PythonHook::python_thread_name(pid_t tid) {
  std::optional<python::Runtime> runtime;
  {
    std::lock_guard lock(mutex_);
    const std::uint64_t now = monotonic_ns();
    auto it = thread_names_.find(tid);
    const bool fresh = names_read_ns_ != 0 && now - names_read_ns_ < kNamesStaleNs;
    const bool may_read = names_read_ns_ == 0 || now - names_read_ns_ >= kNamesAgainNs;
    if (!capture_ || (it != thread_names_.end() && fresh) || !may_read) {
      return it == thread_names_.end() ? "" : it->second;
    }
    names_read_ns_ = now;
    runtime = capture_->runtime();
  }
  // Outside the lock: the sampler's captures go on meanwhile.
  auto names = python::read_thread_names(process_, *runtime);
  std::lock_guard lock(mutex_);
  thread_names_ = std::move(names);
  auto it = thread_names_.find(tid);
  return it == thread_names_.end() ? "" : it->second;
}

std::string PythonHook::shown_thread_name(pid_t tid) {
  return python::shown_thread_name(process_.thread_name(tid), process_.thread_name(process_.pid()),
                                   python_thread_name(tid));
}

std::string PythonHook::problem() const {
  std::lock_guard lock(mutex_);
  return problem_;
}

}  // namespace cspy::pipeline
