// Drawing a laid-out flamegraph (flame_layout.h) as the interactive SVG: the header
// (title, subtitle, style, script), one <g> per frame, the footer. What differs between
// graphs is each frame's fill and tooltip, which the caller gives: flamegraph.cpp colours
// by name, diff_flamegraph.cpp by change. Also the text pieces both graphs use.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"
#include "cspy/output/writer.h"
#include "flame_layout.h"

namespace cspy::output {

// How one frame is drawn: its fill ("#rrggbb") and its tooltip's lines (sanitized, not
// escaped; the first is the label).
struct FramePaint {
  std::string fill;
  std::vector<std::string> tooltip;
};
// `index`: the frame's index in layout.frames; `clean_label`: its sanitized label.
using PaintFrame =
    std::function<FramePaint(const FlameFrame&, std::size_t index, const std::string& clean_label)>;

// The pruning threshold, in samples, for frames narrower than options.min_width_px.
double min_samples_for(const aggregate::Profile& profile, const WriteOptions& options);

// Writes the whole SVG, asking `paint` for each frame's fill and tooltip.
void write_flame_svg(const FlameLayout& layout, bool inverted, const std::string& title,
                     const std::string& subtitle, const PaintFrame& paint, std::ostream& out);

// options.title, or "cspy: COMMAND" (sanitized).
std::string title_text(const aggregate::Profile& profile, const WriteOptions& options);
// "COMMAND · PID 1 · 2.00 s · 345 samples at 100 Hz (perf_event) · DATE · lost ...".
std::string subtitle_text(const aggregate::Profile& profile, std::uint64_t samples);
// Tooltip lines after the counts: "file:line", "module libc.so.6, kernel, inlined".
std::vector<std::string> frame_details(const aggregate::Frame& frame);

std::string thousands(std::uint64_t n);                                    // "2,345"
std::string count_of(std::uint64_t n, const char* one, const char* many);  // "1 sample"
std::string percent(std::uint64_t part, std::uint64_t total);              // "12.50%"
// A weight as the profile counts it: "1,234 samples", or a time ("1.25 s", "3.4 ms") when
// its weights are nanoseconds (--idle, --off-cpu).
std::string amount_of(const aggregate::Profile& profile, std::uint64_t weight);

inline constexpr std::string_view kDot = " \xC2\xB7 ";  // " · " between subtitle parts

}  // namespace cspy::output
