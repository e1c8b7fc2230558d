// difffolded.pl -n's output: "stack count_before count_after" for every stack of either
// input, BEFORE's counts scaled to AFTER's total.
#include <map>
#include <string>
#include <utility>

#include "cspy/output/diff.h"
#include "folded_stacks.h"

namespace cspy::output {

void write_diff_folded(const aggregate::Profile& before, const aggregate::Profile& after,
                       const WriteOptions& options, std::ostream& out) {
  WriteOptions plain = options;
  plain.thread_roots = false;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> stacks;
  std::uint64_t total_before = 0, total_after = 0;
  for_each_folded_stack(before, plain, [&](const std::string& stack, std::uint64_t count) {
    stacks[stack].first += count;
    total_before += count;
  });
  for_each_folded_stack(after, plain, [&](const std::string& stack, std::uint64_t count) {
    stacks[stack].second += count;
    total_after += count;
  });
  const bool scale = total_before != total_after && total_before > 0;
  for (const auto& [stack, counts] : stacks) {
    std::uint64_t old_count = counts.first;
    if (scale) {
      old_count = static_cast<std::uint64_t>(static_cast<long double>(old_count) * total_after /
                                             total_before);
    }
    out << stack << ' ' << old_count << ' ' << counts.second << '\n';
  }
}

}  // namespace cspy::output
