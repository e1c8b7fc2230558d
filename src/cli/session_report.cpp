// The status line, the fallback notice, the summary and the no-samples hint of a capture
// run.
#include "session_report.h"

#include <cstdio>

#include <fmt/core.h>

namespace cspy::cli {

namespace {
double per_second(std::uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}
}  // namespace

void print_status_line(const pipeline::Session& session, const aggregate::Profile& profile,
                       bool final_line) {
  print_status_line(session, profile.counters(), profile.info().weights_ns, final_line);
}

void print_status_line(const pipeline::Session& session, const aggregate::Counters& c,
                       bool weights_ns, bool final_line) {
  const double t = session.elapsed_s();
  if (weights_ns) {  // --idle: the counters are nanoseconds
    (void)std::fputs(
        fmt::format("\r\033[Kcspy: {:.1f}s  {:.2f}s of thread time  {} lost{}", t,
                    static_cast<double>(c.samples) / 1e9, c.lost, final_line ? "\n" : "")
            .c_str(),
        stderr);
    (void)std::fflush(stderr);
    return;
  }
  (void)std::fputs(fmt::format("\r\033[Kcspy: {:.1f}s  {} samples ({:.0f}/s)  {} lost  {} errors{}",
                               t, c.samples, per_second(c.samples, t), c.lost, c.unwind_failures,
                               final_line ? "\n" : "")
                       .c_str(),
                   stderr);
  (void)std::fflush(stderr);
}

void print_python_notice(const pipeline::Session& session) {
  if (session.python_problem().empty()) return;
  (void)std::fprintf(stderr, "cspy: notice: %s; profiling native frames only\n",
                     session.python_problem().c_str());
}

void print_fallback_notice(const pipeline::Session& session) {
  print_python_notice(session);
  if (session.fallback_reason().empty()) return;
  (void)std::fprintf(stderr, "cspy: notice: %s\n", session.fallback_reason().c_str());
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings)
    (void)std::fprintf(stderr, "cspy: warning: %s\n", w.c_str());
}

RunFigures run_figures(const pipeline::Session& session, const aggregate::Profile& profile,
                       const pipeline::SessionOptions& options) {
  return RunFigures{.counters = profile.counters(),
                    .seconds = session.elapsed_s(),
                    .threads = session.threads_seen(),
                    .sampler = session.sampler_name(),
                    .rate_hz = options.rate_hz,
                    .idle = options.idle};
}

std::string summary_line(const RunFigures& figures) {
  const auto& c = figures.counters;
  auto pct = [&](std::uint64_t n) {
    return c.samples == 0 ? 0.0 : 100.0 * static_cast<double>(n) / static_cast<double>(c.samples);
  };
  const double fail_pct = pct(c.unwind_failures);
  // Stacks that ended inside JIT code (a JIT without frame pointers): said apart.
  const std::string in_jit =
      c.unwind_failures_in_jit == 0
          ? std::string()
          : fmt::format(" ({:.1f}% in JIT code)", pct(c.unwind_failures_in_jit));
  const double per_thread = figures.threads == 0 ? 0.0
                                                 : per_second(c.samples, figures.seconds) /
                                                       static_cast<double>(figures.threads);
  if (figures.idle) {  // the counters are nanoseconds
    return fmt::format(
        "cspy: {:.2f} s of thread time ({:.2f} s off CPU) in {:.2f} s ({} thread{}), {} lost, "
        "{:.1f}% unwind failures{}, {} truncated, sampler {}",
        static_cast<double>(c.samples) / 1e9, static_cast<double>(c.idle) / 1e9, figures.seconds,
        figures.threads, figures.threads == 1 ? "" : "s", c.lost, fail_pct, in_jit, c.truncated,
        figures.sampler);
  }
  return fmt::format(
      "cspy: {} samples in {:.2f} s ({:.1f}/s per thread, {} thread{}), {} lost, {:.1f}% unwind "
      "failures{}, {} truncated, sampler {}",
      c.samples, figures.seconds, per_thread, figures.threads, figures.threads == 1 ? "" : "s",
      c.lost, fail_pct, in_jit, c.truncated, figures.sampler);
}

std::string no_samples_hint(const RunFigures& figures) {
  if (figures.counters.samples > 0) return "";
  if (figures.rate_hz > 0 && figures.seconds < 2.0 / figures.rate_hz) {
    return fmt::format(
        "cspy: hint: no samples: the recording lasted {:.3f} s, less than two sampling "
        "intervals at {:g} Hz; a higher --rate samples more often",
        figures.seconds, figures.rate_hz);
  }
  if (figures.child_processes > 0) {
    return fmt::format(
        "cspy: hint: no samples: the target was not on a CPU while it was recorded; it has {} "
        "child process{}, which cspy does not sample: profile that program itself (`exec` it "
        "from a shell command, or give its --pid){}",
        figures.child_processes, figures.child_processes == 1 ? "" : "es",
        figures.idle ? "" : ", or add --idle to sample the target off the CPU too");
  }
  if (figures.idle) return "";
  return "cspy: hint: no samples: the target did not run on a CPU while it was recorded (it was "
         "idle, sleeping or blocked); add --idle to sample threads off the CPU too (wall-clock "
         "time)";
}

void print_not_python_notice(const pipeline::Session& session, bool python_only) {
  if (!python_only || session.python_found() || !session.python_problem().empty()) return;
  (void)std::fprintf(stderr,
                     "cspy: notice: --python-only, but the target is not a CPython 3.8-3.13 "
                     "process (no _PyRuntime in its executable or a libpython): native frames "
                     "are shown\n");
}

std::string session_summary(const pipeline::Session& session, const aggregate::Profile& profile,
                            const pipeline::SessionOptions& options) {
  return session_summary(session, run_figures(session, profile, options));
}

std::string session_summary(const pipeline::Session& session, const RunFigures& figures) {
  std::string s = summary_line(figures);
  if (session.threads_unsampled() > 0) {
    s += fmt::format("\ncspy: warning: {} threads could not be sampled: {}",
                     session.threads_unsampled(), session.unsampled_reason());
  }
  if (const std::string why = session.lost_reason(); !why.empty()) {
    s += fmt::format("\ncspy: warning: {}", why);
  }
  if (session.target_exited()) s += "\ncspy: the target exited during the recording";
  return s;
}

}  // namespace cspy::cli
