// Text helpers for the `top` view: times and percentages in fixed-width columns, display
// widths of UTF-8 text, and C++ names shortened to a width keeping their end
// ("…::Class::method"), since the end of a qualified name is what tells functions apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cspy/ui/function_stats.h"

namespace cspy::ui {

inline constexpr std::string_view kEllipsis = "\u2026";  // "…"

// Columns a UTF-8 string takes (one per code point; cspy prints no double-width text).
std::size_t display_width(std::string_view text);
// The longest prefix of `text` that fits in `width` columns.
std::string clip_to_width(std::string_view text, std::size_t width);

// samples / rate_hz as "0.42s", "12.30s", "123.4s", "1234s".
std::string format_seconds(std::uint64_t samples, double rate_hz);
// part / whole as "83.2%" ("0.0%" when whole is 0).
std::string format_percent(std::uint64_t part, std::uint64_t whole);

// `name` if it fits in `width` columns, else `ellipsis` + its end, cut at a "::" outside
// template arguments and parameter lists when one leaves a fitting tail.
std::string shorten_name(std::string_view name, std::size_t width,
                         std::string_view ellipsis = kEllipsis);

// The Function column: "name (file:line)" by line, "name (file)" by function, the module
// when there is no file; the name is shortened so that the location stays visible.
std::string function_cell(const FunctionRow& row, Grouping grouping, std::size_t width,
                          std::string_view ellipsis = kEllipsis);

}  // namespace cspy::ui
