// `cspy record`: sample a process until it exits, --duration ends or Ctrl-C, then write
// the profile (flamegraph SVG, folded stacks or speedscope JSON) atomically.
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/core.h>

#include "cspy/cli/commands.h"
#include "cspy/core/clock.h"
#include "exit_codes.h"
#include "options.h"
#include "profile_output.h"
#include "cspy/output/writer.h"
#include "cspy/pipeline/session.h"
#include "cspy/process/target.h"
#include "session_report.h"
#include "stop_signals.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

struct RecordOptions {
  pid_t pid = 0;
  std::string output;
  std::string format;
  pipeline::SessionOptions session;
  output::WriteOptions write;
  bool full_signatures = false;
  bool no_inline = false;
  bool quiet = false;
};

po::options_description record_options(RecordOptions& o) {
  po::options_description d("options");
  d.add_options()
      ("help,h", "show this help")
      ("pid,p", po::value<pid_t>(&o.pid), "PID of a running process to profile")
      ("output,o", po::value<std::string>(&o.output),
       "file to write (format from the extension: .svg, .folded/.txt, .json); '-' for stdout")
      ("format,f", po::value<std::string>(&o.format), "flamegraph, folded or speedscope")
      ("rate,r", po::value<double>(&o.session.rate_hz)->default_value(100), "samples per second per thread")
      ("duration,d", po::value<double>(&o.session.duration_s)->default_value(0),
       "seconds to record (0: until the target exits or Ctrl-C)")
      ("sampler", po::value<pipeline::SamplerKind>(&o.session.sampler)->default_value(pipeline::SamplerKind::kPerfEvent, "perf_event"),
       "perf_event, or ptrace (fallback where perf_event is refused)")
      ("idle", po::bool_switch(&o.session.idle),
       "also sample threads that are off CPU (blocked in a system call): wall-clock time")
      ("threads", po::bool_switch(&o.write.thread_roots), "a root frame per thread")
      ("lines", po::bool_switch(&o.write.lines), "group by source line: file:line in each frame")
      ("full-signatures", po::bool_switch(&o.full_signatures), "keep C++ parameter lists in names")
      ("no-inline", po::bool_switch(&o.no_inline), "no frames for inlined functions (time goes to their caller)")
      ("reverse", po::bool_switch(&o.write.reverse), "flamegraph: icicle graph, callees at the root")
      ("title", po::value<std::string>(&o.write.title), "flamegraph title")
      ("stack-bytes", po::value<std::size_t>(&o.session.stack_bytes)->default_value(16384),
       "bytes of user stack copied per sample (perf_event: at most 65528)")
      ("max-depth", po::value<std::size_t>(&o.session.interpreter.max_depth)->default_value(512),
       "frames per stack before [truncated]")
      ("unwinder", po::value<pipeline::UnwinderKind>(&o.session.interpreter.unwinder)->default_value(pipeline::UnwinderKind::kLibdw, "libdw"),
       "libdw, or libunwind (a second DWARF unwinder, for comparison)")
      ("raw", po::value<std::string>(&o.session.raw_output),
       "also save the raw samples to this file, to render again with `cspy report`")
      ("quiet,q", po::bool_switch(&o.quiet), "no live status line and no summary");
  return d;
}

constexpr const char* kRecordUsage =
    "usage: cspy record [options] (--pid PID | -- program [args...])\n\n"
    "Sample every thread of a process and write where its time goes.\n\n";

std::string default_output(const process::Target& target, output::Format format) {
  const char* ext = format == output::Format::kFlamegraph ? "svg"
                    : format == output::Format::kFolded  ? "folded"
                                                          : "json";
  std::string name = target.process().thread_name(target.pid());
  if (name.empty()) name = "target";
  return fmt::format("cspy-{}-{}.{}", name, target.pid(), ext);
}

// start(), step() until done, finish(); a status line every 250 ms when wanted.
Result<void> run_session(pipeline::Session& session, const aggregate::Profile& profile,
                         bool status_line) {
  auto started = session.start();
  print_fallback_notice(session);
  Result<void> result = started;
  std::uint64_t last_status_ns = 0;
  while (result) {
    auto more = session.step(50);
    if (!more) result = more.error();
    if (!more || !*more) break;
    if (status_line && monotonic_ns() - last_status_ns > 250'000'000ULL) {
      last_status_ns = monotonic_ns();
      print_status_line(session, profile, false);
    }
  }
  session.finish();
  if (status_line && started) print_status_line(session, profile, true);
  return result;
}

}  // namespace

int record_main(const std::vector<std::string>& args, const std::vector<std::string>& command) {
  RecordOptions o;
  po::options_description desc = record_options(o);
  po::variables_map vm;
  if (auto done = parse_options("record", kRecordUsage, args, desc, vm)) return *done;
  if ((o.pid != 0) == !command.empty()) {
    std::fprintf(stderr, "cspy record: give either --pid PID or -- program args (not both)\n");
    return kExitUsage;
  }
  if (o.session.stack_bytes < 512 || o.session.stack_bytes > 65528 || o.session.stack_bytes % 8 != 0) {
    std::fprintf(stderr, "cspy record: --stack-bytes must be a multiple of 8 between 512 and 65528\n");
    return kExitUsage;
  }
  if (o.session.rate_hz <= 0 || o.session.rate_hz > 100000) {
    std::fprintf(stderr, "cspy record: --rate must be between 1 and 100000\n");
    return kExitUsage;
  }
  auto format_choice = choose_format(o.format, o.output);
  if (!format_choice) return report(format_choice.error());
  const output::Format format = *format_choice;

  auto target = command.empty() ? process::Target::attach(o.pid) : process::Target::launch(command);
  if (!target) return report(target.error());
  if (o.output.empty()) o.output = default_output(*target, format);

  aggregate::Profile profile(/*keep_timeline=*/format == output::Format::kSpeedscope);
  o.session.interpreter.lines = o.write.lines;
  o.session.interpreter.full_signatures = o.full_signatures;
  o.session.interpreter.inline_frames = !o.no_inline;
  o.session.stop_requested = stop_requested;
  install_stop_handlers();

  pipeline::Session session(*target, profile, o.session);
  auto ran = run_session(session, profile, !o.quiet && ::isatty(STDERR_FILENO));
  if (!ran) {
    // Whatever was collected before the failure is still written.
    if (profile.counters().samples == 0) return report(ran.error());
    report(ran.error());
  }

  auto written = write_profile_file(o.output, format, profile, o.write);
  if (!written) return report(written.error());
  if (!o.quiet) {
    std::fprintf(stderr, "%s\n", session_summary(session, profile).c_str());
    if (o.output != "-") {
      std::fprintf(stderr, "cspy: wrote %s (%llu samples)\n", o.output.c_str(),
                   static_cast<unsigned long long>(profile.counters().samples));
    }
  }
  if (!ran) return exit_code_for(ran.error());
  if (auto status = target->exit_status()) {
    int code = process::exit_code_of(*status);
    if (!o.quiet && code != 0) std::fprintf(stderr, "cspy: the program exited with status %d\n", code);
    return code;
  }
  return kExitOk;
}

}  // namespace cspy::cli
