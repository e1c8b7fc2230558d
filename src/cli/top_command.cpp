// `cspy top`: a live view of where a process spends its time, like py-spy top. Sampling
// runs between screen refreshes (pipeline::Session::step), the ui::TopModel turns the
// Profile into rows and ui::TopScreen paints them. A program started by top is stopped
// when top quits (SIGINT, SIGTERM, SIGKILL: process::Target::stop); a --pid target is
// left running. S writes what was collected so far (profile_output.h), sampling goes on.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>

#include <fmt/core.h>
#include <boost/program_options.hpp>

#include "command.h"
#include "cspy/pipeline/session.h"
#include "cspy/process/fd_budget.h"
#include "cspy/process/target.h"
#include "cspy/sampling/perf_event_source.h"
#include "cspy/ui/top_model.h"
#include "cspy/ui/top_screen.h"
#include "exit_codes.h"
#include "options.h"
#include "profile_output.h"
#include "session_report.h"
#include "stop_signals.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

// Everything the live loop works on.
struct Live {
  process::Target& target;
  aggregate::Profile& profile;
  pipeline::Session& session;
  ui::TopModel model;
  double counting_since_s = 0;  // session time of the last reset
  bool sampling = true;
  std::string save_path;  // --save FILE; empty: cspy-NAME-PID-TIME.svg
};

// cspy-NAME-PID-TIME.svg: the target's name (letters, digits, '.', '-', '_' kept) and the
// local time, so that each S writes a new file in the current directory.
std::string default_save_name(const process::Target& target) {
  std::string name = target.process().thread_name(target.pid());
  for (char& c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_';
    if (!keep) c = '_';
  }
  if (name.empty()) name = "target";
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  (void)std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return fmt::format("cspy-{}-{}-{}.svg", name, target.pid(), stamp);
}

// S: the profile so far into the file, its format from the extension; the state line says
// where, or why not.
Result<std::string> write_so_far(Live& live) {
  std::string path = live.save_path.empty() ? default_save_name(live.target) : live.save_path;
  auto format = choose_format(std::nullopt, path);
  if (!format) return format.error();
  output::WriteOptions options;
  options.title = "cspy top: " + live.target.command_line();
  auto written = write_profile_file(path, *format, live.profile, options);
  if (!written) return written.error();
  return path;
}

void save_profile(Live& live) {
  auto saved = write_so_far(live);
  live.model.set_notice(saved ? "saved " + *saved : "not saved: " + saved.error().message());
}

ui::TargetStatus status_of(Live& live) {
  return ui::TargetStatus{.command = live.target.command_line(),
                          .pid = live.target.pid(),
                          .elapsed_s = live.session.elapsed_s() - live.counting_since_s,
                          .threads = live.session.threads_seen(),
                          .exited = !live.sampling};
}

// Applies one key; false when the user quits.
bool apply_key(Live& live, int key) {
  if (key == ui::kKeyResize) return true;  // draw again at the new size, keep the help open
  switch (live.model.handle_key(key)) {
    case ui::KeyAction::kQuit:
      return false;
    case ui::KeyAction::kReset:
      live.profile.reset_counts();
      live.counting_since_s = live.session.elapsed_s();
      live.model.refresh(live.profile, status_of(live), /*force=*/true);
      return true;
    case ui::KeyAction::kRefresh:
      live.model.refresh(live.profile, status_of(live), /*force=*/true);
      return true;
    case ui::KeyAction::kSave:
      save_profile(live);
      return true;
    case ui::KeyAction::kRedraw:
    case ui::KeyAction::kNone:
      return true;
  }
  return true;
}

// Samples for one slice of time; records the target's exit. False when the loop must end.
Result<bool> sample_slice(Live& live, ui::TopScreen& screen) {
  if (!live.sampling) {
    return !stop_requested();
  }
  auto more = live.session.step(40);
  if (!more) return more.error();
  if (*more) return true;
  if (!live.session.target_exited()) return false;  // Ctrl-C, SIGTERM, SIGHUP
  live.session.finish();
  live.sampling = false;
  live.model.refresh(live.profile, status_of(live), /*force=*/true);
  screen.repaint_all();  // the program may have printed on the terminal as it ended
  return true;
}

Result<void> run_screen(Live& live, double delay_s) {
  auto opened = ui::TopScreen::open();
  if (!opened) return opened.error();
  ui::TopScreen& screen = *opened;
  if (!screen.utf8()) live.model.set_ellipsis("~");
  using Clock = std::chrono::steady_clock;
  const auto delay =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay_s));
  auto next_refresh = Clock::now();
  bool dirty = true;
  while (true) {
    const bool was_sampling = live.sampling;
    auto more = sample_slice(live, screen);
    if (!more) return more.error();
    if (!*more) return {};
    dirty |= was_sampling != live.sampling;
    for (int key = screen.read_key(live.sampling ? 0 : 50); key != ui::kNoKey;
         key = screen.read_key(0)) {
      if (!apply_key(live, key)) return {};
      dirty = true;
    }
    if (Clock::now() >= next_refresh) {
      live.model.refresh(live.profile, status_of(live));
      next_refresh = Clock::now() + delay;
      dirty = true;
    }
    if (dirty) {
      screen.draw(live.model.render(screen.width(), screen.height()));
      dirty = false;
    }
  }
}

class TopCommand final : public Command {
 public:
  const char* name() const override { return "top"; }
  const char* usage() const override {
    return "usage: cspy top [options] (--pid PID | -- program [args...])\n\n"
           "Show live which functions a process spends its time in, hottest first.\n"
           "Keys: 1-4 sort by column, L by line/function, T next thread, P pause, R reset,\n"
           "S save a flamegraph, ? help, q quit. A program started by top is stopped when\n"
           "top quits.\n\n";
  }

 private:
  std::vector<ShortAlias> short_aliases() const override { return {{"-F", "-r"}}; }

  void describe(po::options_description& d) override {
    d.add_options()("pid,p", po::value<pid_t>(&pid_)->value_name("PID"),
                    "PID of a running process to watch")(
        "rate,r", po::value<double>(&session_.rate_hz)->default_value(100)->value_name("HZ"),
        "samples per second per thread; -F HZ is the same, as in perf")(
        "delay,d", po::value<double>(&delay_s_)->default_value(1)->value_name("S"),
        "seconds between screen refreshes")(
        "save", po::value<std::string>(&save_path_)->value_name("FILE"),
        "the file the S key writes, its format from its extension (.svg, .folded, "
        ".speedscope.json, .pb.gz); default cspy-NAME-PID-TIME.svg in the current directory")(
        "full-signatures", po::bool_switch(&session_.interpreter.full_signatures),
        "keep C++ parameter lists in names");
    add_off_cpu_options(d, session_);
    add_sampler_option(d, session_.sampler);
    add_subprocesses_option(d, session_.subprocesses);
    add_python_options(d, python_);
    add_debug_dir_option(d, session_.interpreter.debug_dirs);
    add_gil_option(d, python_);
  }

  std::optional<std::string> invalid(const std::vector<std::string>& program) const {
    if ((pid_ != 0) == !program.empty())
      return "give either --pid PID or -- program args (not both)";
    if (session_.rate_hz <= 0 || session_.rate_hz > 100000)
      return "--rate must be between 1 and 100000";
    if (!(delay_s_ >= 0.05 && delay_s_ <= 3600))
      return "--delay must be between 0.05 and 3600 seconds";
    if (auto bad = subprocesses_invalid(session_.subprocesses, session_.sampler)) return bad;
    return python_.invalid();
  }

  int run(const std::vector<std::string>& program) override {
    if (auto message = invalid(program)) return usage_error(*message);
    if (!::isatty(STDOUT_FILENO)) {
      (void)std::fprintf(stderr,
                         "cspy top: needs a terminal (stdout is not one); "
                         "use `cspy record` or `cspy dump` to write to a file or a pipe\n");
      return kExitUsage;
    }
    install_stop_handlers();
    auto target =
        program.empty() ? process::Target::attach(pid_) : process::Target::launch(program);
    if (!target) return report(target.error());
    // perf_event descriptors for each thread: `ulimit -n` is checked (and raised) first.
    if (session_.sampler == pipeline::SamplerKind::kPerfEvent) {
      auto fds = process::ensure_fd_budget(target->process().threads().size(),
                                           sampling::perf_event_fds_per_thread(session_.idle));
      if (!fds) return report(fds.error());
    }
    aggregate::Profile profile;
    session_.interpreter.lines = true;  // grouping by line or function happens in the view
    python_.apply(session_.interpreter);
    session_.stop_requested = stop_requested;
    pipeline::Session session(*target, profile, session_);
    auto started = session.start();
    print_fallback_notice(session);
    if (!started) return report(started.error());

    Live live{.target = *target,
              .profile = profile,
              .session = session,
              .model = ui::TopModel(session_.rate_hz),
              .save_path = save_path_};
    Result<void> shown = run_screen(live, delay_s_);  // the screen is closed when this returns
    session.finish();
    print_warnings(session.take_notices());
    target->stop(kStopGrace, stop_came_from_terminal());  // a program top started ends with it
    if (!shown) return report(shown.error());
    return kExitOk;
  }

  pid_t pid_ = 0;
  double delay_s_ = 1;
  std::string save_path_;
  pipeline::SessionOptions session_;
  PythonOptions python_;
};

}  // namespace

std::unique_ptr<Command> make_top_command() { return std::make_unique<TopCommand>(); }

}  // namespace cspy::cli
