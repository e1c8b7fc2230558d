// `cspy diff` and `cspy report`'s filters on real recordings: the hashtable target run
// with its good hash and with its bad one (test_targets/hashtable.cpp: with the bad hash
// nearly all time goes to the noinline `probe`). The diff must mark `probe` as the
// largest increase, a recording against itself must be neutral everywhere, and the SVGs
// must be valid XML.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

// One frame of a diff SVG: its label, fill and change in percentage points.
struct DiffFrame {
  std::string label;
  std::string fill;
  double change = 0;
  std::string title;
};

std::vector<DiffFrame> diff_frames(const std::string& svg) {
  static const std::regex change_re(R"(: ([+-]?[0-9]+\.[0-9]+) pp)");
  std::vector<DiffFrame> out;
  for (std::size_t at = svg.find("<g data-x="); at != std::string::npos;
       at = svg.find("<g data-x=", at + 1)) {
    auto t0 = svg.find("<title>", at) + 7;
    auto t1 = svg.find("</title>", t0);
    DiffFrame f;
    f.title = svg.substr(t0, t1 - t0);
    f.label = f.title.substr(0, f.title.find('\n'));
    auto f0 = svg.find("fill=\"", t1) + 6;
    f.fill = svg.substr(f0, svg.find('"', f0) - f0);
    std::smatch m;
    EXPECT_TRUE(std::regex_search(f.title, m, change_re)) << f.title;
    if (!m.empty()) f.change = std::stod(m[1]);
    out.push_back(f);
  }
  return out;
}

void expect_valid_xml(const std::string& path) {
  CSPY_REQUIRE_TOOL(have_program("xmllint"), "xmllint is not installed");
  CommandResult lint = run_command({"xmllint", "--noout", path}, kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(lint.exit_code, 0) << path << ": " << lint.out;
  EXPECT_EQ(lint.out, "");
}

// Two raw recordings of hashtable, made once for the suite.
// `cspy diff BEFORE AFTER -o OUT` (an SVG) of hashtable's good and bad hashes: valid, and
// probe the largest increase. Its frames.
std::vector<DiffFrame> diff_marks_probe(const std::string& before, const std::string& after,
                                        const std::string& out) {
  CommandResult r = run_command({cspy_binary(), "diff", before, after, "-o", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_valid_xml(out);
  std::vector<DiffFrame> frames = diff_frames(read_file(out));
  auto largest = std::max_element(frames.begin(), frames.end(),
                                  [](const auto& a, const auto& b) { return a.change < b.change; });
  EXPECT_TRUE(largest != frames.end()) << out;
  if (largest == frames.end()) return frames;
  EXPECT_EQ(largest->label, "probe") << largest->title;
  EXPECT_GT(largest->change, 10.0) << largest->title;
  return frames;
}

// `cspy diff BEFORE AFTER --format folded` of two recordings of the same samples: every
// stack with the same count on both sides.
void expect_same_counts(const std::vector<std::string>& before_after) {
  CommandResult r = run_command(
      {cspy_binary(), "diff", before_after.at(0), before_after.at(1), "--format", "folded"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  static const std::regex line(R"(^(.+) ([0-9]+) ([0-9]+)$)");
  int lines = 0;
  std::istringstream in(r.out);
  for (std::string text; std::getline(in, text); ++lines) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(text, m, line)) << text;
    EXPECT_EQ(m[2], m[3]) << text;
  }
  EXPECT_GT(lines, 0);
}

class HashtableDiff : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(make_test_dir("diff_hashtable"));
    for (const char* hash : {"good", "bad"}) {
      CommandResult r =
          run_command({cspy_binary(), "record", "-q", "--rate", "500", "--raw", raw(hash), "-o",
                       *dir_ + "/" + hash + ".folded", "--", target_binary("hashtable"), "--hash",
                       hash, "--seconds", "1.5"},
                      90s);
      ASSERT_EQ(r.exit_code, 0) << hash << ": " << r.err;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string raw(const std::string& hash) { return *dir_ + "/" + hash + ".raw"; }
  static std::string path(const std::string& name) { return *dir_ + "/" + name; }

  static std::string* dir_;
};

std::string* HashtableDiff::dir_ = nullptr;

TEST_F(HashtableDiff, BadHashMarksProbeAsTheLargestIncrease) {
  std::vector<DiffFrame> frames =
      diff_marks_probe(raw("good"), raw("bad"), path("good-to-bad.svg"));
  ASSERT_GT(frames.size(), 3u);
  auto largest = std::max_element(frames.begin(), frames.end(),
                                  [](const auto& a, const auto& b) { return a.change < b.change; });
  EXPECT_EQ(largest->fill, "#ff0000");  // the deepest red
  EXPECT_EQ(frames[0].label, "all");
}

TEST_F(HashtableDiff, RecordingAgainstItselfIsNeutral) {
  const std::string out = path("bad-to-bad.svg");
  CommandResult r = run_command({cspy_binary(), "diff", raw("bad"), raw("bad"), "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_valid_xml(out);
  std::vector<DiffFrame> frames = diff_frames(read_file(out));
  ASSERT_GT(frames.size(), 3u);
  for (const DiffFrame& f : frames) {
    EXPECT_EQ(f.change, 0.0) << f.title;
    EXPECT_NE(f.title.find(": 0.00 pp"), std::string::npos) << f.title;
    EXPECT_EQ(f.fill, "#ffffff") << f.title;
  }
  // The folded form: every stack with the same count on both sides.
  expect_same_counts({raw("bad"), raw("bad")});
}

TEST_F(HashtableDiff, FoldedInputsGiveTheSameAnswer) {
  const std::string out = path("folded-good-to-bad.svg");
  CommandResult r =
      run_command({cspy_binary(), "diff", path("good.folded"), path("bad.folded"), "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<DiffFrame> frames = diff_frames(read_file(out));
  ASSERT_FALSE(frames.empty());
  auto largest = std::max_element(frames.begin(), frames.end(),
                                  [](const auto& a, const auto& b) { return a.change < b.change; });
  EXPECT_EQ(largest->label, "probe") << largest->title;
  // A raw file against a folded file is fine too.
  CommandResult mixed = run_command(
      {cspy_binary(), "diff", raw("good"), path("bad.folded"), "-o", path("mixed.folded")});
  EXPECT_EQ(mixed.exit_code, 0) << mixed.err;
}

// pprof inputs (`-f pprof`, gzip-compressed profile.proto): recorded as pprof, the same
// largest increase; neutral against themselves; and the pprof `report` writes of a raw file
// holds what the raw file does.
TEST_F(HashtableDiff, PprofInputsGiveTheSameAnswer) {
  for (const char* hash : {"good", "bad"}) {
    const std::string name(hash);
    CommandResult recorded = run_command(
        {cspy_binary(), "record", "-q", "--rate", "500", "-o", path(name + ".rec.pb.gz"), "--",
         target_binary("hashtable"), "--hash", hash, "--seconds", "1.5"},
        90s);
    ASSERT_EQ(recorded.exit_code, 0) << hash << ": " << recorded.err;
    CommandResult r =
        run_command({cspy_binary(), "report", raw(hash), "-o", path(name + ".pb.gz")});
    ASSERT_EQ(r.exit_code, 0) << hash << ": " << r.err;
  }
  diff_marks_probe(path("good.rec.pb.gz"), path("bad.rec.pb.gz"), path("pprof-good-to-bad.svg"));

  const std::string same = path("pprof-bad-to-bad.svg");
  CommandResult itself = run_command(
      {cspy_binary(), "diff", path("bad.rec.pb.gz"), path("bad.rec.pb.gz"), "-o", same});
  ASSERT_EQ(itself.exit_code, 0) << itself.err;
  std::vector<DiffFrame> neutral = diff_frames(read_file(same));
  ASSERT_GT(neutral.size(), 3u);
  for (const DiffFrame& f : neutral) {
    EXPECT_EQ(f.change, 0.0) << f.title;
    EXPECT_EQ(f.fill, "#ffffff") << f.title;
  }
  // The pprof holds what the raw file does: against it, every stack has the same count.
  expect_same_counts({raw("bad"), path("bad.pb.gz")});
  CommandResult folded = run_command(
      {cspy_binary(), "diff", path("good.folded"), path("bad.pb.gz"), "-o", path("m.folded")});
  EXPECT_EQ(folded.exit_code, 0) << folded.err;
}

TEST_F(HashtableDiff, ReportFocusExcludeAndThread) {
  CommandResult all = run_command({cspy_binary(), "report", raw("bad"), "-f", "folded"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto all_stacks = parse_folded(all.out);
  const std::uint64_t through_probe = count_matching(all_stacks, ";probe");
  ASSERT_GT(through_probe, 0u);

  CommandResult focus =
      run_command({cspy_binary(), "report", raw("bad"), "-f", "folded", "--focus", "^probe$"});
  ASSERT_EQ(focus.exit_code, 0) << focus.err;
  auto focused = parse_folded(focus.out);
  EXPECT_EQ(total_samples(focused), through_probe);
  for (const auto& [stack, count] : focused) EXPECT_NE(stack.find(";probe"), std::string::npos);

  CommandResult exclude =
      run_command({cspy_binary(), "report", raw("bad"), "-f", "folded", "--exclude", "^probe$"});
  ASSERT_EQ(exclude.exit_code, 0) << exclude.err;
  auto excluded = parse_folded(exclude.out);
  EXPECT_EQ(total_samples(excluded), total_samples(all_stacks) - through_probe);
  EXPECT_EQ(count_matching(excluded, ";probe"), 0u);

  // The target's only thread, by TID and by name; a thread that is not there is a usage
  // error naming the threads there are.
  CommandResult roots =
      run_command({cspy_binary(), "report", raw("bad"), "-f", "folded", "--threads"});
  std::smatch tid;
  ASSERT_TRUE(std::regex_search(roots.out, tid, std::regex(R"(^thread ([0-9]+) \(hashtable\);)")))
      << roots.out;
  CommandResult thread =
      run_command({cspy_binary(), "report", raw("bad"), "-f", "folded", "--thread", tid[1]});
  ASSERT_EQ(thread.exit_code, 0) << thread.err;
  EXPECT_EQ(total_samples(parse_folded(thread.out)), total_samples(all_stacks));
  CommandResult by_name =
      run_command({cspy_binary(), "report", raw("bad"), "-f", "folded", "--thread", "hashtable"});
  ASSERT_EQ(by_name.exit_code, 0) << by_name.err;
  EXPECT_EQ(by_name.out, thread.out);
  CommandResult none =
      run_command({cspy_binary(), "report", raw("bad"), "-f", "folded", "--thread", "nope"});
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find(tid[1].str() + " (hashtable)"), std::string::npos) << none.err;
  CommandResult bad_regex = run_command({cspy_binary(), "report", raw("bad"), "--focus", "(probe"});
  EXPECT_EQ(bad_regex.exit_code, 2) << bad_regex.err;
}

TEST(DiffErrors, UsageAndInputErrors) {
  std::string dir = make_test_dir("diff_errors");
  write_file(dir + "/a.folded", "main;a 1\n");
  write_file(dir + "/junk.txt", "this is not a profile\n");
  EXPECT_EQ(run_command({cspy_binary(), "diff", dir + "/a.folded"}).exit_code, 2);
  EXPECT_EQ(
      run_command({cspy_binary(), "diff", dir + "/a.folded", dir + "/a.folded", "-f", "speedscope"})
          .exit_code,
      2);
  CommandResult junk = run_command({cspy_binary(), "diff", dir + "/a.folded", dir + "/junk.txt"});
  EXPECT_EQ(junk.exit_code, 6);
  EXPECT_NE(junk.err.find("junk.txt"), std::string::npos) << junk.err;
  EXPECT_EQ(run_command({cspy_binary(), "diff", dir + "/a.folded", dir + "/missing"}).exit_code, 6);
  // gzip magic, then not a gzip stream: an input error naming the file.
  write_file(dir + "/broken.pb.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
  CommandResult broken =
      run_command({cspy_binary(), "diff", dir + "/a.folded", dir + "/broken.pb.gz"});
  EXPECT_EQ(broken.exit_code, 6);
  EXPECT_NE(broken.err.find("broken.pb.gz"), std::string::npos) << broken.err;
}

}  // namespace
}  // namespace cspy::test
