// The flamegraph SVG's frame: header, frames and footer, shared by the flamegraph and the
// differential flamegraph. Every string from the target is XML-escaped here and never
// reaches the script's source.
#include "flame_svg.h"

#include <time.h>

#include <cmath>

#include <fmt/core.h>

#include "cspy/output/escape.h"
#include "flame_colors.h"
#include "flamegraph_script.h"

namespace cspy::output {

namespace {

constexpr int kImageWidth = 1200;
constexpr int kFrameHeight = 16;
constexpr int kFontSize = 12;
constexpr double kCharWidth = kFontSize * 0.59;  // average glyph width, as flamegraph.pl
constexpr int kXPad = 10;
constexpr int kTopPad = 60;     // title, subtitle and controls
constexpr int kBottomPad = 34;  // details line and "Matched"
constexpr double kDrawWidth = kImageWidth - 2 * kXPad;

// A coordinate with at most two decimals and no trailing zeros: "12.5", "3".
std::string num(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string utc_date(std::uint64_t unix_ns) {
  time_t secs = static_cast<time_t>(unix_ns / 1000000000ULL);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  (void)strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// The label as drawn in a frame `width` px wide: whole, cut with "..", or empty.
// Must agree with setLabel() in the script.
std::string fitted_label(const std::string& clean_label, double width) {
  double n = std::floor((width - 3) / kCharWidth);
  if (n < 3) return {};
  return truncate_utf8(clean_label, static_cast<std::size_t>(n), "..");
}

void write_header(std::ostream& out, int height, std::uint64_t total, bool inverted,
                  const std::string& title, const std::string& subtitle) {
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
      << "<svg version=\"1.1\" width=\"" << kImageWidth << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << kImageWidth << ' ' << height
      << "\" xmlns=\"http://www.w3.org/2000/svg\" data-total=\"" << total << "\" data-xpad=\""
      << kXPad << "\" data-fs=\"" << kFontSize << "\" data-inverted=\"" << (inverted ? 1 : 0)
      << "\">\n<style><![CDATA[" << kFlamegraphStyle << "]]></style>\n"
      << "<script><![CDATA[" << kFlamegraphScript << "]]></script>\n"
      << "<defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
         "<stop stop-color=\"#eeeeee\" offset=\"5%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%\"/>"
         "</linearGradient></defs>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"url(#bg)\"/>\n"
      << "<text id=\"title\" x=\"" << kImageWidth / 2 << "\" y=\"24\">" << xml_escape(title)
      << "</text>\n<text id=\"subtitle\" x=\"" << kImageWidth / 2 << "\" y=\"44\">"
      << xml_escape(subtitle) << "</text>\n"
      << "<text id=\"reset\" class=\"hide\" x=\"" << kXPad << "\" y=\"24\">Reset Zoom</text>\n"
      << "<text id=\"search\" x=\"" << kImageWidth - kXPad << "\" y=\"24\">Search</text>\n"
      << "<text id=\"details\" x=\"" << kXPad << "\" y=\"" << height - 12 << "\"> </text>\n"
      << "<text id=\"matched\" x=\"" << kImageWidth - kXPad << "\" y=\"" << height - 12
      << "\"> </text>\n";
}

// Appends one frame: <g data-x data-s><title/><rect/><text/></g>, the shape the script
// (and the tests) parse.
void append_frame(std::string& buf, const FlameFrame& ff, const FramePaint& paint,
                  const std::string& clean_label, double x, double w, int y) {
  buf += fmt::format("<g data-x=\"{}\" data-s=\"{}\"><title>", ff.start, ff.total);
  for (std::size_t i = 0; i < paint.tooltip.size(); ++i) {
    if (i > 0) buf += '\n';
    append_xml_escaped(buf, paint.tooltip[i]);
  }
  buf += fmt::format("</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                     num(x), y, num(w), kFrameHeight - 1, paint.fill);
  std::string label = fitted_label(clean_label, w);
  if (!label.empty()) {
    buf += fmt::format("<text x=\"{}\" y=\"{}\">", num(x + 3), y + kFontSize - 1);
    append_xml_escaped(buf, label);
    buf += "</text>";
  }
  buf += "</g>\n";
}

}  // namespace

std::string thousands(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string count_of(std::uint64_t n, const char* one, const char* many) {
  return thousands(n) + " " + (n == 1 ? one : many);
}

std::string amount_of(const aggregate::Profile& profile, std::uint64_t weight) {
  if (!profile.info().weights_ns) return count_of(weight, "sample", "samples");
  const double ns = static_cast<double>(weight);
  if (ns >= 1e9) return fmt::format("{:.2f} s", ns / 1e9);
  if (ns >= 1e6) return fmt::format("{:.1f} ms", ns / 1e6);
  return fmt::format("{:.0f} \u00b5s", ns / 1e3);
}

std::string percent(std::uint64_t part, std::uint64_t total) {
  return fmt::format(
      "{:.2f}%", total == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(total));
}

std::string title_text(const aggregate::Profile& profile, const WriteOptions& options) {
  if (!options.title.empty()) return sanitize_utf8(options.title);
  const auto& info = profile.info();
  std::string what = info.command.empty() ? fmt::format("PID {}", info.pid) : info.command;
  return truncate_utf8(sanitize_utf8("cspy: " + what), 110, "...");
}

std::string subtitle_text(const aggregate::Profile& profile, std::uint64_t samples) {
  const auto& info = profile.info();
  const auto& counters = profile.counters();
  std::vector<std::string> parts;
  if (!info.command.empty()) parts.push_back(truncate_utf8(sanitize_utf8(info.command), 80, "..."));
  if (info.pid > 0) parts.push_back(fmt::format("PID {}", info.pid));
  if (info.duration_s > 0)
    parts.push_back(info.duration_s < 10 ? fmt::format("{:.2f} s", info.duration_s)
                                         : fmt::format("{:.1f} s", info.duration_s));
  std::string s = amount_of(profile, samples);
  if (info.weights_ns) s += info.off_cpu_only ? " off CPU" : " on and off CPU";
  if (info.rate_hz > 0) s += fmt::format(" at {:g} Hz", info.rate_hz);
  if (!info.sampler.empty()) s += " (" + sanitize_utf8(info.sampler) + ")";
  parts.push_back(s);
  if (info.start_unix_ns > 0) parts.push_back(utc_date(info.start_unix_ns));
  if (counters.lost > 0) parts.push_back(thousands(counters.lost) + " lost");
  if (counters.unwind_failures > 0)
    parts.push_back(count_of(counters.unwind_failures, "unwind failure", "unwind failures"));
  if (counters.truncated > 0) parts.push_back(thousands(counters.truncated) + " truncated");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(kDot)) + p;
  return out;
}

std::vector<std::string> frame_details(const aggregate::Frame& frame) {
  std::vector<std::string> lines;
  if (!frame.file.empty()) {
    lines.push_back(sanitize_utf8(frame.file));
    if (frame.line > 0) lines.back() += fmt::format(":{}", frame.line);
  }
  std::string notes;
  auto note = [&notes](const std::string& n) { notes += (notes.empty() ? "" : ", ") + n; };
  if (!frame.module.empty()) note("module " + sanitize_utf8(frame.module));
  if (frame.kind == aggregate::FrameKind::kKernel) note("kernel");
  if (frame.inlined) note("inlined");
  if (!notes.empty()) lines.push_back(notes);
  return lines;
}

double min_samples_for(const aggregate::Profile& profile, const WriteOptions& options) {
  std::uint64_t all = 0;
  for (const auto& [tid, thread] : profile.threads()) all += thread.tree.total_samples();
  return all == 0 ? 0 : options.min_width_px * static_cast<double>(all) / kDrawWidth;
}

void write_flame_svg(const FlameLayout& layout, bool inverted, const std::string& title,
                     const std::string& subtitle, const PaintFrame& paint, std::ostream& out) {
  const double px_per_sample =
      layout.total == 0 ? 0 : kDrawWidth / static_cast<double>(layout.total);
  const int rows = layout.total == 0 ? 1 : layout.max_depth + 1;
  const int height = kTopPad + rows * kFrameHeight + kBottomPad;
  write_header(out, height, layout.total, inverted, title, subtitle);
  if (layout.total == 0) {
    out << "<text x=\"" << kImageWidth / 2 << "\" y=\"" << kTopPad + 12
        << "\" style=\"text-anchor:middle\">No samples</text>\n<g id=\"frames\"></g>\n</svg>\n";
    return;
  }

  std::vector<std::string> clean_labels(layout.labels.size());  // sanitized on first use
  std::string buf = "<g id=\"frames\">\n";
  for (std::size_t index = 0; index < layout.frames.size(); ++index) {
    const FlameFrame& ff = layout.frames[index];
    std::string clean = "all";
    if (!ff.is_all) {
      std::string& cached = clean_labels[ff.frame.index()];
      if (cached.empty()) cached = sanitize_utf8(layout.labels[ff.frame.index()]);
      clean = cached;
    }
    int y = inverted ? kTopPad + ff.depth * kFrameHeight
                     : height - kBottomPad - (ff.depth + 1) * kFrameHeight;
    append_frame(buf, ff, paint(ff, index, clean), clean,
                 kXPad + static_cast<double>(ff.start) * px_per_sample,
                 static_cast<double>(ff.total) * px_per_sample, y);
    if (buf.size() > (1 << 16)) {
      out << buf;
      buf.clear();
    }
  }
  out << buf << "</g>\n</svg>\n";
}

}  // namespace cspy::output
