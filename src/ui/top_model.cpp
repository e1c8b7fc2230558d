// TopModel: snapshots, keys and the text of the top screen.
#include "cspy/ui/top_model.h"

#include <algorithm>

#include <fmt/core.h>

#include "cspy/output/escape.h"
#include "cspy/ui/text_format.h"

namespace cspy::ui {

namespace {

constexpr int kCtrlC = 3;  // a key only in raw mode; in cbreak mode it is SIGINT

// "%Own  %Total  OwnTime  TotalTime  Function (file:line)", right-aligned numbers.
constexpr const char* kColumnsFormat = "{:>6} {:>7} {:>9} {:>10}  {}";
constexpr std::size_t kNumbersWidth = 6 + 1 + 7 + 1 + 9 + 1 + 10 + 2;
// With times off CPU (--idle): %Off, the share of the row's total spent off CPU.
constexpr const char* kOffColumnsFormat = "{:>6} {:>7} {:>9} {:>10} {:>6}  {}";
constexpr std::size_t kOffNumbersWidth = kNumbersWidth + 7;

const char* sort_name(SortColumn c) {
  switch (c) {
    case SortColumn::kOwnPercent:
      return "%Own";
    case SortColumn::kTotalPercent:
      return "%Total";
    case SortColumn::kOwnTime:
      return "OwnTime";
    case SortColumn::kTotalTime:
      return "TotalTime";
  }
  return "?";
}

// Every line reaches the terminal through here: names from the target (its command line,
// thread, process and function names, file paths) are shown with their control characters
// escaped, so that none moves the cursor, clears the screen or starts a new line.
ScreenLine line(const std::string& text, LineStyle style, int width) {
  return ScreenLine{
      clip_to_width(output::terminal_escape(text), static_cast<std::size_t>(std::max(width, 0))),
      style};
}

}  // namespace

void TopModel::refresh(const aggregate::Profile& profile, const TargetStatus& status, bool force) {
  if (state_.paused && !force) return;
  stats_ = compute_function_stats(
      profile,
      StatsQuery{.grouping = state_.grouping, .thread = state_.thread, .process = state_.process});
  sort_rows(stats_.rows, state_.sort);
  threads_.clear();
  for (const auto& [tid, info] : profile.threads())
    threads_.push_back(ThreadLabel{tid, info.name, info.pid});
  processes_.clear();
  if (profile.info().process_roots) {
    for (const auto& [pid, info] : profile.processes())
      processes_.push_back(ProcessLabel{pid, info.name});
  }
  counters_ = profile.counters();
  status_ = status;
  weights_ns_ = profile.info().weights_ns;
}

// All threads, then each (of the process shown, when one is), then all again.
void TopModel::next_thread() {
  const pid_t after = state_.thread.value_or(0);
  auto next = std::find_if(threads_.begin(), threads_.end(), [&](const ThreadLabel& t) {
    return t.tid > after && (!state_.process || t.pid == *state_.process);
  });
  state_.thread = next == threads_.end() ? std::nullopt : std::optional<pid_t>(next->tid);
}

// All processes, then each in PID order, then all again. A thread chosen in another
// process is let go.
void TopModel::next_process() {
  if (!state_.process) {
    if (!processes_.empty()) state_.process = processes_.front().pid;
  } else {
    auto next = std::find_if(processes_.begin(), processes_.end(),
                             [this](const ProcessLabel& p) { return p.pid > *state_.process; });
    state_.process = next == processes_.end() ? std::nullopt : std::optional<pid_t>(next->pid);
  }
  if (state_.thread && state_.process) {
    auto t = std::find_if(threads_.begin(), threads_.end(),
                          [this](const ThreadLabel& l) { return l.tid == *state_.thread; });
    if (t == threads_.end() || t->pid != *state_.process) state_.thread.reset();
  }
}

KeyAction TopModel::handle_key(int key) {
  if (key == 'q' || key == 'Q' || key == kCtrlC) return KeyAction::kQuit;
  if (state_.help) {
    state_.help = false;  // any other key closes the help
    return KeyAction::kRedraw;
  }
  switch (key) {
    case '1':
    case '2':
    case '3':
    case '4':
      state_.sort = static_cast<SortColumn>(key - '1');
      sort_rows(stats_.rows, state_.sort);
      return KeyAction::kRedraw;
    case 'l':
    case 'L':
      state_.grouping =
          state_.grouping == Grouping::kFunction ? Grouping::kLine : Grouping::kFunction;
      return KeyAction::kRefresh;
    case 't':
    case 'T':
      next_thread();
      return KeyAction::kRefresh;
    case 'o':
    case 'O':
      next_process();
      return KeyAction::kRefresh;
    case 'p':
    case 'P':
      state_.paused = !state_.paused;
      return state_.paused ? KeyAction::kRedraw : KeyAction::kRefresh;
    case 'r':
    case 'R':
      return KeyAction::kReset;
    case 's':
    case 'S':
      return KeyAction::kSave;
    case '?':
    case 'h':
    case 'H':
      state_.help = true;
      return KeyAction::kRedraw;
    default:
      return KeyAction::kNone;
  }
}

std::string TopModel::thread_label(std::optional<pid_t> tid) const {
  if (!tid) return "all";
  auto it = std::find_if(threads_.begin(), threads_.end(),
                         [&](const ThreadLabel& t) { return t.tid == *tid; });
  if (it == threads_.end() || it->name.empty()) return fmt::format("{}", *tid);
  return fmt::format("{} ({})", *tid, it->name);
}

std::string TopModel::process_label(std::optional<pid_t> pid) const {
  if (!pid) return "all";
  auto it = std::find_if(processes_.begin(), processes_.end(),
                         [&](const ProcessLabel& p) { return p.pid == *pid; });
  if (it == processes_.end() || it->name.empty()) return fmt::format("{}", *pid);
  return fmt::format("{} ({})", *pid, it->name);
}

std::string TopModel::state_line() const {
  std::string s = fmt::format("sorted by {}  grouped by {}  thread: {}", sort_name(state_.sort),
                              state_.grouping == Grouping::kLine ? "line" : "function",
                              thread_label(state_.thread));
  if (!processes_.empty()) s += "  process: " + process_label(state_.process);
  if (state_.paused) s += "  PAUSED";
  return s;
}

std::vector<ScreenLine> TopModel::header_lines(int width) const {
  std::vector<ScreenLine> lines;
  lines.push_back(line(fmt::format("cspy top  PID {}: {}", status_.pid, status_.command),
                       LineStyle::kTitle, width));
  double rate =
      status_.elapsed_s > 0 ? static_cast<double>(counters_.samples) / status_.elapsed_s : 0.0;
  std::string info = fmt::format("Elapsed {:.1f}s  Samples {}  Rate {:.0f}/s  Threads {}",
                                 status_.elapsed_s, counters_.samples, rate, status_.threads);
  if (weights_ns_) {  // the counters are nanoseconds
    info = fmt::format("Elapsed {:.1f}s  Time {:.2f}s  Threads {}", status_.elapsed_s,
                       static_cast<double>(counters_.samples) / 1e9, status_.threads);
  }
  if (counters_.idle > 0 && counters_.samples > 0) {
    double idle =
        100.0 * static_cast<double>(counters_.idle) / static_cast<double>(counters_.samples);
    info += fmt::format("  On CPU {:.0f}%  Off CPU {:.0f}%", 100.0 - idle, idle);
  }
  if (counters_.lost > 0) info += fmt::format("  Lost {}", counters_.lost);
  if (counters_.unwind_failures > 0)
    info += fmt::format("  Unwind errors {}", counters_.unwind_failures);
  lines.push_back(line(info, LineStyle::kInfo, width));
  if (status_.exited) {
    lines.push_back(
        line(fmt::format("process {} exited; showing the last figures, q to quit", status_.pid),
             LineStyle::kAlert, width));
  }
  lines.push_back(line(state_line() + "    " + (notice_.empty() ? "? for help" : notice_),
                       LineStyle::kState, width));
  lines.push_back(line("", LineStyle::kInfo, width));
  return lines;
}

std::vector<ScreenLine> TopModel::help_lines(int width) const {
  static constexpr const char* kHelp[] = {
      "Keys",
      "  1  sort by %Own         2  sort by %Total",
      "  3  sort by OwnTime      4  sort by TotalTime",
      "  L  group by line / by function",
      "  T  next thread (all, then each thread, then all again)",
      "  O  next process, with --subprocesses (all, then each, then all again)",
      "  P  pause / resume the display (sampling goes on)",
      "  R  reset the counters",
      "  S  save what was collected so far (a flamegraph, cspy-NAME-PID-TIME.svg here;",
      "     --save FILE: that file, its format from its extension); the view goes on",
      "  ?  this help (any key closes it)",
      "  q  quit (also Ctrl-C)",
      "",
      "OwnTime: seconds of samples in the function itself; TotalTime: including its callees.",
  };
  std::vector<ScreenLine> lines;
  for (const char* text : kHelp) lines.push_back(line(text, LineStyle::kHelp, width));
  return lines;
}

std::string TopModel::row_text(const FunctionRow& row, int width) const {
  const std::size_t numbers = weights_ns_ ? kOffNumbersWidth : kNumbersWidth;
  std::size_t room =
      static_cast<std::size_t>(width) > numbers ? static_cast<std::size_t>(width) - numbers : 0;
  // Weights in nanoseconds are seconds at a "rate" of 1e9 per second.
  const double rate = weights_ns_ ? 1e9 : rate_hz_;
  if (weights_ns_) {
    return fmt::format(kOffColumnsFormat, format_percent(row.own, stats_.samples),
                       format_percent(row.total, stats_.samples), format_seconds(row.own, rate),
                       format_seconds(row.total, rate), format_percent(row.off, row.total),
                       function_cell(row, state_.grouping, room, ellipsis_));
  }
  return fmt::format(kColumnsFormat, format_percent(row.own, stats_.samples),
                     format_percent(row.total, stats_.samples), format_seconds(row.own, rate_hz_),
                     format_seconds(row.total, rate_hz_),
                     function_cell(row, state_.grouping, room, ellipsis_));
}

std::vector<ScreenLine> TopModel::render(int width, int height) const {
  std::vector<ScreenLine> lines = header_lines(width);
  if (state_.help) {
    for (ScreenLine& l : help_lines(width)) lines.push_back(std::move(l));
  } else {
    std::string function =
        state_.grouping == Grouping::kLine ? "Function (file:line)" : "Function (file)";
    lines.push_back(line(weights_ns_ ? fmt::format(kOffColumnsFormat, "%Own", "%Total", "OwnTime",
                                                   "TotalTime", "%Off", function)
                                     : fmt::format(kColumnsFormat, "%Own", "%Total", "OwnTime",
                                                   "TotalTime", function),
                         LineStyle::kColumns, width));
    for (const FunctionRow& row : stats_.rows) {
      if (static_cast<int>(lines.size()) >= height) break;
      lines.push_back(line(row_text(row, width), LineStyle::kRow, width));
    }
  }
  if (height >= 0 && lines.size() > static_cast<std::size_t>(height))
    lines.resize(static_cast<std::size_t>(height));
  return lines;
}

}  // namespace cspy::ui
