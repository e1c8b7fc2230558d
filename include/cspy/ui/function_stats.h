// Per-function statistics for `cspy top`: from a Profile's call trees, one row per function
// (function + module) or per line (function + file:line) with its own (self) and total
// samples, for all threads or one. Total counts a row once per stack, even under recursion,
// so no row's total exceeds the samples taken. Pure: no terminal, no clock.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"

namespace cspy::ui {

enum class Grouping { kFunction, kLine };

// The columns `top` sorts by (keys 1-4). OwnTime sorts like %Own, TotalTime like %Total.
enum class SortColumn { kOwnPercent, kTotalPercent, kOwnTime, kTotalTime };

struct FunctionRow {
  std::string function;
  std::string module;
  std::string file;  // the source file (by line), or the first one seen (by function)
  int line = 0;      // 0 when grouping by function or when unknown
  aggregate::FrameKind kind = aggregate::FrameKind::kNative;
  std::uint64_t own = 0;    // samples whose innermost frame is this row
  std::uint64_t total = 0;  // samples with this row anywhere on the stack, once per stack
  std::uint64_t off = 0;    // of total: the weight off CPU (stacks ending in a system call)
};

struct StatsQuery {
  Grouping grouping = Grouping::kFunction;
  std::optional<pid_t> thread;   // nullopt: all threads
  std::optional<pid_t> process;  // nullopt: all processes (--subprocesses)
};

struct FunctionStats {
  std::vector<FunctionRow> rows;  // in no particular order until sort_rows()
  std::uint64_t samples = 0;      // samples in the selection: the 100% of the percentages
};

FunctionStats compute_function_stats(const aggregate::Profile& profile, const StatsQuery& query);

// Hottest first by `column`; ties by the other count, then by name, so the order is stable.
void sort_rows(std::vector<FunctionRow>& rows, SortColumn column);

}  // namespace cspy::ui
