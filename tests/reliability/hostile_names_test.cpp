// Hostile names through every output (issue 14): thread names with terminal escapes, ';',
// newlines, markup, quotes and invalid UTF-8, from a binary at a path with such characters
// too. SVG stays valid XML with no live markup, folded one stack per line, speedscope and
// `dump --json` parse, pprof decodes, and `dump`'s text holds no byte a terminal would act on.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "reliability_support.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

// The target copied to a directory and file name made of hostile characters.
std::string hostile_copy(const std::string& dir) {
  const std::string sub = dir + "/evil;dir \"'<x>&";
  std::filesystem::create_directories(sub);
  std::string path = sub + "/run\x1b[2J;me\xff";
  std::filesystem::copy_file(hostile_target(), path);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

// Bytes a terminal acts on: C0 controls but '\n', DEL, and the C1 controls' UTF-8 forms.
std::string terminal_problem(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return "control byte at " + std::to_string(i);
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      return "C1 control at " + std::to_string(i);
    }
    if (c == 0xff || c == 0xfe) return "invalid UTF-8 at " + std::to_string(i);
  }
  return "";
}

class HostileNames : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    target_.emplace(std::vector<std::string>{hostile_copy(dir_)});
    ASSERT_TRUE(target_->wait_for_output("ready", 10s)) << target_->error_output();
  }
  void TearDown() override {
    if (target_) target_->kill_and_reap();
  }
  std::string pid() const { return std::to_string(target_->pid()); }

  std::string dir_;
  std::optional<ChildProcess> target_;
};

TEST_F(HostileNames, EveryRecordOutputStaysValid) {
  for (const char* ext : {"svg", "folded", "json", "pb.gz"}) {
    const std::string out = dir_ + "/out." + ext;
    CommandResult r = run_command(
        {cspy_binary(), "record", "--pid", pid(), "-d", "0.5", "--threads", "-q", "-o", out}, 60s);
    ASSERT_EQ(r.exit_code, 0) << ext << ": " << r.err;
    EXPECT_EQ(output_problem(out), "") << ext;
    EXPECT_EQ(terminal_problem(r.err), "") << ext << ": stderr";
    const std::string text = read_file(out);
    if (std::string(ext) == "svg") {
      EXPECT_EQ(text.find("</script>\""), std::string::npos) << "a name closed the script";
      EXPECT_EQ(text.find('\x1b'), std::string::npos);
    }
    if (std::string(ext) == "folded") {
      EXPECT_EQ(terminal_problem(text), "");
      // A thread root per thread: the five threads' roots, none split by a ';' or '\n'.
      EXPECT_NE(text.find("a:b c d"), std::string::npos) << text;
    }
  }
}

TEST_F(HostileNames, RawFileReplaysToValidOutputs) {
  const std::string raw = dir_ + "/run.raw";
  CommandResult r = run_command({cspy_binary(), "record", "--pid", pid(), "-d", "0.5", "-q", "-o",
                                 dir_ + "/o.folded", "--raw", raw},
                                60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* ext : {"svg", "folded", "json"}) {
    const std::string out = dir_ + "/replay." + ext;
    CommandResult rep = run_command({cspy_binary(), "report", raw, "--threads", "-o", out}, 60s);
    ASSERT_EQ(rep.exit_code, 0) << ext << ": " << rep.err;
    EXPECT_EQ(output_problem(out), "") << ext;
  }
}

TEST_F(HostileNames, DumpLeavesTheTerminalClean) {
  CommandResult text = run_command({cspy_binary(), "dump", "--pid", pid()}, 60s);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(terminal_problem(text.out), "") << text.out;
  EXPECT_EQ(terminal_problem(text.err), "") << text.err;
  // One header line per thread: no name split a line.
  int thread_lines = 0;
  std::size_t at = 0;
  while ((at = text.out.find("\nThread ", at)) != std::string::npos) ++thread_lines, ++at;
  EXPECT_EQ(thread_lines, 5) << text.out;
  EXPECT_NE(text.out.find("\\x1b[2J\\x1b]0;pwn\\x07"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("a;b\\nc\\rd"), std::string::npos) << text.out;

  CommandResult json = run_command({cspy_binary(), "dump", "--pid", pid(), "--json"}, 60s);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  ASSERT_TRUE(nlohmann::json::accept(json.out)) << json.out;
  EXPECT_EQ(nlohmann::json::parse(json.out)["threads"].size(), 5u);
}

}  // namespace
}  // namespace cspy::test
