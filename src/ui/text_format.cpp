// Text helpers for the top view: widths, times, percentages, shortened names.
#include "cspy/ui/text_format.h"

#include <vector>

#include <fmt/core.h>

#include "cspy/core/path.h"

namespace cspy::ui {

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Offsets of the "::" separators at nesting depth 0 (outside <...> and (...)).
std::vector<std::size_t> scope_separators(std::string_view name) {
  std::vector<std::size_t> seps;
  int depth = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '<' || c == '(' || c == '[') {
      ++depth;
    } else if ((c == '>' || c == ')' || c == ']') && depth > 0) {
      --depth;
    } else if (c == ':' && depth == 0 && i + 1 < name.size() && name[i + 1] == ':') {
      seps.push_back(i);
      ++i;
    }
  }
  return seps;
}

// The last `width` columns of `text`.
std::string_view tail_of_width(std::string_view text, std::size_t width) {
  std::size_t cols = 0;
  std::size_t start = text.size();
  while (start > 0 && cols < width) {
    --start;
    while (start > 0 && is_continuation(text[start])) --start;
    ++cols;
  }
  return text.substr(start);
}

}  // namespace

std::size_t display_width(std::string_view text) {
  std::size_t cols = 0;
  for (char c : text) cols += is_continuation(c) ? 0 : 1;
  return cols;
}

std::string clip_to_width(std::string_view text, std::size_t width) {
  std::size_t cols = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation(text[i]) && cols++ == width) return std::string(text.substr(0, i));
  }
  return std::string(text);
}

std::string format_seconds(std::uint64_t samples, double rate_hz) {
  double s = rate_hz > 0 ? static_cast<double>(samples) / rate_hz : 0.0;
  if (s < 99.995) return fmt::format("{:.2f}s", s);
  if (s < 999.95) return fmt::format("{:.1f}s", s);
  return fmt::format("{:.0f}s", s);
}

std::string format_percent(std::uint64_t part, std::uint64_t whole) {
  double p = whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  return fmt::format("{:.1f}%", p);
}

std::string shorten_name(std::string_view name, std::size_t width, std::string_view ellipsis) {
  if (display_width(name) <= width) return std::string(name);
  std::size_t e = display_width(ellipsis);
  if (width <= e) return clip_to_width(ellipsis, width);
  const std::size_t room = width - e;
  // The longest tail starting at a scope separator that fits.
  for (std::size_t sep : scope_separators(name)) {
    std::string_view tail = name.substr(sep);
    if (display_width(tail) <= room) return std::string(ellipsis) + std::string(tail);
  }
  return std::string(ellipsis) + std::string(tail_of_width(name, room));
}

std::string function_cell(const FunctionRow& row, Grouping grouping, std::size_t width,
                          std::string_view ellipsis) {
  std::string location;
  if (!row.file.empty()) {
    location = std::string(basename_of(row.file));
    if (grouping == Grouping::kLine && row.line > 0) location += fmt::format(":{}", row.line);
    if (row.kind == aggregate::FrameKind::kPython) location = "py " + location;
  } else if (!row.module.empty() && row.kind == aggregate::FrameKind::kNative) {
    location = row.module;
  }
  if (location.empty()) return shorten_name(row.function, width, ellipsis);
  std::string suffix = " (" + location + ")";
  std::size_t suffix_width = display_width(suffix);
  constexpr std::size_t kMinName = 12;  // below this, the name matters more than the place
  if (display_width(row.function) + suffix_width <= width) return row.function + suffix;
  if (width >= kMinName + suffix_width) {
    return shorten_name(row.function, width - suffix_width, ellipsis) + suffix;
  }
  return clip_to_width(shorten_name(row.function, width, ellipsis) + suffix, width);
}

}  // namespace cspy::ui
