// Tests for the differential outputs on hand-made folded inputs: self shares normalised
// by each input's total, flamegraph.pl's colour scale, frames only in BEFORE not drawn, an
// input against itself all white, difffolded -n's scaled counts, and valid XML.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "cspy/aggregate/folded_reader.h"
#include "cspy/output/diff.h"
#include "test_support.h"

namespace cspy::output {
namespace {

using aggregate::Profile;
using namespace testing;

Profile folded(const std::string& text) {
  Profile p;
  auto read = aggregate::add_folded_stacks(text, p);
  EXPECT_TRUE(read.has_value()) << text;
  return p;
}

struct Drawn {
  std::string fill;
  std::string title;  // the tooltip, lines joined by '\n'
};

// label path ("all", "all;main", "all;main;a") -> the frame drawn there. Frames are in
// parent-before-children order with their rows' y, one <g> per line.
std::map<std::string, Drawn> drawn_frames(const std::string& svg) {
  std::map<std::string, Drawn> out;
  std::map<int, std::string> path_at_y;  // an upright graph: deeper frames have smaller y
  for (std::size_t at = svg.find("<g data-x="); at != std::string::npos;
       at = svg.find("<g data-x=", at + 1)) {
    auto t0 = svg.find("<title>", at) + 7;
    auto t1 = svg.find("</title>", t0);
    std::string title = svg.substr(t0, t1 - t0);
    auto y0 = svg.find(" y=\"", t1) + 4;
    int y = std::stoi(svg.substr(y0, svg.find('"', y0) - y0));
    auto f0 = svg.find("fill=\"", t1) + 6;
    std::string label = title.substr(0, title.find('\n'));
    auto parent = path_at_y.upper_bound(y);  // the row below
    std::string path = parent == path_at_y.end() ? label : parent->second + ";" + label;
    path_at_y.erase(path_at_y.begin(), path_at_y.upper_bound(y));
    path_at_y[y] = path;
    out[path] = Drawn{svg.substr(f0, 7), title};
  }
  return out;
}

std::string render_diff(const Profile& before, const Profile& after) {
  std::ostringstream out;
  write_diff_flamegraph(before, after, WriteOptions{}, out);
  return out.str();
}

TEST(DiffColor, WhiteForNoChangeDeeperForLarger) {
  EXPECT_EQ(diff_color(0, 5), "#ffffff");
  EXPECT_EQ(diff_color(3, 0), "#ffffff");  // nothing changed anywhere
  EXPECT_EQ(diff_color(2, 2), "#ff0000");
  EXPECT_EQ(diff_color(-2, 2), "#0000ff");
  EXPECT_EQ(diff_color(1, 2), "#ff6969");  // 210 / 2 = 105
  EXPECT_EQ(diff_color(-1, 2), "#6969ff");
  EXPECT_EQ(diff_color(0.001, 100), "#ffd1d1");  // the least change is still not white
}

TEST(DiffShares, NormalisedByEachInputsTotal) {
  EXPECT_DOUBLE_EQ(self_share_change(50, 100, 150, 200), 25.0);
  EXPECT_DOUBLE_EQ(self_share_change(50, 100, 50, 200), -25.0);
  EXPECT_DOUBLE_EQ(self_share_change(10, 100, 20, 200), 0.0);  // twice as long, same share
  EXPECT_DOUBLE_EQ(self_share_change(0, 0, 5, 10), 50.0);
}

TEST(DiffFlamegraph, ColoursBySelfShareChange) {
  // a: 50% -> 75% of the samples (+25 pp); b: 50% -> 25% (-25 pp); main: no self time.
  Profile before = folded("main;a 50\nmain;b 50\n");
  Profile after = folded("main;a 150\nmain;b 50\n");
  auto frames = drawn_frames(render_diff(before, after));
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames["all;main;a"].fill, "#ff0000");
  EXPECT_EQ(frames["all;main;b"].fill, "#0000ff");
  EXPECT_EQ(frames["all;main"].fill, "#ffffff");
  EXPECT_EQ(frames["all"].fill, "#ffffff");
  EXPECT_NE(
      frames["all;main;a"].title.find("self 50 before (50.00%), 150 after (75.00%): +25.00 pp"),
      std::string::npos)
      << frames["all;main;a"].title;
  EXPECT_NE(frames["all;main;b"].title.find(": -25.00 pp"), std::string::npos)
      << frames["all;main;b"].title;
  EXPECT_NE(frames["all;main"].title.find(": 0.00 pp"), std::string::npos)
      << frames["all;main"].title;
}

TEST(DiffFlamegraph, SameSharesAreWhiteWhateverTheCounts) {
  // AFTER ran three times as long with the same profile: nothing changed.
  Profile before = folded("main;a 10\nmain;b 30\nmain 5\n");
  Profile after = folded("main;b 90\nmain;a 30\nmain 15\n");
  auto frames = drawn_frames(render_diff(before, after));
  ASSERT_EQ(frames.size(), 4u);
  for (const auto& [path, frame] : frames) {
    EXPECT_EQ(frame.fill, "#ffffff") << path;
    EXPECT_NE(frame.title.find(": 0.00 pp"), std::string::npos) << frame.title;
  }
}

TEST(DiffFlamegraph, MatchesFramesByTheirCallPath) {
  // `work` moves from under `old_caller` to under `new_caller`: two different frames.
  Profile before = folded("main;old_caller;work 10\nmain;rest 10\n");
  Profile after = folded("main;new_caller;work 10\nmain;rest 10\n");
  auto frames = drawn_frames(render_diff(before, after));
  EXPECT_EQ(frames["all;main;new_caller;work"].fill, "#ff0000");
  EXPECT_EQ(frames["all;main;rest"].fill, "#ffffff");
  // Frames only in BEFORE are not drawn.
  EXPECT_EQ(frames.count("all;main;old_caller"), 0u);
  EXPECT_EQ(frames.count("all;main;old_caller;work"), 0u);
}

TEST(DiffFolded, DifffoldedNormalisedLines) {
  Profile before = folded("main;x 10\nmain;y 30\n");            // 40 samples
  Profile after = folded("main;x 20\nmain;y 60\nmain;z 20\n");  // 100 samples
  std::ostringstream out;
  write_diff_folded(before, after, WriteOptions{}, out);
  // BEFORE scaled by 100/40, rounded down; stacks of either input, sorted.
  EXPECT_EQ(out.str(), "main;x 25 20\nmain;y 75 60\nmain;z 0 20\n");
  std::ostringstream equal;
  write_diff_folded(after, before, WriteOptions{}, equal);
  EXPECT_EQ(equal.str(), "main;x 8 10\nmain;y 24 30\nmain;z 8 0\n");
}

TEST(DiffFolded, EqualTotalsAreNotScaled) {
  Profile before = folded("a 3\nb 4\n");
  Profile after = folded("a 5\nb 2\n");
  std::ostringstream out;
  write_diff_folded(before, after, WriteOptions{}, out);
  EXPECT_EQ(out.str(), "a 3 5\nb 4 2\n");
}

TEST(DiffFlamegraph, ValidXmlForHostileNames) {
  CSPY_REQUIRE_TOOL(have_program("xmllint"), "xmllint is not installed");
  std::string dir = make_test_dir("diff_xml");
  Profile ordinary = small_profile();
  Profile hostile = hostile_profile();
  int i = 0;
  for (auto [before, after] : {std::pair{&ordinary, &hostile}, std::pair{&hostile, &ordinary},
                               std::pair{&hostile, &hostile}}) {
    std::string path = dir + "/" + std::to_string(i++) + ".svg";
    write_file(path, render_diff(*before, *after));
    CommandResult lint = run_command({"xmllint", "--noout", path}, kCommandTimeout, Stderr::kMerge);
    EXPECT_EQ(lint.exit_code, 0) << path << ": " << lint.out;
    EXPECT_EQ(lint.out, "");
  }
}

TEST(DiffFlamegraph, EmptyInputsDrawNoSamples) {
  Profile empty;
  std::string svg = render_diff(empty, empty);
  EXPECT_NE(svg.find("No samples"), std::string::npos);
}

}  // namespace
}  // namespace cspy::output
