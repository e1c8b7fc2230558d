// TopModel: everything `cspy top` shows, without a terminal. It takes snapshots of a
// Profile (unless paused), keeps the view state the keys change (sort column, grouping,
// thread, pause, help; S asks the caller to save) and renders the screen as styled lines for a
// given size; TopScreen only paints them. Usage: refresh(profile, status) per tick, handle_key()
// per key, render(width, height) to draw.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"
#include "cspy/ui/function_stats.h"

namespace cspy::ui {

// What the sampling session reports at each refresh.
struct TargetStatus {
  std::string command;
  pid_t pid = 0;
  double elapsed_s = 0;     // since the counters started (the last reset)
  std::size_t threads = 0;  // threads seen by the sampler
  bool exited = false;
};

struct ViewState {
  SortColumn sort = SortColumn::kOwnPercent;
  Grouping grouping = Grouping::kFunction;
  std::optional<pid_t> thread;   // nullopt: all threads
  std::optional<pid_t> process;  // nullopt: all processes (--subprocesses)
  bool paused = false;
  bool help = false;
};

// What the caller does after a key.
enum class KeyAction {
  kNone,     // not a key of top's
  kRedraw,   // the view changed: render again
  kRefresh,  // the selection changed: refresh(force) from the profile, then render
  kReset,    // Profile::reset_counts(), restart the clock, refresh(force), render
  kSave,     // write what was collected so far to a file, say where (set_notice), render
  kQuit,
};

enum class LineStyle { kTitle, kInfo, kAlert, kState, kColumns, kRow, kHelp };

struct ScreenLine {
  std::string text;  // at most `width` columns
  LineStyle style = LineStyle::kInfo;
};

struct ThreadLabel {
  pid_t tid = 0;
  std::string name;
  pid_t pid = 0;  // its process
};

struct ProcessLabel {
  pid_t pid = 0;
  std::string name;
};

class TopModel {
 public:
  explicit TopModel(double rate_hz) : rate_hz_(rate_hz) {}

  // Takes a new snapshot unless paused; `force` takes it anyway (after L, T or R, which
  // need the profile's current counts even while paused).
  void refresh(const aggregate::Profile& profile, const TargetStatus& status, bool force = false);
  KeyAction handle_key(int key);
  std::vector<ScreenLine> render(int width, int height) const;

  const ViewState& state() const { return state_; }
  // The snapshot's rows, sorted by the current column.
  const FunctionStats& stats() const { return stats_; }
  const std::vector<ThreadLabel>& threads() const { return threads_; }
  const std::vector<ProcessLabel>& processes() const { return processes_; }
  std::string state_line() const;
  std::string thread_label(std::optional<pid_t> tid) const;
  std::string process_label(std::optional<pid_t> pid) const;
  // A line for the state line in place of "? for help" (e.g. the file S wrote), until
  // the next one.
  void set_notice(std::string notice) { notice_ = std::move(notice); }
  // Shortened names end with this ("…", or "~" on a terminal without UTF-8).
  void set_ellipsis(std::string ellipsis) { ellipsis_ = std::move(ellipsis); }

 private:
  void next_thread();
  void next_process();
  std::vector<ScreenLine> header_lines(int width) const;
  std::vector<ScreenLine> help_lines(int width) const;
  std::string row_text(const FunctionRow& row, int width) const;

  double rate_hz_;
  ViewState state_;
  std::string ellipsis_ = "\u2026";
  std::string notice_;
  FunctionStats stats_;
  std::vector<ThreadLabel> threads_;
  std::vector<ProcessLabel> processes_;  // with --subprocesses, else empty
  aggregate::Counters counters_;
  TargetStatus status_;
  bool weights_ns_ = false;  // --idle, --off-cpu: weights are nanoseconds, with a %Off column
};

}  // namespace cspy::ui
