// `cspy dump --pid N`: every thread's stack, once. Each thread is stopped only while its
// registers and stack are copied, then resumed; unwinding happens afterwards. A thread
// off CPU says for how long (process/off_cpu_time.h), read before any thread is stopped.
#include <cstdio>
#include <iostream>
#include <map>

#include <fmt/core.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "command.h"
#include "cspy/output/escape.h"
#include "cspy/pipeline/interpreter.h"
#include "cspy/process/off_cpu_time.h"
#include "cspy/process/target.h"
#include "cspy/process/thread_status.h"
#include "cspy/sampling/ptrace_source.h"
#include "exit_codes.h"
#include "options.h"
#include "session_report.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

struct ThreadDump {
  pid_t tid = 0;
  pid_t ns_tid = 0;  // its ID in the target's own PID namespace (a container's)
  std::string name;
  std::string python_name;  // threading.Thread(name=...), "" when none
  process::ThreadStatus status;
  // Time since it last left the CPU, when it is off CPU (not running or runnable).
  std::optional<std::uint64_t> off_cpu_ns;
  std::vector<aggregate::FrameId> innermost_first;
  unwind::StackEnd end = unwind::StackEnd::kComplete;
  std::string error;  // the thread could not be read (it exited)
  int python = -1;    // -1 not a Python thread; 0 a Python thread; 1 holding the GIL
  // --locals: for each Python frame, innermost first, its local variables.
  std::vector<std::vector<python::Local>> locals;
};

constexpr const char* kOffCpuSource =
    "time since the thread last left the CPU: its se.exec_start in /proc/PID/task/TID/sched "
    "against the scheduler clock of the CPU it last ran on";

// "850 us", "12.3 ms", "2.013 s".
std::string duration_text(std::uint64_t ns) {
  if (ns < 1'000'000) return fmt::format("{} us", ns / 1000);
  if (ns < 1'000'000'000) return fmt::format("{:.1f} ms", static_cast<double>(ns) / 1e6);
  return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9);
}

// Every name in the text comes from the target and goes to a terminal: terminal_escape.
std::string frame_text(const aggregate::Frame& f) {
  using output::terminal_escape;
  std::string s = terminal_escape(f.function);
  if (!f.file.empty()) {
    s += fmt::format(" ({}:{})", terminal_escape(f.file), f.line);
  } else if (!f.module.empty() && f.kind == aggregate::FrameKind::kNative) {
    s += fmt::format(" ({})", terminal_escape(f.module));
  }
  if (f.inlined) s += " [inlined]";
  if (f.kind == aggregate::FrameKind::kPython) s += " [python]";
  return s;
}

void print_text(const std::vector<ThreadDump>& dumps, const aggregate::FrameTable& frames,
                const process::Target& target) {
  using output::terminal_escape;
  std::printf("Process %d: %s\n", target.pid(), terminal_escape(target.command_line()).c_str());
  for (const ThreadDump& d : dumps) {
    if (!d.off_cpu_ns) continue;
    std::printf("(off CPU for: %s)\n", kOffCpuSource);
    break;
  }
  for (const ThreadDump& d : dumps) {
    std::string state = d.status.state_name;
    if (!d.status.syscall_name.empty()) state += " in " + d.status.syscall_name + "()";
    if (d.off_cpu_ns) state += ", off CPU for " + duration_text(*d.off_cpu_ns);
    if (d.python >= 0) state += d.python == 1 ? ", Python, holds the GIL" : ", Python";
    const std::string name = terminal_escape(d.name);
    const std::string names = d.python_name.empty() ? name
                                                    : fmt::format("{}; Python \"{}\"", name,
                                                                  terminal_escape(d.python_name));
    // In a container, the thread's ID there too (what its own logs and tools show).
    const std::string ns =
        d.ns_tid != d.tid ? fmt::format(", TID {} in its PID namespace", d.ns_tid) : "";
    std::printf("\nThread %d (%s%s): %s\n", d.tid, names.c_str(), ns.c_str(), state.c_str());
    if (!d.error.empty()) {
      std::printf("    (%s)\n", terminal_escape(d.error).c_str());
      continue;
    }
    int i = 0;
    std::size_t python_frame = 0;
    for (aggregate::FrameId id : d.innermost_first) {
      const aggregate::Frame& f = frames.get(id);
      std::printf("    #%-2d %s\n", i++, frame_text(f).c_str());
      if (f.kind != aggregate::FrameKind::kPython) continue;
      if (python_frame < d.locals.size()) {
        for (const python::Local& local : d.locals[python_frame])
          std::printf("            %s = %s\n", terminal_escape(local.name).c_str(),
                      terminal_escape(local.value).c_str());
      }
      ++python_frame;
    }
  }
}

void print_json(const std::vector<ThreadDump>& dumps, const aggregate::FrameTable& frames,
                const process::Target& target) {
  nlohmann::json threads = nlohmann::json::array();
  for (const ThreadDump& d : dumps) {
    nlohmann::json t = {{"tid", d.tid}, {"name", d.name}, {"state", d.status.state_name}};
    if (d.ns_tid != d.tid) t["ns_tid"] = d.ns_tid;
    if (!d.python_name.empty()) t["python_name"] = d.python_name;
    if (!d.status.syscall_name.empty()) t["syscall"] = d.status.syscall_name;
    if (d.off_cpu_ns) t["off_cpu_ns"] = *d.off_cpu_ns;
    if (d.python >= 0) t["gil"] = d.python == 1;
    if (!d.error.empty()) t["error"] = d.error;
    nlohmann::json fs = nlohmann::json::array();
    std::size_t python_frame = 0;
    for (aggregate::FrameId id : d.innermost_first) {
      const aggregate::Frame& f = frames.get(id);
      nlohmann::json j = {{"function", f.function},
                          {"module", f.module},
                          {"inlined", f.inlined},
                          {"kind", aggregate::kind_name(f.kind)}};
      if (!f.file.empty()) {
        j["file"] = f.file;
        j["line"] = f.line;
      }
      if (f.kind == aggregate::FrameKind::kPython && python_frame < d.locals.size()) {
        nlohmann::json locals = nlohmann::json::object();
        for (const python::Local& local : d.locals[python_frame]) locals[local.name] = local.value;
        j["locals"] = locals;
      }
      if (f.kind == aggregate::FrameKind::kPython) ++python_frame;
      fs.push_back(j);
    }
    t["frames"] = fs;
    threads.push_back(t);
  }
  nlohmann::json doc = {{"pid", target.pid()},
                        {"command", target.command_line()},
                        {"off_cpu_ns_meaning", kOffCpuSource},
                        {"threads", threads}};
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

// Every thread's state, and for each one off CPU (not R: running or runnable; not a
// zombie) how long since it last ran, all read before any thread is stopped (a stop runs
// the thread). "Now" is read once per CPU, after every thread's stamp.
std::vector<ThreadDump> read_states(const process::Process& proc) {
  std::vector<ThreadDump> dumps;
  std::vector<std::optional<process::LastRan>> last;
  for (pid_t tid : proc.threads()) {
    ThreadDump d{.tid = tid,
                 .ns_tid = proc.namespace_tid(tid),
                 .name = proc.thread_name(tid),
                 .status = process::read_thread_status(proc.pid(), tid)};
    const bool off_cpu = d.status.state != 'R' && d.status.state != 'Z' && d.status.state != 'X' &&
                         d.status.state != '?';
    last.push_back(off_cpu ? process::read_last_ran(proc.pid(), tid) : std::nullopt);
    dumps.push_back(std::move(d));
  }
  process::RunQueueClock clock;
  std::map<int, std::optional<std::uint64_t>> now;  // by CPU
  for (std::size_t i = 0; i < dumps.size(); ++i) {
    if (!last[i]) continue;
    auto [at, added] = now.try_emplace(last[i]->cpu);
    if (added) at->second = clock.now_on(last[i]->cpu);
    if (!at->second) continue;
    const std::uint64_t stamp = last[i]->exec_start_ns;
    dumps[i].off_cpu_ns = *at->second > stamp ? *at->second - stamp : 0;
  }
  return dumps;
}

// Every thread's registers and stack, each thread stopped only for its copy; a thread that
// could not be read gets its error and an empty snapshot. A permission error stops all.
Result<void> snapshot_all(const process::Process& proc, sampling::CaptureHook* hook,
                          std::vector<ThreadDump>& dumps,
                          std::vector<sampling::ThreadSnapshot>& snaps) {
  constexpr std::size_t kStackBytes = 65536;
  for (ThreadDump& d : dumps) {
    auto snap = sampling::snapshot_thread(proc, d.tid, kStackBytes, hook);
    if (!snap) {
      if (snap.error().kind() == ErrorKind::kPermission) return snap.error();
      d.error = snap.error().message();
      snaps.emplace_back();
    } else {
      snaps.push_back(std::move(*snap));
    }
  }
  if (dumps.empty()) {
    return Error(ErrorKind::kTargetExited, fmt::format("PID {} exited", proc.pid()));
  }
  return {};
}

class DumpCommand final : public Command {
 public:
  const char* name() const override { return "dump"; }
  const char* usage() const override {
    return "usage: cspy dump [options] --pid PID\n\nPrint every thread's current stack once.\n\n";
  }

 private:
  void describe(po::options_description& d) override {
    d.add_options()("pid,p", po::value<pid_t>(&pid_)->value_name("PID"),
                    "PID of the process to inspect")("json", po::bool_switch(&json_),
                                                     "print JSON for scripts")(
        "full-signatures", po::bool_switch(&full_signatures_), "keep C++ parameter lists in names");
    add_python_options(d, python_);
    add_debug_dir_option(d, debug_dirs_);
    d.add_options()("locals", po::bool_switch(&locals_),
                    "CPython targets: each Python frame's local variables, with short values "
                    "of ints, floats, strs, bools and None (read from memory, nothing run)");
  }

  int run(const std::vector<std::string>& program) override {
    if (pid_ == 0 || !program.empty()) return usage_error("give --pid PID");
    if (auto message = python_.invalid()) return usage_error(*message);
    auto target = process::Target::attach(pid_);
    if (!target) return report(target.error());
    const process::Process& proc = target->process();

    // Read every thread's state, then copy its registers and stack...
    std::vector<ThreadDump> dumps = read_states(proc);
    std::vector<sampling::ThreadSnapshot> snaps;
    pipeline::PythonHook python(proc);
    pipeline::InterpreterOptions interpret{
        .lines = true, .full_signatures = full_signatures_, .debug_dirs = debug_dirs_};
    python_.apply(interpret);
    if (interpret.python != pipeline::PythonView::kNative) {
      python.locate_now();
      python.read_locals(locals_);
      if (!python.problem().empty()) {
        (void)std::fprintf(stderr, "cspy: %s; native frames only\n", python.problem().c_str());
      } else if (python_.only && !python.runtime()) {
        (void)std::fprintf(stderr,
                           "cspy: notice: --python-only, but PID %d is not a CPython 3.8-3.13 "
                           "process: native frames are shown\n",
                           proc.pid());
      }
    }
    auto* hook = interpret.python != pipeline::PythonView::kNative ? &python : nullptr;
    if (auto taken = snapshot_all(proc, hook, dumps, snaps); !taken) return report(taken.error());

    // ...then unwind and symbolize at leisure.
    aggregate::Profile profile;
    auto interpreter = pipeline::Interpreter::create([&proc] { return proc.maps(); },
                                                     modules::TargetFiles::live(pid_), &proc, pid_,
                                                     profile, interpret);
    if (!interpreter) return report(interpreter.error());
    (*interpreter)->set_python(&python);
    std::vector<aggregate::FrameId> root_first;
    for (std::size_t i = 0; i < dumps.size(); ++i) {
      if (!dumps[i].error.empty()) continue;
      snaps[i].sample.stack = std::span<const std::uint8_t>(snaps[i].stack_bytes);
      snaps[i].sample.interp = std::span<const std::uint64_t>(snaps[i].interp_words);
      dumps[i].end = (*interpreter)->resolve(snaps[i].sample, root_first);
      if (python::CapturedStack py; python::decode(snaps[i].sample.interp, py))
        dumps[i].python = py.holds_gil ? 1 : 0;
      if (locals_) dumps[i].locals = python.locals_of(dumps[i].tid);
      if (hook != nullptr) dumps[i].python_name = python.python_thread_name(dumps[i].tid);
      dumps[i].innermost_first.assign(root_first.rbegin(), root_first.rend());
    }
    if (json_) {
      print_json(dumps, profile.frames(), *target);
    } else {
      print_text(dumps, profile.frames(), *target);
    }
    print_warnings((*interpreter)->take_notices());
    return kExitOk;
  }

  pid_t pid_ = 0;
  bool json_ = false;
  PythonOptions python_;
  std::vector<std::string> debug_dirs_;
  bool locals_ = false;
  bool full_signatures_ = false;
};

}  // namespace

std::unique_ptr<Command> make_dump_command() { return std::make_unique<DumpCommand>(); }

}  // namespace cspy::cli
