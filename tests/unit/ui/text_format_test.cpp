// Tests for the top view's text helpers: times, percentages, widths, shortened C++ names
// and the Function column.
#include <gtest/gtest.h>

#include "cspy/ui/text_format.h"

namespace cspy::ui {
namespace {

TEST(TopTextFormat, SecondsAreSamplesOverRate) {
  EXPECT_EQ(format_seconds(0, 100), "0.00s");
  EXPECT_EQ(format_seconds(42, 100), "0.42s");
  EXPECT_EQ(format_seconds(1230, 100), "12.30s");
  EXPECT_EQ(format_seconds(12345, 100), "123.5s");
  EXPECT_EQ(format_seconds(123456, 100), "1235s");
  EXPECT_EQ(format_seconds(5, 0), "0.00s");
}

TEST(TopTextFormat, Percent) {
  EXPECT_EQ(format_percent(0, 0), "0.0%");
  EXPECT_EQ(format_percent(1, 3), "33.3%");
  EXPECT_EQ(format_percent(7, 7), "100.0%");
}

TEST(TopTextFormat, WidthsCountCodePoints) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("\u2026::m"), 4u);
  EXPECT_EQ(clip_to_width("\u2026abc", 2), "\u2026a");
  EXPECT_EQ(clip_to_width("abc", 5), "abc");
  EXPECT_EQ(clip_to_width("abc", 0), "");
}

TEST(TopShortenName, FitsUnchanged) {
  EXPECT_EQ(shorten_name("ns::Class::method", 17), "ns::Class::method");
  EXPECT_EQ(shorten_name("main", 4), "main");
}

TEST(TopShortenName, KeepsTheEndAtAScope) {
  EXPECT_EQ(shorten_name("outer::inner::Class::method", 16), "\u2026::Class::method");
  EXPECT_EQ(shorten_name("outer::inner::Class::method", 20), "\u2026::Class::method");
  EXPECT_EQ(shorten_name("outer::inner::Class::method", 23), "\u2026::inner::Class::method");
  EXPECT_LE(display_width(shorten_name("outer::inner::Class::method", 16)), 16u);
}

TEST(TopShortenName, IgnoresScopesInsideTemplateArguments) {
  std::string name = "std::vector<int, std::allocator<int> >::push_back";
  EXPECT_EQ(shorten_name(name, 14), "\u2026::push_back");
  std::string with_params = "ns::Map<std::string, int>::find(std::string const&)";
  std::string s = shorten_name(with_params, 30);
  EXPECT_EQ(s, "\u2026::find(std::string const&)");
}

TEST(TopShortenName, CutsMidWordWhenNoScopeFits) {
  EXPECT_EQ(shorten_name("a_very_long_function_name", 10), "\u2026tion_name");
  EXPECT_EQ(shorten_name("ns::a_very_long_function_name", 10), "\u2026tion_name");
  EXPECT_EQ(shorten_name("abcdef", 1), "\u2026");
  EXPECT_EQ(shorten_name("abcdef", 0), "");
}

TEST(TopShortenName, AnotherEllipsis) {
  EXPECT_EQ(shorten_name("outer::inner::Class::method", 16, "~"), "~::Class::method");
}

TEST(TopFunctionCell, LocationByGrouping) {
  FunctionRow r{
      .function = "calc", .module = "julia", .file = "/src/test_targets/julia.cpp", .line = 85};
  EXPECT_EQ(function_cell(r, Grouping::kLine, 80), "calc (julia.cpp:85)");
  r.line = 0;
  EXPECT_EQ(function_cell(r, Grouping::kFunction, 80), "calc (julia.cpp)");
  FunctionRow no_file{.function = "memcpy", .module = "libc.so.6"};
  EXPECT_EQ(function_cell(no_file, Grouping::kLine, 80), "memcpy (libc.so.6)");
  FunctionRow py{.function = "calc_pure_python",
                 .file = "/srv/julia1.py",
                 .line = 44,
                 .kind = aggregate::FrameKind::kPython};
  EXPECT_EQ(function_cell(py, Grouping::kLine, 80), "calc_pure_python (py julia1.py:44)");
  FunctionRow special{.function = "[lost]", .kind = aggregate::FrameKind::kSpecial};
  EXPECT_EQ(function_cell(special, Grouping::kLine, 80), "[lost]");
}

TEST(TopFunctionCell, ShortensTheNameKeepingTheLocation) {
  FunctionRow r{.function = "outer::inner::Class::method", .file = "x.cpp", .line = 7};
  std::string cell = function_cell(r, Grouping::kLine, 28);
  EXPECT_EQ(cell, "\u2026::Class::method (x.cpp:7)");
  EXPECT_LE(display_width(cell), 28u);
  EXPECT_LE(display_width(function_cell(r, Grouping::kLine, 5)), 5u);
}

}  // namespace
}  // namespace cspy::ui
