// `cspy record` failure paths: each a one-line error naming cause and fix, a distinct exit
// code, nothing lost, and the target never left stopped or killed.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(RecordErrors, NoSuchProcess) {
  // PIDs above pid_max cannot exist.
  CommandResult r = run_command({cspy_binary(), "record", "--pid", "99999999", "-o", "/tmp/x.svg"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no process with PID 99999999"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

TEST(RecordErrors, KernelThread) {
  // PID 2 is kthreadd on Linux.
  CommandResult r = run_command({cspy_binary(), "record", "--pid", "2", "-o", "/tmp/x.svg"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("kernel thread"), std::string::npos) << r.err;
}

TEST(RecordErrors, Zombie) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  std::this_thread::sleep_for(100ms);  // it exits, unreaped: a zombie
  CommandResult r =
      run_command({cspy_binary(), "record", "--pid", std::to_string(child), "-o", "/tmp/x.svg"});
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("zombie"), std::string::npos) << r.err;
}

TEST(RecordErrors, UsageErrors) {
  EXPECT_EQ(run_command({cspy_binary(), "record"}).exit_code, 2);
  EXPECT_EQ(run_command({cspy_binary(), "record", "--pid", "1", "--", "true"}).exit_code, 2);
  EXPECT_EQ(run_command({cspy_binary(), "record", "--bogus"}).exit_code, 2);
  EXPECT_EQ(run_command({cspy_binary(), "record", "--pid", "1", "-o", "x.unknownext"}).exit_code,
            2);
  EXPECT_EQ(run_command({cspy_binary(), "nosuchcommand"}).exit_code, 2);
  EXPECT_EQ(run_command({cspy_binary(), "record", "--pid", "1", "--rate", "0"}).exit_code, 2);
  // perf's -F is --rate, checked the same, and not to be given with it.
  EXPECT_EQ(run_command({cspy_binary(), "record", "--pid", "1", "-F", "0"}).exit_code, 2);
  EXPECT_EQ(run_command({cspy_binary(), "record", "--pid", "1", "-F", "9", "-r", "9"}).exit_code,
            2);
  // py-spy's no-op options where they would contradict what was asked.
  EXPECT_EQ(run_command({cspy_binary(), "record", "--pid", "1", "--nolineno", "--lines"}).exit_code,
            2);
  EXPECT_EQ(
      run_command({cspy_binary(), "record", "--pid", "1", "--nonblocking", "--sampler", "ptrace"})
          .exit_code,
      2);
  // Continuous recording: an interval of at least 1 s with a unit it knows, --upload an
  // http(s) URL and only with --every, tags that can go into a name, no stdout.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--every", "500ms"},
           {"--every", "0.5s"},
           {"--every", "10x"},
           {"--every", "s"},
           {"--upload", "http://localhost:4040"},
           {"--every", "30s", "--upload", "localhost:4040"},
           {"--every", "30s", "--tag", "env=prod"},
           {"--every", "30s", "--upload", "http://h", "--tag", "env"},
           {"--every", "30s", "--upload", "http://h", "--tag", "env=a,b"},
           {"--every", "30s", "-o", "-"}}) {
    std::vector<std::string> argv{cspy_binary(), "record", "--pid", "1"};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = run_command(argv);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  }
}

TEST(RecordErrors, CommandThatCannotRun) {
  CommandResult r =
      run_command({cspy_binary(), "record", "-o", "/tmp/x.folded", "--", "/nonexistent/prog"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.err.find("cannot run '/nonexistent/prog'"), std::string::npos) << r.err;
}

TEST(RecordErrors, UnwritableOutputNamesThePath) {
  ChildProcess chain({target_binary("chain"), "--mode", "spin"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  CommandResult r = run_command({cspy_binary(), "record", "--pid", std::to_string(chain.pid()),
                                 "-d", "0.3", "-o", "/nonexistent-dir/out.folded"});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("/nonexistent-dir/out.folded"), std::string::npos) << r.err;
  EXPECT_TRUE(chain.running());
}

TEST(RecordLifecycle, TargetExitingMidRunIsNotAnError) {
  ChildProcess chain({target_binary("chain"), "--mode", "spin", "--seconds", "1"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  std::string out = make_temp_dir() + "/out.folded";
  const std::string pid = std::to_string(chain.pid());
  // cspy is not the parent, so the target is reaped here while cspy runs.
  std::thread reaper([&] { chain.wait(30s); });
  CommandResult r = run_command({cspy_binary(), "record", "--pid", pid, "-o", out}, 30s);
  reaper.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the target exited"), std::string::npos) << r.err;
  auto stacks = parse_folded(read_file(out));
  EXPECT_FALSE(stacks.empty());
}

TEST(RecordLifecycle, LaunchedCommandExitStatusIsPassedOn) {
  std::string out = make_temp_dir() + "/out.folded";
  CommandResult r =
      run_command({cspy_binary(), "record", "-o", out, "--", "/bin/sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  CommandResult ok = run_command({cspy_binary(), "record", "-o", out, "--", target_binary("chain"),
                                  "--mode", "spin", "--seconds", "0.5"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("done"), std::string::npos) << "the program's stdout is kept";
  EXPECT_GT(parse_folded(read_file(out)).size(), 0u);
}

TEST(RecordLifecycle, SigintWritesWhatWasCollected) {
  for (const char* sampler : {"perf_event", "ptrace"}) {
    ChildProcess chain({target_binary("chain"), "--mode", "spin"});
    ASSERT_TRUE(chain.wait_for_output("ready", 10s));
    std::string out = make_temp_dir() + "/out.folded";
    ChildProcess cspy({cspy_binary(), "record", "--pid", std::to_string(chain.pid()), "-o", out,
                       "--sampler", sampler});
    std::this_thread::sleep_for(1s);
    ::kill(cspy.pid(), SIGINT);
    std::optional<int> code = cspy.wait(20s);
    ASSERT_TRUE(code.has_value()) << sampler;
    EXPECT_EQ(*code, 0) << sampler;
    EXPECT_GT(parse_folded(read_file(out)).size(), 0u) << sampler;
    EXPECT_TRUE(chain.running()) << sampler;
    EXPECT_FALSE(process_is_stopped(chain.pid())) << sampler;
  }
}

TEST(RecordLifecycle, SigkilledCspyLeavesTargetRunningAndCorrect) {
  for (const char* sampler : {"perf_event", "ptrace"}) {
    // julia checks its own result: a disturbed target would print a wrong sum and fail.
    ChildProcess julia(
        {target_binary("julia"), "--seconds", "2", "--width", "300", "--max-iter", "100"});
    std::this_thread::sleep_for(200ms);
    ChildProcess cspy({cspy_binary(), "record", "--pid", std::to_string(julia.pid()), "-o",
                       make_temp_dir() + "/out.folded", "--sampler", sampler, "--rate", "1000"});
    std::this_thread::sleep_for(700ms);
    cspy.kill_and_reap();
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(process_is_stopped(julia.pid())) << sampler;
    std::optional<int> code = julia.wait(30s);
    ASSERT_TRUE(code.has_value()) << sampler << " still running";
    EXPECT_EQ(*code, 0) << sampler;
  }
}

}  // namespace
}  // namespace cspy::test
