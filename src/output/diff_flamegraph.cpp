// The differential flamegraph: AFTER's flamegraph, each frame filled by the change of its
// self share from BEFORE (flamegraph.pl's colour scale), its tooltip giving both self
// counts and the change in percentage points. Frames are matched by their label path
// from the root, after merging by label as the flamegraph does.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/core.h>

#include "cspy/output/diff.h"
#include "cspy/output/escape.h"
#include "flame_layout.h"
#include "flame_svg.h"

namespace cspy::output {

namespace {

// Calls visit(frame, key) for each frame of `layout` in order, `key` naming its label path
// from the root ('\0'-separated; labels come from C strings and hold no NUL).
template <typename Visit>
void for_each_path(const FlameLayout& layout, Visit&& visit) {
  std::vector<std::string> keys;  // by depth
  for (const FlameFrame& ff : layout.frames) {
    const auto depth = static_cast<std::size_t>(ff.depth);
    keys.resize(depth + 1);
    keys[depth] =
        depth == 0 ? std::string() : keys[depth - 1] + '\0' + layout.labels[ff.frame.index()];
    visit(ff, keys[depth]);
  }
}

std::string diff_title(const aggregate::Profile& before, const aggregate::Profile& after,
                       const WriteOptions& options) {
  if (!options.title.empty()) return sanitize_utf8(options.title);
  return truncate_utf8(sanitize_utf8("cspy diff: " + before.info().command + " \xE2\x86\x92 " +
                                     after.info().command),
                       110, "...");
}

// "+1.25 pp", "-0.50 pp", "0.00 pp" (exactly no change).
std::string points(double delta) {
  return delta == 0 ? std::string("0.00 pp") : fmt::format("{:+.2f} pp", delta);
}

}  // namespace

double self_share_change(std::uint64_t before_self, std::uint64_t before_total,
                         std::uint64_t after_self, std::uint64_t after_total) {
  auto share = [](std::uint64_t part, std::uint64_t total) {
    return total == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(total);
  };
  return 100.0 * (share(after_self, after_total) - share(before_self, before_total));
}

std::string diff_color(double delta, double max_abs) {
  int r = 255, g = 255, b = 255;
  if (max_abs > 0 && delta != 0) {
    // 210 at no change down to 0 at the largest change, as flamegraph.pl's color_scale.
    const auto fade =
        static_cast<int>(210 * (max_abs - std::min(std::fabs(delta), max_abs)) / max_abs);
    if (delta > 0) {
      g = b = fade;
    } else {
      r = g = fade;
    }
  }
  return fmt::format("#{:02x}{:02x}{:02x}", r, g, b);
}

void write_diff_flamegraph(const aggregate::Profile& before, const aggregate::Profile& after,
                           const WriteOptions& options, std::ostream& out) {
  WriteOptions plain = options;
  plain.thread_roots = false;
  plain.reverse = false;
  const FlameLayout old_layout = layout_flamegraph(before, plain, 0);
  std::unordered_map<std::string, std::uint64_t> before_self;
  for_each_path(old_layout, [&](const FlameFrame& ff, const std::string& key) {
    if (ff.self > 0) before_self[key] += ff.self;
  });

  const FlameLayout layout = layout_flamegraph(after, plain, min_samples_for(after, plain));
  std::vector<std::uint64_t> old_self(layout.frames.size());
  std::vector<double> change(layout.frames.size());
  double max_abs = 0;
  std::size_t i = 0;
  for_each_path(layout, [&](const FlameFrame& ff, const std::string& key) {
    auto it = before_self.find(key);
    old_self[i] = it == before_self.end() ? 0 : it->second;
    change[i] = self_share_change(old_self[i], old_layout.total, ff.self, layout.total);
    max_abs = std::max(max_abs, std::fabs(change[i]));
    ++i;
  });

  auto paint = [&](const FlameFrame& ff, std::size_t at, const std::string& clean_label) {
    FramePaint p;
    p.fill = diff_color(change[at], max_abs);
    p.tooltip = {clean_label,
                 count_of(ff.total, "sample", "samples") + " (" + percent(ff.total, layout.total) +
                     ") in AFTER",
                 fmt::format("self {} before ({}), {} after ({}): {}", thousands(old_self[at]),
                             percent(old_self[at], old_layout.total), thousands(ff.self),
                             percent(ff.self, layout.total), points(change[at]))};
    if (!ff.is_all) {
      for (std::string& line : frame_details(after.frames().get(ff.frame))) {
        p.tooltip.push_back(std::move(line));
      }
    }
    return p;
  };
  const std::string subtitle =
      fmt::format("BEFORE {}{}AFTER {}{}self share: red larger in AFTER, blue smaller; at most {}",
                  count_of(old_layout.total, "sample", "samples"), kDot,
                  count_of(layout.total, "sample", "samples"), kDot, points(max_abs));
  write_flame_svg(layout, false, diff_title(before, after, options), subtitle, paint, out);
}

}  // namespace cspy::output
