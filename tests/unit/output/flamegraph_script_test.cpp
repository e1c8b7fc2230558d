// Behaviour of the flamegraph's embedded script, run under node against a minimal DOM
// built from the SVG (flamegraph_script_check.mjs): zoom with faded ancestors, reset,
// regex search with "Matched" counting nested matches once, hover details, URL state,
// and labels that agree with the ones the C++ writer drew.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cspy/output/writer.h"
#include "test_support.h"

namespace cspy::output {
namespace {

using nlohmann::json;
using namespace testing;

// Runs the script check on `svg` and returns its {"initial", "final", "alerts"} JSON.
json run_script(const std::string& svg, const std::string& query,
                const std::vector<std::string>& actions) {
  // CTest runs each test in its own process, in parallel: name the directory after the
  // test (and the call within it) so that no two runs share a file.
  static int n = 0;
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir =
      make_test_dir(std::string("flamegraph_script_") + test->name() + "_" + std::to_string(n++));
  write_file(dir + "/f.svg", svg);
  std::vector<std::string> argv = {"node",
                                   CSPY_SOURCE_DIR "/tests/unit/output/flamegraph_script_check.mjs",
                                   dir + "/f.svg", query};
  argv.insert(argv.end(), actions.begin(), actions.end());
  CommandResult r = run_command(argv, kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return r.exit_code == 0 ? json::parse(r.out) : json::object();
}

const json& frame(const json& state, const std::string& name) {
  for (const auto& f : state["frames"])
    if (f["name"] == name) return f;
  static const json none = json::object();
  ADD_FAILURE() << "no frame " << name;
  return none;
}

TEST(FlamegraphScript, SearchCountsNestedMatchesOnce) {
  CSPY_REQUIRE_TOOL(have_program("node"), "node is not installed");
  aggregate::Profile p = small_profile();
  json r = run_script(render_svg(p), "", {"search=sort|memcpy"});
  const json& s = r["final"];
  // std::sort: 2 (main thread) + 4 (worker, containing the 4 memcpy samples) of 20.
  EXPECT_EQ(s["matched"], "Matched: 30.0%");
  EXPECT_EQ(s["search"], "Reset Search");
  EXPECT_EQ(frame(s, "__memcpy_avx_unaligned")["fill"], "#e600e6");
  EXPECT_EQ(frame(s, "main")["fill"], frame(r["initial"], "main")["fill"]);
  // An invalid regular expression is reported, not thrown.
  json bad = run_script(render_svg(p), "", {"search=("});
  ASSERT_EQ(bad["alerts"].size(), 1u);
  EXPECT_EQ(bad["final"]["search"], "Search");
}

TEST(FlamegraphScript, ZoomFadesAncestorsHidesOthersAndResets) {
  CSPY_REQUIRE_TOOL(have_program("node"), "node is not installed");
  aggregate::Profile p = small_profile();
  json r = run_script(render_svg(p), "", {"click=compute(int)", "hover=square"});
  const json& z = r["final"];
  EXPECT_EQ(frame(z, "compute(int)")["x"], 10);
  EXPECT_EQ(frame(z, "compute(int)")["w"], 1180);
  EXPECT_FALSE(frame(z, "compute(int)")["faded"].get<bool>());
  EXPECT_NEAR(frame(z, "square")["x"].get<double>(), 10 + 3 * 1180.0 / 9,
              0.01);  // after 3 self samples
  EXPECT_NEAR(frame(z, "square")["w"].get<double>(), 6 * 1180.0 / 9, 0.01);
  for (const char* ancestor : {"all", "_start", "main"}) {
    EXPECT_TRUE(frame(z, ancestor)["faded"].get<bool>()) << ancestor;
    EXPECT_EQ(frame(z, ancestor)["w"], 1180) << ancestor;
  }
  for (const char* other : {"write", "worker_loop", "clone3", "[unknown]"})
    EXPECT_TRUE(frame(z, other)["hidden"].get<bool>()) << other;
  EXPECT_FALSE(z["resetHidden"].get<bool>());
  EXPECT_EQ(
      z["details"],
      "square \xC2\xB7 6 samples (30.00%) \xC2\xB7 /src/math.h:3 \xC2\xB7 module demo, inlined");

  // Escape resets the zoom: everything back where the C++ writer drew it, same labels.
  json back = run_script(render_svg(p), "", {"click=compute(int)", "key=Escape"});
  EXPECT_EQ(back["final"]["frames"], back["initial"]["frames"]);
  EXPECT_TRUE(back["final"]["resetHidden"].get<bool>());
}

TEST(FlamegraphScript, UrlQueryRestoresZoomAndSearch) {
  CSPY_REQUIRE_TOOL(have_program("node"), "node is not installed");
  aggregate::Profile p = small_profile();
  std::string svg = render_svg(p);
  json plain = run_script(svg, "", {});
  const json& c = frame(plain["initial"], "compute(int)");
  std::string query = "?x=" + std::to_string(c["x"].get<double>() + c["w"].get<double>() / 2) +
                      "&y=" + std::to_string(c["y"].get<int>() + 1) + "&s=square";
  json r = run_script(svg, query, {});
  EXPECT_EQ(frame(r["initial"], "compute(int)")["w"], 1180);
  EXPECT_TRUE(frame(r["initial"], "main")["faded"].get<bool>());
  EXPECT_EQ(r["initial"]["matched"], "Matched: 30.0%");
}

TEST(FlamegraphScript, IcicleZoomFadesFramesAbove) {
  CSPY_REQUIRE_TOOL(have_program("node"), "node is not installed");
  aggregate::Profile p = small_profile();
  // Inverted: ksys_write (a leaf) is a root frame, write under it, then main, _start.
  json r = run_script(render_svg(p, /*reverse=*/true), "", {"click=write"});
  const json& z = r["final"];
  const int y = frame(z, "write")["y"];
  EXPECT_TRUE(frame(z, "ksys_write")["faded"].get<bool>());
  EXPECT_LT(frame(z, "ksys_write")["y"].get<int>(), y);
  std::vector<std::string> shown;
  for (const auto& f : z["frames"]) {
    if (f["hidden"].get<bool>() || f["faded"].get<bool>()) continue;
    shown.push_back(f["name"]);
    EXPECT_GE(f["y"].get<int>(), y);
    EXPECT_EQ(f["w"], 1180);
  }
  EXPECT_EQ(shown, (std::vector<std::string>{"write", "main", "_start"}));
}

TEST(FlamegraphScript, HostileNamesAreInertText) {
  CSPY_REQUIRE_TOOL(have_program("node"), "node is not installed");
  aggregate::Profile p = hostile_profile();
  json r = run_script(render_svg(p, false, true), "?s=alert", {});
  EXPECT_TRUE(r["alerts"].empty());
  EXPECT_EQ(frame(r["initial"], "</script><script>alert(1)</script>")["fill"], "#e600e6");
  EXPECT_EQ(frame(r["initial"], "thread 101 (]]></script>)")["hidden"], false);
}

}  // namespace
}  // namespace cspy::output
