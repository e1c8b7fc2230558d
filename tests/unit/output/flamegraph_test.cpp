// Tests for the flamegraph SVG writer: structure, XML validity (xmllint), the embedded
// script's syntax (node --check), escaping of hostile names, widths against
// flamegraph.pl's algorithm, pruning, icicle mode, colours and output size.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>
#include <tuple>

#include "cspy/output/escape.h"
#include "cspy/output/writer.h"
#include "flame_colors.h"
#include "test_support.h"

namespace cspy::output {
namespace {

using aggregate::Frame;
using aggregate::FrameId;
using aggregate::Profile;
using namespace testing;

std::string unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + 1))
      s.replace(pos, std::strlen(from), to);
  }
  return s;
}

// One frame as drawn, parsed back from the SVG.
struct DrawnFrame {
  std::string label;
  int depth;
  std::uint64_t start, samples;
  double x, width;
  std::string fill;
  std::string title;
};

// The value of attribute `name` in the first tag at or after `from` that has it.
std::string attr(const std::string& text, const std::string& name, std::size_t from) {
  std::string key = " " + name + "=\"";
  auto begin = text.find(key, from);
  if (begin == std::string::npos) return {};
  begin += key.size();
  return text.substr(begin, text.find('"', begin) - begin);
}

// Frames are one per line: <g data-x data-s><title>..</title><rect x y width height fill/>
std::vector<DrawnFrame> parse_frames(const std::string& svg) {
  std::vector<DrawnFrame> frames;
  std::vector<int> ys;
  std::istringstream in(svg);
  std::string line, block;
  while (std::getline(in, line)) {
    if (line.rfind("<g data-x=", 0) == 0) block.clear();
    block += line + "\n";
    if (block.rfind("<g data-x=", 0) != 0 || line.find("</g>") == std::string::npos) continue;
    auto title_begin = block.find("<title>") + 7;
    std::string title = unescape(block.substr(title_begin, block.find("</title>") - title_begin));
    auto rect = block.find("<rect ");
    EXPECT_EQ(attr(block, "height", rect), "15");
    frames.push_back(
        DrawnFrame{title.substr(0, title.find('\n')), 0, std::stoull(attr(block, "data-x", 0)),
                   std::stoull(attr(block, "data-s", 0)), std::stod(attr(block, "x", rect)),
                   std::stod(attr(block, "width", rect)), attr(block, "fill", rect), title});
    ys.push_back(std::stoi(attr(block, "y", rect)));
    block.clear();
  }
  if (frames.empty()) return frames;
  // The "all" frame comes first; depth counts frame heights away from it.
  for (std::size_t i = 0; i < frames.size(); ++i) frames[i].depth = std::abs(ys[0] - ys[i]) / 16;
  return frames;
}

const DrawnFrame* find_frame(const std::vector<DrawnFrame>& frames, const std::string& label,
                             int depth) {
  for (const auto& f : frames)
    if (f.label == label && f.depth == depth) return &f;
  return nullptr;
}

std::string extract_script(const std::string& svg) {
  auto begin = svg.find("<script><![CDATA[");
  auto end = svg.find("]]></script>");
  if (begin == std::string::npos || end == std::string::npos) return {};
  begin += std::strlen("<script><![CDATA[");
  return svg.substr(begin, end - begin);
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
}

TEST(Flamegraph, FramesLaidOutByTotalsRootAtBottom) {
  Profile p = small_profile();
  std::string svg = render_svg(p);
  auto frames = parse_frames(svg);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0].label, "all");
  EXPECT_EQ(frames[0].samples, 20u);
  EXPECT_DOUBLE_EQ(frames[0].width, 1180);
  const DrawnFrame* main = find_frame(frames, "main", 2);
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->samples, 14u);
  EXPECT_NEAR(main->width, 1180.0 * 14 / 20, 0.01);
  // Children ordered by label: "compute(int)" before "std::sort<int*>" before "write".
  const DrawnFrame* compute = find_frame(frames, "compute(int)", 3);
  const DrawnFrame* sort = find_frame(frames, "std::sort<int*>", 3);
  const DrawnFrame* write = find_frame(frames, "write", 3);
  ASSERT_TRUE(compute && sort && write);
  EXPECT_LT(compute->start, sort->start);
  EXPECT_LT(sort->start, write->start);
  // Tooltip: name, counts, file:line, module, inlined.
  const DrawnFrame* square = find_frame(frames, "square", 4);
  ASSERT_NE(square, nullptr);
  EXPECT_EQ(square->title, "square\n6 samples (30.00%)\n/src/math.h:3\nmodule demo, inlined");
  // Subtitle from RecordingInfo and Counters, title by default from the command.
  EXPECT_NE(svg.find(">cspy: ./demo --size 3</text>"), std::string::npos);
  EXPECT_NE(svg.find("PID 4242"), std::string::npos);
  EXPECT_NE(svg.find("20 samples at 100 Hz (perf_event)"), std::string::npos);
  EXPECT_NE(svg.find("2023-11-14 22:13:20 UTC"), std::string::npos);
  EXPECT_EQ(svg.find(" lost"), std::string::npos) << "no loss, no word of it";
  // Root at the bottom: deeper frames have smaller y.
  EXPECT_NE(svg.find("data-inverted=\"0\""), std::string::npos);
}

TEST(Flamegraph, SubtitleCountsLossesAndFailures) {
  Profile p = small_profile();
  p.add_lost(4243, 2);
  const FrameId unknown = p.frames().unknown();
  p.add_sample(4242, std::span<const FrameId>(&unknown, 1), p.info().start_mono_ns);
  std::string svg = render_svg(p);
  EXPECT_NE(svg.find("23 samples at 100 Hz"), std::string::npos);
  EXPECT_NE(svg.find("2 lost"), std::string::npos);
  EXPECT_NE(svg.find("1 unwind failure"), std::string::npos);
}

TEST(Flamegraph, CustomTitleAndLineLabels) {
  Profile p = small_profile();
  std::ostringstream out;
  write_flamegraph(p, WriteOptions{.lines = true, .title = "My <profile>"}, out);
  EXPECT_NE(out.str().find(">My &lt;profile&gt;</text>"), std::string::npos);
  auto frames = parse_frames(out.str());
  EXPECT_NE(find_frame(frames, "compute(int) (demo.cpp:12)", 3), nullptr);
}

TEST(Flamegraph, ThreadRootsAndIcicle) {
  Profile p = small_profile();
  auto threads = parse_frames(render_svg(p, false, true));
  const DrawnFrame* t = find_frame(threads, "thread 4243 (worker)", 1);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->samples, 6u);

  // Icicle: the inverted tree, leaves as roots, drawn downwards from the top.
  std::string svg = render_svg(p, true, false);
  EXPECT_NE(svg.find("data-inverted=\"1\""), std::string::npos);
  auto frames = parse_frames(svg);
  const DrawnFrame* square = find_frame(frames, "square", 1);
  ASSERT_NE(square, nullptr);
  EXPECT_EQ(square->samples, 6u);
  EXPECT_NE(find_frame(frames, "compute(int)", 2), nullptr);
  EXPECT_NE(find_frame(frames, "_start", 4), nullptr);
  const DrawnFrame* memcpy = find_frame(frames, "__memcpy_avx_unaligned", 1);
  ASSERT_NE(memcpy, nullptr);
  EXPECT_EQ(find_frame(frames, "std::sort<int*>", 2)->samples, 4u);  // only under memcpy here
  // With thread roots, each thread's stacks are inverted below its root frame.
  auto both = parse_frames(render_svg(p, true, true));
  EXPECT_NE(find_frame(both, "thread 4242 (demo)", 1), nullptr);
  EXPECT_NE(find_frame(both, "square", 2), nullptr);
  // The "all" frame is at the top in an icicle.
  EXPECT_EQ(attr(svg, "y", svg.find("<rect x=\"10\"", svg.find("<title>all"))), "60");
}

TEST(Flamegraph, ValidXmlAndScriptForOrdinaryAndHostileProfiles) {
  CSPY_REQUIRE_TOOL(have_program("xmllint"), "xmllint is not installed");
  CSPY_REQUIRE_TOOL(have_program("node"), "node is not installed");
  std::string dir = make_test_dir("flamegraph_xml");
  Profile ordinary = small_profile();
  Profile hostile = hostile_profile();
  std::string scripts[2];
  int i = 0;
  for (Profile* p : {&ordinary, &hostile}) {
    for (bool reverse : {false, true}) {
      std::ostringstream out;
      std::string title = i == 1 ? "</script><script>alert(1)</script> ]]> \x01\xff" : "";
      write_flamegraph(*p, WriteOptions{.thread_roots = true, .reverse = reverse, .title = title},
                       out);
      std::string path = dir + "/" + std::to_string(i) + (reverse ? "r" : "") + ".svg";
      write_file(path, out.str());
      CommandResult lint =
          run_command({"xmllint", "--noout", path}, kCommandTimeout, Stderr::kMerge);
      EXPECT_EQ(lint.exit_code, 0) << path << ": " << lint.out;
      EXPECT_EQ(lint.out, "");
      scripts[i] = extract_script(out.str());
    }
    ++i;
  }
  // The script holds no data from the target: it is the same for both profiles.
  EXPECT_EQ(scripts[0], scripts[1]);
  write_file(dir + "/script.js", scripts[0]);
  CommandResult check =
      run_command({"node", "--check", dir + "/script.js"}, kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(check.exit_code, 0) << check.out;
}

TEST(Flamegraph, HostileStringsAreEscapedAndInert) {
  Profile p = hostile_profile();
  std::ostringstream out;
  write_flamegraph(p, WriteOptions{.thread_roots = true, .title = "]]><script>x</script>"}, out);
  std::string svg = out.str();
  EXPECT_EQ(sanitize_utf8(svg), [&] {  // the whole file is valid UTF-8 without controls
    std::string s = svg;
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  }());
  EXPECT_EQ(count(svg, "<script"), 1u);
  EXPECT_EQ(count(svg, "]]>"), 2u);  // closing the style's and the script's CDATA only
  EXPECT_EQ(count(svg, "alert(1)"),
            count(svg, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_GT(count(svg, "alert(1)"), 0u);
  for (const auto& h : hostile_strings()) {
    // Strings with '<', quotes, controls or bad bytes can only appear escaped. ("]]>" and
    // "&amp;" are substrings of legitimate markup; they are checked above and below.)
    if (h.find_first_of("<\"'\x01\xff\xfe\xc0\xed\xe2\x7f\n") != std::string::npos) {
      EXPECT_EQ(svg.find(h), std::string::npos) << h;
    }
  }
  EXPECT_NE(svg.find("na\xc3\xafve::\xe2\x9c\x93 main"), std::string::npos);           // UTF-8 kept
  EXPECT_NE(svg.find("bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd("), std::string::npos);  // U+FFFD
  EXPECT_NE(svg.find("thread 100 (&lt;thr&amp;&quot;&#39;&gt;\xef\xbf\xbd\xef\xbf\xbd)"),
            std::string::npos);
  EXPECT_NE(svg.find("line break"), std::string::npos);
  EXPECT_NE(svg.find("&amp;amp;"), std::string::npos);
  EXPECT_NE(svg.find("]]&gt;"), std::string::npos);
}

// flamegraph.pl's layout, computed from folded stacks: sort the lines, merge each stack
// with the previous one (common prefix stays open), a frame's width is its samples x
// (image width - 2 x pad) / total, and frames narrower than minwidth are dropped.
struct PlFrame {
  std::string name;
  int depth;
  std::uint64_t start, end;
};

std::vector<PlFrame> flamegraph_pl_frames(const std::string& folded, double min_width_px) {
  std::istringstream in(folded);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::vector<PlFrame> done, open;
  std::uint64_t time = 0;
  auto flow = [&](const std::vector<std::string>& stack) {
    std::size_t same = 0;
    while (same < open.size() && same < stack.size() && open[same].name == stack[same]) ++same;
    while (open.size() > same) {
      open.back().end = time;
      done.push_back(open.back());
      open.pop_back();
    }
    for (std::size_t i = same; i < stack.size(); ++i)
      open.push_back(PlFrame{stack[i], static_cast<int>(i), time, 0});
  };
  for (const auto& line : lines) {
    auto space = line.rfind(' ');
    std::vector<std::string> stack{"all"};
    std::istringstream frames(line.substr(0, space));
    for (std::string f; std::getline(frames, f, ';');) stack.push_back(f);
    flow(stack);
    time += std::stoull(line.substr(space + 1));
  }
  flow({});
  double per_sample = 1180.0 / static_cast<double>(time);
  std::erase_if(done, [&](const PlFrame& f) {
    return static_cast<double>(f.end - f.start) * per_sample < min_width_px;
  });
  return done;
}

TEST(Flamegraph, WidthsMatchFlamegraphPlAlgorithm) {
  Profile p = random_profile(3000, 12345);
  std::string folded = render_folded(p);
  std::vector<PlFrame> expected = flamegraph_pl_frames(folded, 0.1);
  std::vector<DrawnFrame> drawn = parse_frames(render_svg(p));
  ASSERT_EQ(drawn.size(), expected.size());
  auto by_position = [](const auto& a, const auto& b) {
    return std::tie(a.depth, a.start) < std::tie(b.depth, b.start);
  };
  std::sort(expected.begin(), expected.end(), by_position);
  std::sort(drawn.begin(), drawn.end(), by_position);
  ASSERT_EQ(drawn[0].label, "all");
  const double per_sample = 1180.0 / static_cast<double>(drawn[0].samples);
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    const PlFrame& e = expected[i];
    const DrawnFrame& d = drawn[i];
    ASSERT_EQ(d.label, e.name) << i;
    ASSERT_EQ(d.depth, e.depth) << e.name;
    ASSERT_EQ(d.start, e.start) << e.name;
    ASSERT_EQ(d.samples, e.end - e.start) << e.name;
    EXPECT_NEAR(d.x, 10 + static_cast<double>(e.start) * per_sample, 0.006) << e.name;
    EXPECT_NEAR(d.width, static_cast<double>(e.end - e.start) * per_sample, 0.006) << e.name;
  }
  // The profile is big enough that the 0.1 px threshold matters.
  EXPECT_LT(drawn.size(), static_cast<std::size_t>(std::count(folded.begin(), folded.end(), ';')));
}

TEST(Flamegraph, PrunesTinyFramesButKeepsTheTotal) {
  Profile p;
  FrameId main = p.frames().intern(Frame{.function = "main"});
  FrameId big = p.frames().intern(Frame{.function = "big_work"});
  p.add_sample(1, std::vector<FrameId>{main, big}, 0, 10'000'000);
  for (int i = 0; i < 100'000; ++i) {
    FrameId tiny = p.frames().intern(Frame{.function = "tiny_" + std::to_string(i)});
    p.add_sample(1, std::vector<FrameId>{main, tiny}, 0);
  }
  std::string svg = render_svg(p);
  EXPECT_LT(svg.size(), 20'000u);
  auto frames = parse_frames(svg);
  ASSERT_EQ(frames.size(), 3u);  // all, main, big_work
  EXPECT_EQ(frames[0].samples, 10'100'000u);
  EXPECT_DOUBLE_EQ(frames[0].width, 1180);
  EXPECT_EQ(find_frame(frames, "main", 1)->samples, 10'100'000u);
  EXPECT_NE(svg.find("10,100,000 samples"), std::string::npos);
}

TEST(Flamegraph, OneHourAt100HzStaysSmall) {
  Profile p;
  std::vector<FrameId> f;
  for (int i = 0; i < 30; ++i)
    f.push_back(p.frames().intern(
        Frame{.function = "function_number_" + std::to_string(i), .module = "app"}));
  std::uint32_t state = 7;
  for (int s = 0; s < 360'000; ++s) {
    state = state * 1664525u + 1013904223u;
    std::vector<FrameId> stack(f.begin(), f.begin() + 8);
    stack.push_back(f[8 + (state >> 8) % 12]);
    if ((state >> 20) % 4 == 0) stack.push_back(f[20 + (state >> 24) % 10]);
    p.add_sample(1, stack, 0);
  }
  std::string svg = render_svg(p);
  EXPECT_LT(svg.size(), 200'000u);
}

TEST(Flamegraph, EmptyProfileIsValid) {
  Profile p;
  std::string svg = render_svg(p);
  EXPECT_NE(svg.find("No samples"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(FlamegraphColors, StableByNameAndFamily) {
  Frame a{.function = "compute", .module = "app"};
  Frame b{.function = "compute", .module = "app", .file = "x.cpp", .line = 3};
  EXPECT_EQ(frame_color(a), frame_color(b));
  EXPECT_NE(frame_color(a), frame_color(Frame{.function = "other", .module = "app"}));
  EXPECT_EQ(frame_color(a), family_color(ColorFamily::kProgram, "compute", false));
  for (const char* m :
       {"libc.so.6", "libc-2.31.so", "ld-linux-x86-64.so.2", "libstdc++.so.6", "libm.so.6",
        "libpthread.so.0", "libgcc_s.so.1", "/lib/x86_64-linux-gnu/libc.so.6"})
    EXPECT_TRUE(is_system_module(m)) << m;
  for (const char* m : {"app", "libcrypto.so.3", "libmagic.so.1", "libfoo.so", ""})
    EXPECT_FALSE(is_system_module(m)) << m;
  EXPECT_EQ(color_family(Frame{.function = "memcpy", .module = "libc.so.6"}), ColorFamily::kSystem);
  EXPECT_EQ(color_family(Frame{.function = "x", .kind = aggregate::FrameKind::kKernel}),
            ColorFamily::kKernel);
  EXPECT_EQ(color_family(Frame{.function = "[unknown]", .kind = aggregate::FrameKind::kSpecial}),
            ColorFamily::kSpecial);
  EXPECT_EQ(color_family(Frame{.function = "thread 1", .kind = aggregate::FrameKind::kThread}),
            ColorFamily::kThread);
  // Warm for the program (red > blue), aqua for system libraries (blue > red), grey for
  // special frames, and an inlined frame is lighter than its out-of-line twin.
  auto rgb = [](const std::string& hex) {
    return std::array<int, 3>{std::stoi(hex.substr(1, 2), nullptr, 16),
                              std::stoi(hex.substr(3, 2), nullptr, 16),
                              std::stoi(hex.substr(5, 2), nullptr, 16)};
  };
  for (const char* name : {"a", "main", "std::sort", "zeta"}) {
    auto warm = rgb(family_color(ColorFamily::kProgram, name, false));
    auto aqua = rgb(family_color(ColorFamily::kSystem, name, false));
    auto grey = rgb(family_color(ColorFamily::kSpecial, name, false));
    auto pale = rgb(family_color(ColorFamily::kProgram, name, true));
    EXPECT_GT(warm[0], warm[2] + 80) << name;
    EXPECT_GT(aqua[2], aqua[0] + 40) << name;
    EXPECT_TRUE(grey[0] == grey[1] && grey[1] == grey[2]) << name;
    EXPECT_GT(pale[0] + pale[1] + pale[2], warm[0] + warm[1] + warm[2]) << name;
  }
}

}  // namespace
}  // namespace cspy::output
