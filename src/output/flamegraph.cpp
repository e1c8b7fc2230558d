// The interactive flamegraph SVG writer: one self-contained file (inline style and
// script, no network) with zoom, regex search and tooltips. Layout is flame_layout.cpp,
// colours flame_colors.cpp, the SVG itself flame_svg.cpp; this file says what each
// frame shows: its colour by name and its counts.
#include <string>
#include <vector>

#include "cspy/output/writer.h"
#include "flame_colors.h"
#include "flame_layout.h"
#include "flame_svg.h"

namespace cspy::output {

void write_flamegraph(const aggregate::Profile& profile, const WriteOptions& options,
                      std::ostream& out) {
  // The pruning threshold in samples needs the total before the layout.
  FlameLayout layout = layout_flamegraph(profile, options, min_samples_for(profile, options));
  auto paint = [&](const FlameFrame& ff, std::size_t, const std::string& clean_label) {
    const aggregate::Frame* frame = ff.is_all ? nullptr : &profile.frames().get(ff.frame);
    FramePaint p;
    p.fill = frame ? frame_color(*frame) : family_color(ColorFamily::kAll, "all", false);
    std::string counts =
        amount_of(profile, ff.total) + " (" + percent(ff.total, layout.total) + ")";
    if (ff.self > 0 && ff.self != ff.total) {
      counts += ", self " +
                (profile.info().weights_ns ? amount_of(profile, ff.self) : thousands(ff.self));
    }
    p.tooltip = {clean_label, counts};
    if (frame != nullptr) {
      for (std::string& line : frame_details(*frame)) p.tooltip.push_back(std::move(line));
    }
    return p;
  };
  write_flame_svg(layout, options.reverse, title_text(profile, options),
                  subtitle_text(profile, layout.total), paint, out);
}

}  // namespace cspy::output
