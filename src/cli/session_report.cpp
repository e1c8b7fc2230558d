// The status line, the fallback notice and the summary of a capture run.
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
  const auto& c = profile.counters();
  const double t = session.elapsed_s();
  (void)std::fputs(fmt::format("\r\033[Kcspy: {:.1f}s  {} samples ({:.0f}/s)  {} lost  {} errors{}",
                               t, c.samples, per_second(c.samples, t), c.lost, c.unwind_failures,
                               final_line ? "\n" : "")
                       .c_str(),
                   stderr);
  (void)std::fflush(stderr);
}

void print_fallback_notice(const pipeline::Session& session) {
  if (!session.python_problem().empty()) {
    (void)std::fprintf(stderr, "cspy: notice: %s; profiling native frames only\n",
                       session.python_problem().c_str());
  }
  if (session.fallback_reason().empty()) return;
  (void)std::fprintf(stderr, "cspy: notice: %s\n", session.fallback_reason().c_str());
}

std::string session_summary(const pipeline::Session& session, const aggregate::Profile& profile) {
  const auto& c = profile.counters();
  const double t = session.elapsed_s();
  const double fail_pct = c.samples == 0 ? 0.0
                                         : 100.0 * static_cast<double>(c.unwind_failures) /
                                               static_cast<double>(c.samples);
  std::string s = fmt::format(
      "cspy: {} samples in {:.2f} s ({:.1f}/s), {} lost, {:.1f}% unwind failures, {} truncated, "
      "{} threads, sampler {}",
      c.samples, t, per_second(c.samples, t), c.lost, fail_pct, c.truncated, session.threads_seen(),
      session.sampler_name());
  if (session.threads_unsampled() > 0) {
    s += fmt::format("\ncspy: warning: {} threads could not be sampled: {}",
                     session.threads_unsampled(), session.unsampled_reason());
  }
  if (session.target_exited()) s += "\ncspy: the target exited during the recording";
  return s;
}

}  // namespace cspy::cli
