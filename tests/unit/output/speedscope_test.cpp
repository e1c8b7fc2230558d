// Tests for the speedscope JSON writer: structure parsed back with nlohmann::json, the
// time-ordered and aggregated modes, hostile strings, and an import by the real
// speedscope package (installed from npm by the output_speedscope_npm_setup fixture).
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>

#include <nlohmann/json.hpp>

#include "cspy/output/escape.h"
#include "cspy/output/writer.h"
#include "test_support.h"

namespace cspy::output {
namespace {

using aggregate::Frame;
using aggregate::FrameId;
using aggregate::Profile;
using nlohmann::json;
using namespace testing;

std::vector<std::string> stack_names(const json& doc, const json& sample) {
  std::vector<std::string> names;
  for (const auto& i : sample)
    names.push_back(doc["shared"]["frames"][i.get<std::size_t>()]["name"]);
  return names;
}

void expect_well_formed(const json& doc) {
  EXPECT_EQ(doc["$schema"], "https://www.speedscope.app/file-format-schema.json");
  EXPECT_EQ(doc["exporter"], "cspy 0.1");
  EXPECT_EQ(doc["activeProfileIndex"], 0);
  const std::size_t frames = doc["shared"]["frames"].size();
  for (const auto& f : doc["shared"]["frames"]) EXPECT_TRUE(f["name"].is_string());
  for (const auto& prof : doc["profiles"]) {
    EXPECT_EQ(prof["type"], "sampled");
    ASSERT_EQ(prof["samples"].size(), prof["weights"].size());
    std::uint64_t sum = 0;
    for (const auto& w : prof["weights"]) sum += w.get<std::uint64_t>();
    EXPECT_EQ(sum, prof["endValue"].get<std::uint64_t>() - prof["startValue"].get<std::uint64_t>());
    for (const auto& s : prof["samples"])
      for (const auto& i : s) EXPECT_LT(i.get<std::size_t>(), frames);
  }
}

TEST(Speedscope, TimelineSamplesInTimeOrderWithRealDeltas) {
  Profile p = small_profile();
  json doc = json::parse(render_speedscope(p));
  expect_well_formed(doc);
  EXPECT_EQ(doc["name"], "cspy: ./demo --size 3");
  ASSERT_EQ(doc["profiles"].size(), 2u);
  const json& main = doc["profiles"][0];
  EXPECT_EQ(main["name"], "thread 4242 (demo)");
  EXPECT_EQ(doc["profiles"][1]["name"], "thread 4243 (worker)");
  EXPECT_EQ(main["unit"], "nanoseconds");
  ASSERT_EQ(main["samples"].size(), 14u);
  EXPECT_EQ(stack_names(doc, main["samples"][0]),
            (std::vector<std::string>{"_start", "main", "compute(int)", "square"}));
  // Timestamps relative to start_mono_ns: the first sample is 3 ms in.
  EXPECT_EQ(main["startValue"], 3'000'000u);
  // Samples are 10 ms (+ 0-2 us jitter) apart; the main thread's 9th sample is followed
  // by the worker's four, so its weight spans them.
  EXPECT_EQ(main["weights"][0], 10'000'000u);
  EXPECT_EQ(main["weights"][1], 10'001'000u);
  EXPECT_EQ(main["weights"][8],
            10'002'000u + 10'000'000u + 10'001'000u + 10'002'000u + 10'000'000u);
  EXPECT_EQ(main["weights"].back(), 10'000'000u);  // the last: one interval at 100 Hz
  // Frames carry file and line when known.
  bool found = false;
  for (const auto& f : doc["shared"]["frames"]) {
    if (f["name"] == "compute(int)") {
      found = true;
      EXPECT_EQ(f["file"], "/src/demo.cpp");
      EXPECT_EQ(f["line"], 12);
    }
  }
  EXPECT_TRUE(found);
}

TEST(Speedscope, AggregatedOneSamplePerStack) {
  Profile p;  // no timeline
  p.info().rate_hz = 200;
  FrameId m = p.frames().intern(Frame{.function = "main"});
  FrameId a = p.frames().intern(Frame{.function = "a"});
  p.add_sample(9, std::vector<FrameId>{m, a}, 0, 7);
  p.add_sample(9, std::vector<FrameId>{m}, 0, 3);
  p.add_sample(9, std::vector<FrameId>{m, a}, 0, 1);
  json doc = json::parse(render_speedscope(p));
  expect_well_formed(doc);
  const json& prof = doc["profiles"][0];
  EXPECT_EQ(prof["name"], "thread 9");
  ASSERT_EQ(prof["samples"].size(), 2u);
  EXPECT_EQ(stack_names(doc, prof["samples"][0]), std::vector<std::string>{"main"});
  EXPECT_EQ(prof["weights"][0], 3 * 5'000'000u);
  EXPECT_EQ(stack_names(doc, prof["samples"][1]), (std::vector<std::string>{"main", "a"}));
  EXPECT_EQ(prof["weights"][1], 8 * 5'000'000u);
  EXPECT_EQ(prof["endValue"], 11 * 5'000'000u);

  p.info().rate_hz = 0;  // unknown rate: plain counts
  json counts = json::parse(render_speedscope(p));
  EXPECT_EQ(counts["profiles"][0]["unit"], "none");
  EXPECT_EQ(counts["profiles"][0]["weights"][1], 8u);
}

TEST(Speedscope, HostileStringsStayValidJson) {
  Profile p = hostile_profile();
  std::string text = render_speedscope(p);
  json doc = json::parse(text);  // throws on invalid UTF-8
  expect_well_formed(doc);
  EXPECT_EQ(doc["profiles"][0]["name"], "thread 100 (<thr&\"'>\xef\xbf\xbd\xef\xbf\xbd)");
  bool found = false;
  for (const auto& f : doc["shared"]["frames"])
    found |= f["name"] == "</script><script>alert(1)</script>";
  EXPECT_TRUE(found);
  EXPECT_EQ(text.find('\x01'), std::string::npos);
}

// The real speedscope package reads our files: its schema and its own importer.
TEST(SpeedscopeImport, AcceptedByRealSpeedscope) {
  CSPY_REQUIRE_TOOL(have_program("node"), "node is not installed");
  const std::string package = CSPY_SPEEDSCOPE_DIR;
  CSPY_REQUIRE_TOOL(std::filesystem::exists(package + "/package.json"),
                    "speedscope is not installed in " + package +
                        " (run ctest, whose output_speedscope_npm_setup fixture installs it)");
  std::string dir = make_test_dir("speedscope_import");
  Profile timeline = small_profile();
  Profile hostile = hostile_profile();
  Profile aggregated = random_profile(200, 3);
  aggregated.info().rate_hz = 97;
  std::vector<std::string> argv = {"node", CSPY_SPEEDSCOPE_SCRIPT, package};
  int i = 0;
  for (Profile* p : {&timeline, &hostile, &aggregated}) {
    std::string path = dir + "/profile" + std::to_string(i) + ".json";
    write_file(path, render_speedscope(*p));
    // The outermost frames of each thread: speedscope's call trees must start with them.
    json roots = json::array();
    for (const auto& [tid, thread] : p->threads()) {
      for (aggregate::NodeId c : thread.tree.node(aggregate::CallTree::kRoot).children)
        roots.push_back(sanitize_utf8(p->frames().get(thread.tree.node(c).frame).function));
    }
    write_file(dir + "/profile" + std::to_string(i++) + ".expect.json",
               json{{"roots", roots}}.dump());
    argv.push_back(path);
  }
  CommandResult r = run_command(argv, std::chrono::seconds(100), Stderr::kMerge);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("ok 3 files"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cspy::output
