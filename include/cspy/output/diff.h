// Differential outputs: BEFORE and AFTER compared stack by stack, as flamegraph.pl's
// difffolded.pl -n and flamegraph.pl do. The SVG draws AFTER, each frame coloured by the
// change of its self share (its own samples over all samples of that input) from BEFORE:
// red where AFTER spends a larger share, blue a smaller, white the same; frames only in
// BEFORE are not drawn. The folded form is difffolded's "stack before after" lines.
#pragma once

#include <ostream>
#include <string>

#include "cspy/aggregate/profile.h"
#include "cspy/output/writer.h"

namespace cspy::output {

// The differential flamegraph SVG (diff_flamegraph.cpp); options.lines, title and
// min_width_px apply, thread_roots and reverse do not.
void write_diff_flamegraph(const aggregate::Profile& before, const aggregate::Profile& after,
                           const WriteOptions& options, std::ostream& out);

// "stack count_before count_after" for every stack of either input, sorted by stack;
// count_before scaled by total_after / total_before (rounded down) when the totals
// differ, as `difffolded.pl -n`. options.lines applies.
void write_diff_folded(const aggregate::Profile& before, const aggregate::Profile& after,
                       const WriteOptions& options, std::ostream& out);

// The change of a self share, in percentage points: 100 * (after_self / after_total -
// before_self / before_total), a total of 0 counting as a share of 0.
double self_share_change(std::uint64_t before_self, std::uint64_t before_total,
                         std::uint64_t after_self, std::uint64_t after_total);

// The fill for a change `delta` when the largest change drawn is `max_abs` (both in the
// same unit), as flamegraph.pl: "#ffffff" for 0; red (#ff....) deepening to #ff0000 for
// more; blue (#....ff) deepening to #0000ff for less.
std::string diff_color(double delta, double max_abs);

}  // namespace cspy::output
