// What the user sees of a capture run: the live one-line status on stderr while it runs,
// the notice when another sampler had to be used, the closing summary, and a hint when a
// recording took no sample. The texts are made from RunFigures by pure functions (tested
// alone); the session_* functions read the figures from a Session and its Profile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"
#include "cspy/pipeline/session.h"

namespace cspy::cli {

// The figures of one run that the summary and the hint are made of.
struct RunFigures {
  aggregate::Counters counters;
  double seconds = 0;
  std::size_t threads = 0;  // threads seen (sampled or not)
  std::string sampler;      // "perf_event", "ptrace"
  double rate_hz = 0;       // asked for, per thread
  bool idle = false;        // --idle, --off-cpu: the counters are nanoseconds
  // Processes the target started, still there at the end (counted only without samples).
  std::size_t child_processes = 0;
};

RunFigures run_figures(const pipeline::Session& session, const aggregate::Profile& profile,
                       const pipeline::SessionOptions& options);

// "cspy: 812 samples in 8.12 s (100.0/s per thread, 1 thread), 0 lost, ..., sampler
// perf_event": one line.
std::string summary_line(const RunFigures& figures);

// Why a run took no sample and what to do ("" when it took some): the recording was shorter
// than two sampling intervals (raise --rate), or the threads were off the CPU (use --idle),
// maybe waiting for a child process, which cspy does not sample (profile that one).
std::string no_samples_hint(const RunFigures& figures);

// The summary line and its warnings (threads not sampled, the target's exit), several lines.
std::string session_summary(const pipeline::Session& session, const aggregate::Profile& profile,
                            const pipeline::SessionOptions& options);
// The same from figures already gathered (continuous recording: the sum of its intervals).
std::string session_summary(const pipeline::Session& session, const RunFigures& figures);

// Rewrites the status line in place; `final_line` ends it with a newline.
void print_status_line(const pipeline::Session& session, const aggregate::Profile& profile,
                       bool final_line);
// The same with counters of its own (continuous recording: the intervals handed over and
// the open one); `weights_ns`: they are nanoseconds (--idle).
void print_status_line(const pipeline::Session& session, const aggregate::Counters& counters,
                       bool weights_ns, bool final_line);

// The notice that a CPython target's frames cannot be read, if they cannot.
void print_python_notice(const pipeline::Session& session);
// Prints the Python notice, and the fallback notice if start() had to fall back to
// another sampler.
void print_fallback_notice(const pipeline::Session& session);
// One "cspy: warning:" line each (files that could not be used to name frames).
void print_warnings(const std::vector<std::string>& warnings);
// With --python-only, a target found not to be CPython: one notice (native frames shown).
void print_not_python_notice(const pipeline::Session& session, bool python_only);

}  // namespace cspy::cli
