// Time off CPU from the scheduler's own stamps, compared on one CPU's clock.
#include "cspy/process/off_cpu_time.h"

#include <time.h>

#include <charconv>
#include <string>

#include <fmt/core.h>

#include "cspy/process/process.h"

namespace cspy::process {

std::optional<std::uint64_t> parse_exec_start_ns(std::string_view sched_text) {
  constexpr std::string_view kKey = "se.exec_start";
  auto at = sched_text.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  auto colon = sched_text.find(':', at + kKey.size());
  if (colon == std::string_view::npos) return std::nullopt;
  auto start = sched_text.find_first_not_of(' ', colon + 1);
  if (start == std::string_view::npos) return std::nullopt;
  // "MILLISECONDS.NNNNNN": whole milliseconds, then six digits of nanoseconds' thousands.
  std::uint64_t ms = 0;
  const char* end = sched_text.data() + sched_text.size();
  auto [ptr, ec] = std::from_chars(sched_text.data() + start, end, ms);
  if (ec != std::errc()) return std::nullopt;
  std::uint64_t ns = ms * 1'000'000;
  if (ptr != end && *ptr == '.') {
    std::uint64_t scale = 100'000;
    for (++ptr; ptr != end && *ptr >= '0' && *ptr <= '9' && scale > 0; ++ptr, scale /= 10) {
      ns += static_cast<std::uint64_t>(*ptr - '0') * scale;
    }
  }
  return ns;
}

std::optional<int> parse_last_cpu(std::string_view stat_text) {
  // "tid (comm) S f4 f5 ...": fields counted after the last ')', the state being field 3.
  auto close = stat_text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  int field = 2;
  std::size_t at = close + 1;
  while (at < stat_text.size()) {
    at = stat_text.find_first_not_of(' ', at);
    if (at == std::string_view::npos) break;
    ++field;
    auto next = stat_text.find(' ', at);
    if (field == 39) {
      int cpu = -1;
      auto [ptr, ec] = std::from_chars(stat_text.data() + at,
                                       stat_text.data() + std::min(next, stat_text.size()), cpu);
      if (ec != std::errc() || cpu < 0) return std::nullopt;
      return cpu;
    }
    if (next == std::string_view::npos) break;
    at = next;
  }
  return std::nullopt;
}

std::optional<LastRan> read_last_ran(pid_t pid, pid_t tid) {
  auto sched = read_text_file(fmt::format("/proc/{}/task/{}/sched", pid, tid));
  auto stat = read_text_file(fmt::format("/proc/{}/task/{}/stat", pid, tid));
  if (!sched || !stat) return std::nullopt;
  auto start = parse_exec_start_ns(*sched);
  auto cpu = parse_last_cpu(*stat);
  if (!start || !cpu) return std::nullopt;
  return LastRan{.exec_start_ns = *start, .cpu = *cpu};
}

RunQueueClock::RunQueueClock() { saved_ = sched_getaffinity(0, sizeof original_, &original_) == 0; }

RunQueueClock::~RunQueueClock() {
  if (moved_ && saved_) (void)sched_setaffinity(0, sizeof original_, &original_);
}

std::optional<std::uint64_t> RunQueueClock::now_on(int cpu) {
  if (!saved_ || cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &original_)) return std::nullopt;
  cpu_set_t only;
  CPU_ZERO(&only);
  CPU_SET(cpu, &only);
  if (sched_setaffinity(0, sizeof only, &only) != 0) return std::nullopt;
  moved_ = true;
  for (int attempt = 0; attempt < 3; ++attempt) {
    // A short sleep: this thread is switched in again on `cpu`, which stamps its exec_start.
    timespec pause{0, 50'000};
    nanosleep(&pause, nullptr);
    auto text = read_text_file("/proc/thread-self/sched");
    if (sched_getcpu() != cpu) continue;  // moved while reading: not that CPU's clock
    if (!text) return std::nullopt;
    return parse_exec_start_ns(*text);
  }
  return std::nullopt;
}

}  // namespace cspy::process
