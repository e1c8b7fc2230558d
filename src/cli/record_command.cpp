// `cspy record`: sample a process until it exits, --duration ends or Ctrl-C, then write
// the profile (flamegraph SVG, folded stacks, speedscope JSON or pprof) atomically; with
// --every, one profile per interval (continuous_record.h). A program it started is stopped
// when the recording ends before the program does (unless --keep-running).
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

#include <fmt/core.h>
#include <boost/program_options.hpp>

#include "command.h"
#include "continuous_record.h"
#include "cspy/core/clock.h"
#include "cspy/output/output_file.h"
#include "cspy/output/writer.h"
#include "cspy/pipeline/session.h"
#include "cspy/process/fd_budget.h"
#include "cspy/process/process_tree.h"
#include "cspy/process/target.h"
#include "cspy/sampling/perf_event_source.h"
#include "exit_codes.h"
#include "options.h"
#include "profile_output.h"
#include "session_report.h"
#include "stop_signals.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

// The status line: of the whole run also when intervals have been handed over.
void print_status(const pipeline::Session& session, const aggregate::Profile& profile,
                  const ContinuousOutput* continuous, bool final_line) {
  if (continuous == nullptr) {
    print_status_line(session, profile, final_line);
    return;
  }
  print_status_line(session, continuous->counters_with(profile), profile.info().weights_ns,
                    final_line);
}

// start(), step() until done, finish(); a status line every 250 ms when wanted; with
// `continuous`, the intervals finished handed to it after every step.
Result<void> run_session(pipeline::Session& session, const aggregate::Profile& profile,
                         bool status_line, ContinuousOutput* continuous) {
  auto started = session.start();
  print_fallback_notice(session);
  // A launched interpreter is found, and its state checked, while it is sampled.
  const bool python_told = !session.python_problem().empty();
  Result<void> result = started;
  std::uint64_t last_status_ns = 0;
  while (result) {
    auto more = session.step(50);
    if (!more) result = more.error();
    if (continuous != nullptr) continuous->drain(session);
    if (!more || !*more) break;
    if (status_line && monotonic_ns() - last_status_ns > 250'000'000ULL) {
      last_status_ns = monotonic_ns();
      print_status(session, profile, continuous, false);
    }
  }
  session.finish();
  if (continuous != nullptr) continuous->drain(session);
  if (status_line && started) print_status(session, profile, continuous, true);
  if (!python_told) print_python_notice(session);
  print_warnings(session.take_notices());
  return result;
}

std::string default_output(const process::Target& target, output::Format format) {
  const char* ext = format == output::Format::kFlamegraph ? "svg"
                    : format == output::Format::kFolded   ? "folded"
                    : format == output::Format::kPprof    ? "pb.gz"
                                                          : "json";
  std::string name = target.name();
  if (name.empty()) name = "target";
  return fmt::format("cspy-{}-{}.{}", name, target.pid(), ext);
}

// A launched program's exit status becomes cspy's (0 for --pid).
int exit_code_of_program(process::Target& target, bool quiet) {
  auto status = target.exit_status();
  if (!status) return kExitOk;
  const int code = process::exit_code_of(*status);
  if (!quiet && code != 0)
    (void)std::fprintf(stderr, "cspy: the program exited with status %d\n", code);
  return code;
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGKILL:
      return "SIGKILL";
    default:
      return "a signal";
  }
}

// The end of a recording that ended before the program cspy started: the program is
// stopped (SIGINT, SIGTERM, SIGKILL) and reaped, or with --keep-running left to run on.
void end_launched_program(process::Target& target, bool keep_running, bool quiet) {
  if (!target.launched() || !target.running()) return;
  if (keep_running) {
    if (!quiet) {
      (void)std::fprintf(stderr, "cspy: the program (PID %d) runs on (--keep-running)\n",
                         static_cast<int>(target.pid()));
    }
    return;
  }
  // After Ctrl-C at the terminal, the program has had its SIGINT: no second one.
  const int signal = target.stop(kStopGrace, stop_came_from_terminal());
  if (!quiet && signal != 0) {
    (void)std::fprintf(stderr, "cspy: stopped the program with %s\n", signal_name(signal));
  }
}

class RecordCommand final : public Command {
 public:
  const char* name() const override { return "record"; }
  const char* usage() const override {
    return "usage: cspy record [options] (--pid PID | -- program [args...])\n\n"
           "Sample every thread of a process and write where its time goes.\n\n";
  }

 private:
  std::vector<ShortAlias> short_aliases() const override { return {{"-F", "-r"}}; }

  void describe(po::options_description& d) override {
    d.add_options()("pid,p", po::value<pid_t>(&pid_)->value_name("PID"),
                    "PID of a running process to profile")(
        "output,o", po::value<std::string>(&output_)->value_name("FILE"),
        "file to write (format from the extension: .svg, .folded/.txt, .json, .pb.gz/.pprof); '-' "
        "for stdout "
        "(a program cspy starts then writes its stdout to stderr)")(
        "format,f",
        po::value<output::Format>()->value_name("FORMAT")->notifier(
            [this](output::Format f) { format_ = f; }),
        "flamegraph, folded, speedscope or pprof (raw: folded, as py-spy calls it)")(
        "rate,r", po::value<double>(&session_.rate_hz)->default_value(100)->value_name("HZ"),
        "samples per second per thread; -F HZ is the same, as in perf")(
        "duration,d", po::value<double>(&session_.duration_s)->default_value(0)->value_name("S"),
        "seconds to record (0: until the target exits or Ctrl-C)")(
        "threads", po::bool_switch(&write_.thread_roots), "a root frame per thread")(
        "lines", po::bool_switch(&write_.lines), "group by source line: file:line in each frame")(
        "full-signatures", po::bool_switch(&session_.interpreter.full_signatures),
        "keep C++ parameter lists in names")(
        "no-inline", po::bool_switch(&no_inline_),
        "no frames for inlined functions (time goes to their caller)")(
        "reverse", po::bool_switch(&write_.reverse),
        "flamegraph: icicle graph, callees at the root")(
        "title", po::value<std::string>(&write_.title)->value_name("TEXT"), "flamegraph title")(
        "stack-bytes",
        po::value<std::size_t>(&session_.stack_bytes)->default_value(16384)->value_name("N"),
        "bytes of user stack copied per sample (perf_event: at most 65528)")(
        "max-depth",
        po::value<std::size_t>(&session_.interpreter.max_depth)
            ->default_value(512)
            ->value_name("N"),
        "frames per stack before [truncated]")(
        "unwinder",
        po::value<pipeline::UnwinderKind>(&session_.interpreter.unwinder)
            ->default_value(pipeline::UnwinderKind::kLibdw, "libdw")
            ->value_name("UNWINDER"),
        "libdw, or libunwind (a second DWARF unwinder, for comparison)")(
        "raw", po::value<std::string>(&session_.raw_output)->value_name("FILE"),
        "also save the raw samples to this file, to render again with `cspy report`")(
        "nonblocking", po::bool_switch(&nonblocking_),
        "py-spy's option, accepted: the perf_event sampler never stops the target")(
        "native", po::bool_switch(&native_),
        "py-spy's option, accepted: native frames are shown unless --python-only")(
        "nolineno", po::bool_switch(&nolineno_),
        "py-spy's option, accepted: frames are functions unless --lines (the default)")(
        "keep-running", po::bool_switch(&keep_running_),
        "leave a program cspy started running when the recording ends first (by default it "
        "gets SIGINT, SIGTERM 1 s later, SIGKILL 1 s after that)")(
        "quiet,q", po::bool_switch(&quiet_), "no live status line and no summary");
    add_continuous_options(d, continuous_);
    add_off_cpu_options(d, session_);
    add_sampler_option(d, session_.sampler);
    add_subprocesses_option(d, session_.subprocesses);
    add_python_options(d, python_);
    add_debug_dir_option(d, session_.interpreter.debug_dirs);
    add_gil_option(d, python_);
  }

  // The checks Boost cannot make; a message when the options do not go together.
  std::optional<std::string> invalid(const std::vector<std::string>& program) const {
    if ((pid_ != 0) == !program.empty())
      return "give either --pid PID or -- program args (not both)";
    if (keep_running_ && program.empty()) return "--keep-running is for a program cspy starts";
    if (nolineno_ && write_.lines) return "--nolineno and --lines contradict each other";
    if (native_ && python_.only) return "--native and --python-only contradict each other";
    if (nonblocking_ && session_.sampler == pipeline::SamplerKind::kPtrace)
      return "--nonblocking and --sampler ptrace contradict each other (ptrace stops threads)";
    if (auto bad = subprocesses_invalid(session_.subprocesses, session_.sampler)) return bad;
    const std::size_t bytes = session_.stack_bytes;
    if (bytes < 512 || bytes > 65528 || bytes % 8 != 0) {
      return "--stack-bytes must be a multiple of 8 between 512 and 65528";
    }
    if (session_.rate_hz <= 0 || session_.rate_hz > 100000) {
      return "--rate must be between 1 and 100000";
    }
    if (auto bad = continuous_invalid(continuous_)) return bad;
    if (continuous_.enabled() && output_ == "-") {
      return "--every writes a file per interval: give -o DIR/ (or -o DIR/NAME.EXT)";
    }
    return python_.invalid();
  }

  // -o and --raw can be written (exit code 6 when not); ContinuousOutput checks -o DIR.
  Result<void> check_outputs() const {
    const std::string output = continuous_.enabled() ? std::string() : output_;
    for (const std::string& path : {output, session_.raw_output}) {
      if (path.empty() || path == "-") continue;
      if (auto ok = output::check_writable(path); !ok) return ok.error();
    }
    return {};
  }

  int run(const std::vector<std::string>& program) override {
    // First: a SIGINT/SIGTERM/SIGHUP during the start-up ends the recording as one later
    // does (a valid, maybe empty, profile), instead of killing cspy with nothing said.
    install_stop_handlers();
    if (auto message = invalid(program)) return usage_error(*message);
    if (nonblocking_) {
      (void)std::fputs(
          "cspy: --nonblocking: nothing to do, the perf_event sampler never stops the target\n",
          stderr);
    }
    // Continuous recording writes pprof unless -f or -o DIR/NAME.EXT says otherwise.
    const bool named_file =
        !output_.empty() && output_.back() != '/' && output::format_from_path(output_).has_value();
    auto format = continuous_.enabled() && !format_ && !named_file
                      ? Result<output::Format>(output::Format::kPprof)
                      : choose_format(format_, output_);
    if (!format) return report(format.error());
    // With the profile on stdout, the program's output goes to stderr.
    auto target = program.empty()
                      ? process::Target::attach(pid_)
                      : process::Target::launch(program, {.stdout_to_stderr = output_ == "-"});
    if (!target) return report(target.error());
    if (output_.empty() && !continuous_.enabled()) output_ = default_output(*target, *format);
    // Before any sampling: a recording that could not be written is not started.
    if (auto writable = check_outputs(); !writable) return report(writable.error());
    // perf_event descriptors for each thread: `ulimit -n` is checked (and raised) first.
    if (session_.sampler == pipeline::SamplerKind::kPerfEvent) {
      auto fds = process::ensure_fd_budget(target->process().threads().size(),
                                           sampling::perf_event_fds_per_thread(session_.idle));
      if (!fds) return report(fds.error());
    }

    aggregate::Profile profile(/*keep_timeline=*/*format == output::Format::kSpeedscope);
    session_.interpreter.lines = write_.lines;
    session_.interpreter.inline_frames = !no_inline_;
    python_.apply(session_.interpreter);
    session_.stop_requested = stop_requested;
    std::unique_ptr<ContinuousOutput> continuous;
    if (continuous_.enabled()) {
      session_.interval_ns = *parse_every(continuous_.every);
      auto started =
          ContinuousOutput::start(continuous_, output_, *format, write_, *target, session_.rate_hz);
      if (!started) return report(started.error());
      continuous = std::move(*started);
    }
    pipeline::Session session(*target, profile, session_);
    auto ran = run_session(session, profile, !quiet_ && ::isatty(STDERR_FILENO), continuous.get());
    if (continuous) {
      return end_continuous(session, profile, *target, *continuous, ran, program_ended_of(session));
    }
    const bool program_ended = program_ended_of(session);
    RunFigures figures = run_figures(session, profile, session_);
    if (figures.counters.samples == 0) {
      figures.child_processes = process::group_descendants(target->pid()).size();
    }
    end_launched_program(*target, keep_running_, quiet_);
    if (!ran) {
      // Whatever was collected before the failure is still written.
      if (profile.counters().samples == 0) return report(ran.error());
      report(ran.error());
    }
    auto written = write_profile_file(output_, *format, profile, write_);
    if (!written) return report(written.error());
    if (const auto& raw_error = session.raw_file_error()) return report(*raw_error);
    if (!quiet_) {
      print_not_python_notice(session, python_.only);
      (void)std::fprintf(stderr, "%s\n", session_summary(session, profile, session_).c_str());
      if (output_ != "-") {
        if (profile.info().weights_ns) {  // --idle: weights are nanoseconds
          (void)std::fprintf(stderr, "cspy: wrote %s (%.2f s, weights in nanoseconds)\n",
                             output_.c_str(),
                             static_cast<double>(profile.counters().samples) / 1e9);
        } else {
          (void)std::fprintf(stderr, "cspy: wrote %s (%llu samples)\n", output_.c_str(),
                             static_cast<unsigned long long>(profile.counters().samples));
        }
      }
    }
    // Also with --quiet: an empty profile needs its reason.
    const std::string hint = no_samples_hint(figures);
    if (!hint.empty()) (void)std::fprintf(stderr, "%s\n", hint.c_str());
    if (!ran) return exit_code_for(ran.error());
    // A program cspy stopped, or left running, does not make the recording fail.
    return program_ended ? exit_code_of_program(*target, quiet_) : kExitOk;
  }

  // The program's own exit ended the recording (not --duration, a signal or an error).
  static bool program_ended_of(const pipeline::Session& session) {
    return session.target_exited() && !stop_requested();
  }

  // The end of a continuous recording: the last files written, uploads given a few
  // seconds, the summary of all intervals.
  int end_continuous(pipeline::Session& session, const aggregate::Profile& profile,
                     process::Target& target, ContinuousOutput& continuous, const Result<void>& ran,
                     bool program_ended) {
    end_launched_program(target, keep_running_, quiet_);
    const aggregate::Counters totals = continuous.finish(quiet_, session.max_cut_s());
    if (!ran) report(ran.error());
    if (const auto& error = continuous.error()) return report(*error);
    if (const auto& raw_error = session.raw_file_error()) return report(*raw_error);
    RunFigures figures = run_figures(session, profile, session_);
    figures.counters = totals;
    if (!quiet_) (void)std::fprintf(stderr, "%s\n", session_summary(session, figures).c_str());
    if (session.late_samples() > 0 && !quiet_) {
      (void)std::fprintf(stderr, "cspy: %llu samples were read after their interval was written\n",
                         static_cast<unsigned long long>(session.late_samples()));
    }
    const std::string hint = no_samples_hint(figures);
    if (!hint.empty()) (void)std::fprintf(stderr, "%s\n", hint.c_str());
    if (!ran) return exit_code_for(ran.error());
    return program_ended ? exit_code_of_program(target, quiet_) : kExitOk;
  }

  pid_t pid_ = 0;
  std::string output_;
  ContinuousOptions continuous_;
  std::optional<output::Format> format_;
  pipeline::SessionOptions session_;
  output::WriteOptions write_;
  PythonOptions python_;
  bool no_inline_ = false;
  bool keep_running_ = false;
  bool nonblocking_ = false;  // py-spy's options, accepted with no effect
  bool native_ = false;
  bool nolineno_ = false;
  bool quiet_ = false;
};

}  // namespace

std::unique_ptr<Command> make_record_command() { return std::make_unique<RecordCommand>(); }

}  // namespace cspy::cli
